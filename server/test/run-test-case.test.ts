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
