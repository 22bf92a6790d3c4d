// A past run becomes a saved simulation case that passes on the engine: the same path, node and end state,
// without replaying rule results (the engine evaluates the rules itself).
import { readFile } from 'node:fs/promises';
import { runTestCase } from '@flowdesk/engine';
import { validateDefinition, type WorkflowDefinition } from '@flowdesk/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, publishViaApi, startHarness, type Harness } from './api-harness.ts';
import { waitFor } from './wait-for.ts';

let h: Harness;
let definition: WorkflowDefinition;

beforeAll(async () => {
  h = await startHarness('run_test_case', { workers: true });
  definition = JSON.parse(await readFile(new URL('../../packages/schema/examples/escalating-approval.json', import.meta.url), 'utf8')) as WorkflowDefinition;
  delete definition.tests;
  await publishViaApi(h.app, definition);
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const runOf = async (id: string) => json(await h.app.inject({ method: 'GET', url: `/api/runs/${id}` })).run;

describe('GET /api/runs/:id/test-case', () => {
  it('turns a finished run (rule, timer, vote) into a case that passes, and that the definition accepts', async () => {
    const created = json(await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'Refund please', priority: 'normal' } }));
    const runId = created.runs[0].id as string;
    // The rule sends a normal ticket to the 3-second cooling-off wait; its timer fires for real (pg-boss).
    await waitFor('at the approval', async () => (await runOf(runId)).currentNode?.id === 'manager_approval', 20_000);
    await h.app.inject({ method: 'POST', url: `/api/runs/${runId}/events`, payload: { type: 'approval.vote', nodeId: 'manager_approval', approver: 'maria', decision: 'reject' } });
    await waitFor('completed', async () => (await runOf(runId)).status === 'completed');

    const res = await h.app.inject({ method: 'GET', url: `/api/runs/${runId}/test-case` });
    expect(res.statusCode, res.body).toBe(200);
    const { testCase, workflowKey, version } = json(res);
    expect({ workflowKey, version }).toEqual({ workflowKey: 'escalating-approval', version: 1 });
    expect(testCase.steps).toEqual([{ fire: 'cooling_off', timer: 'elapsed' }, { vote: 'manager_approval', decision: 'reject', approver: 'maria' }]);
    expect(testCase.expect).toEqual({ path: ['triage', 'cooling_off', 'manager_approval', 'rejected'], node: 'rejected', status: 'completed', endStatus: 'closed' });
    expect(testCase.ticket).toMatchObject({ subject: 'Refund please', priority: 'normal' });

    expect(await runTestCase(definition, testCase)).toMatchObject({ passed: true, failures: [] });
    expect(validateDefinition({ ...definition, tests: [testCase] }).valid).toBe(true);
  });
});

describe('GET /api/runs/:id/test-case of a migrated run', () => {
  it('refuses with a 409 that names the migration (versions, history sequence, nodes)', async () => {
    const at = { x: 0, y: 0 };
    const v1 = {
      schemaVersion: 1,
      key: 'moved-case',
      name: 'Moved case',
      nodes: [
        { id: 'start', kind: 'trigger', position: at, params: { event: 'ticket.created' } },
        { id: 'review', kind: 'approval', position: at, params: { title: 'Review', approvers: [{ type: 'role', role: 'manager' }], required: 1 } },
        { id: 'done', kind: 'end', position: at, params: { status: 'resolved' } },
        { id: 'no', kind: 'end', position: at, params: { status: 'closed' } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'review', outcome: 'next' },
        { id: 'e2', source: 'review', target: 'done', outcome: 'approved' },
        { id: 'e3', source: 'review', target: 'no', outcome: 'rejected' },
      ],
    } as unknown as WorkflowDefinition;
    const v2 = JSON.parse(JSON.stringify(v1).replaceAll('"review"', '"sign_off"')) as WorkflowDefinition;
    const { workflowId, versionId } = await publishViaApi(h.app, v1);
    const started = await h.app.inject({ method: 'POST', url: '/api/runs', payload: { workflowVersionId: versionId, ticket: { subject: 'Moved', priority: 'low' } } });
    const runId = json(started).run.id as string;
    // Before any migration the run is a case like any other.
    expect((await h.app.inject({ method: 'GET', url: `/api/runs/${runId}/test-case` })).statusCode).toBe(200);

    expect((await h.app.inject({ method: 'PUT', url: `/api/workflows/${workflowId}/draft`, payload: { definition: v2 } })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'POST', url: `/api/workflows/${workflowId}/publish`, payload: {} })).statusCode).toBe(201);
    const payload = { fromVersion: 1, toVersion: 2, mapping: { review: 'sign_off' } };
    const preview = json(await h.app.inject({ method: 'POST', url: `/api/workflows/${workflowId}/migrations/preview`, payload }));
    expect(preview.runs).toBe(1);
    const applied = await h.app.inject({ method: 'POST', url: `/api/workflows/${workflowId}/migrations`, payload: { ...payload, confirm: 1 } });
    expect(json(applied)).toEqual({ migrated: 1, failed: [] });
    // The run goes on and finishes on version 2.
    await h.app.inject({ method: 'POST', url: `/api/runs/${runId}/events`, payload: { type: 'approval.vote', nodeId: 'sign_off', approver: 'maria', decision: 'approve' } });
    expect((await runOf(runId)).status).toBe('completed');
    const history = json(await h.app.inject({ method: 'GET', url: `/api/runs/${runId}/history` })).history as { sequence: number; event: { type: string } }[];
    const migratedAt = history.find((e) => e.event.type === 'run.migrated')!.sequence;

    const res = await h.app.inject({ method: 'GET', url: `/api/runs/${runId}/test-case` });
    expect(res.statusCode, res.body).toBe(409);
    const { error } = json(res);
    expect(error.code).toBe('FD_CONFLICT');
    expect(error.message).toContain(`run ${runId} was moved to another workflow version (version 1 → 2 at history #${migratedAt} (node "review" → "sign_off"))`);
    expect(error.message).toMatch(/a test case replays one version from the ticket/);
    expect(error.details).toEqual([{ path: '/params/id', message: `/params/id: migrated version 1 → 2 at history #${migratedAt} (node "review" → "sign_off")` }]);
  });
});
