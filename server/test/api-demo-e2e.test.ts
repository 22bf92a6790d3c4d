// The demo workflow end to end through the REST API only, with real workers: trigger -> rule -> wait
// whose timer fires through pg-boss -> approval -> end; then the escalation path, where an SLA timer on
// the wait moves the run through an action node that changes the ticket. The history shows each
// transition exactly once.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { json, publishViaApi, startHarness, type Harness } from './api-harness.ts';
import { waitFor } from './wait-for.ts';

const demo = JSON.parse(readFileSync(new URL('../../packages/schema/examples/escalating-approval.json', import.meta.url), 'utf8')) as WorkflowDefinition;
let h: Harness;

beforeAll(async () => {
  h = await startHarness('demo_e2e', { workers: true });
}, 60_000);
afterAll(async () => h?.close());

async function runState(runId: string) {
  const res = await h.app.inject({ method: 'GET', url: `/api/runs/${runId}` });
  expect(res.statusCode).toBe(200);
  return json(res).run as { state: string; status: string };
}

async function waitForState(runId: string, state: string) {
  return waitFor(`run ${runId} to reach ${state}`, async () => {
    const run = await runState(runId);
    return run.state === state ? run : null;
  });
}

async function transitions(runId: string) {
  const res = await h.app.inject({ method: 'GET', url: `/api/runs/${runId}/history` });
  expect(res.statusCode).toBe(200);
  const rows = json(res).history as { sequence: number; event: { type: string }; fromState: string | null; toState: string }[];
  expect(rows.map((r) => r.sequence)).toEqual(rows.map((_, i) => i + 1));
  return rows.map((r) => `${r.event.type}:${r.fromState ?? '-'}->${r.toState}`);
}

describe('demo workflow through the REST API', () => {
  it('normal ticket: the cooling-off timer fires via pg-boss, a manager approves, the ticket is resolved', async () => {
    await publishViaApi(h.app, demo);
    const created = await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'Refund for order 1042', body: 'Charged twice', priority: 'normal' } });
    expect(created.statusCode).toBe(201);
    const { ticket, runs } = json(created);
    expect(runs).toHaveLength(1);
    const runId = runs[0].id as string;
    expect(runs[0]).toMatchObject({ state: 'cooling_off', status: 'waiting' });

    // A vote now is refused: the run is still cooling off.
    const early = await h.app.inject({ method: 'POST', url: `/api/runs/${runId}/events`, payload: { type: 'approval.vote', nodeId: 'manager_approval', approver: 'maria', decision: 'approve' } });
    expect(early.statusCode).toBe(409);
    expect(json(early).error.message).toMatch(/cooling_off/);

    await waitForState(runId, 'manager_approval');
    const vote = await h.app.inject({ method: 'POST', url: `/api/runs/${runId}/events`, payload: { type: 'approval.vote', nodeId: 'manager_approval', approver: 'maria', decision: 'approve' } });
    expect(vote.statusCode).toBe(200);
    expect(json(vote).run).toMatchObject({ state: 'resolved', status: 'completed' });

    expect(await transitions(runId)).toEqual([
      'run.start:-->triage',
      'effect.result:triage->cooling_off',
      'timer.fired:cooling_off->manager_approval',
      'approval.vote:manager_approval->resolved',
    ]);
    const t = await h.app.inject({ method: 'GET', url: `/api/tickets/${ticket.id}` });
    expect(json(t).ticket.status).toBe('resolved');
  });

  it('an unanswered SLA escalates: the action node changes the ticket, then the manager rejects', async () => {
    const fast = structuredClone(demo);
    fast.key = 'escalating-approval-fast';
    const wait = fast.nodes.find((n) => n.id === 'cooling_off')!;
    wait.params = { duration: 'PT1H', resumeOn: ['customer.replied'], escalations: [{ outcome: 'escalated', after: 'PT1S' }] };
    const { versionId } = await publishViaApi(h.app, fast);
    const ticket = json(await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'Where is my parcel?', priority: 'low' } })).ticket;
    const started = await h.app.inject({ method: 'POST', url: '/api/runs', payload: { workflowVersionId: versionId, ticketId: ticket.id } });
    expect(started.statusCode).toBe(201);
    const runId = json(started).run.id as string;

    await waitForState(runId, 'manager_approval');
    const after = json(await h.app.inject({ method: 'GET', url: `/api/tickets/${ticket.id}` })).ticket;
    expect(after).toMatchObject({ priority: 'urgent', tags: ['escalated'] });

    const reject = await h.app.inject({ method: 'POST', url: `/api/runs/${runId}/events`, payload: { type: 'approval.vote', nodeId: 'manager_approval', approver: 'omar', decision: 'reject' } });
    expect(json(reject).run).toMatchObject({ state: 'rejected', status: 'completed' });
    expect(await transitions(runId)).toEqual([
      'run.start:-->triage',
      'effect.result:triage->cooling_off',
      'timer.fired:cooling_off->escalate',
      'effect.result:escalate->manager_approval',
      'approval.vote:manager_approval->rejected',
    ]);
  });
});
