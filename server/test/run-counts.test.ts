// GET /api/workflows/:id/run-counts: unfinished runs per version and node, the start of the designer's
// "Move runs" page. Completed runs do not count; versions without unfinished runs are left out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { createPrincipal, json, publishViaApi, startHarness, type Harness } from './api-harness.ts';

const at = { x: 0, y: 0 };
const definition = (approvalId: string): WorkflowDefinition =>
  ({
    schemaVersion: 1,
    key: 'counted',
    name: 'Counted',
    nodes: [
      { id: 'start', kind: 'trigger', position: at, params: { event: 'manual' } },
      { id: approvalId, kind: 'approval', position: at, params: { title: 'Approve', approvers: [{ type: 'role', role: 'manager' }], required: 1 } },
      { id: 'hold', kind: 'wait', position: at, params: { resumeOn: ['customer.replied'] } },
      { id: 'done', kind: 'end', position: at, params: { status: 'resolved' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: approvalId, outcome: 'next' },
      { id: 'e2', source: approvalId, target: 'done', outcome: 'approved' },
      { id: 'e3', source: approvalId, target: 'hold', outcome: 'rejected' },
      { id: 'e4', source: 'hold', target: 'done', outcome: 'resumed' },
    ],
  }) as WorkflowDefinition;

let h: Harness;
let workflowId: string;

beforeAll(async () => {
  h = await startHarness('run_counts');
  const { workflowId: id, versionId } = await publishViaApi(h.app, definition('approve'));
  workflowId = id;
  const start = async () => json(await h.app.inject({ method: 'POST', url: '/api/runs', payload: { workflowVersionId: versionId } })).run.id as string;
  const vote = (runId: string, decision: string) =>
    h.app.inject({ method: 'POST', url: `/api/runs/${runId}/events`, payload: { type: 'approval.vote', nodeId: 'approve', approver: 'maria', decision } });
  await start();
  await start();
  await vote(await start(), 'reject'); // -> hold
  await vote(await start(), 'approve'); // completed: not counted
  await h.app.inject({ method: 'PUT', url: `/api/workflows/${workflowId}/draft`, payload: { definition: definition('sign_off') } });
  await h.app.inject({ method: 'POST', url: `/api/workflows/${workflowId}/publish`, payload: {} });
}, 60_000);
afterAll(async () => h?.close());

describe('GET /api/workflows/:id/run-counts', () => {
  it('counts unfinished runs per version and node; a version without any is left out', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/api/workflows/${workflowId}/run-counts` });
    expect(res.statusCode, res.body).toBe(200);
    expect(json(res)).toEqual({
      versions: [{ version: 1, runs: 3, byState: [{ state: 'approve', runs: 2 }, { state: 'hold', runs: 1 }] }],
    });
  });

  it('agents may read the counts (workflows.read); an unknown workflow is a 404', async () => {
    const agent = await createPrincipal(h.tdb.db, { role: 'agent', email: 'agent@counts.test' });
    const asAgent = await h.app.inject({ method: 'GET', url: `/api/workflows/${workflowId}/run-counts`, headers: { authorization: `Bearer ${agent.token}` } });
    expect(asAgent.statusCode).toBe(200);
    const missing = await h.app.inject({ method: 'GET', url: '/api/workflows/00000000-0000-4000-8000-000000000000/run-counts' });
    expect(missing.statusCode).toBe(404);
    expect(json(missing).error.code).toBe('FD_NOT_FOUND');
  });
});
