// Run migration over HTTP with the real Runtime, pg-boss and workers on a real Postgres: runs waiting on
// version 1 (at an approval, and at a wait) move to version 2, where the approval was renamed and the wait
// replaced by a timed one. Preview (counts, problems, invalid bodies), refusals that change nothing, apply,
// then the runs finish on version 2: by a vote, and by a timer pg-boss fires. History, tasks and audit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { json, publishViaApi, startHarness, tableCounts, type Harness } from './api-harness.ts';
import { waitFor } from './wait-for.ts';

const at = { x: 0, y: 0 };

/** v1: approval `approve` -> done | (rejected) hold, a wait for the customer's reply -> approve again. */
function v1(): WorkflowDefinition {
  return {
    schemaVersion: 1,
    key: 'migrate-me',
    name: 'Migrate me',
    nodes: [
      { id: 'start', kind: 'trigger', position: at, params: { event: 'ticket.created' } },
      { id: 'approve', kind: 'approval', position: at, params: { title: 'Approve', approvers: [{ type: 'role', role: 'manager' }], required: 1 } },
      { id: 'hold', kind: 'wait', position: at, params: { resumeOn: ['customer.replied'] } },
      { id: 'done', kind: 'end', position: at, params: { status: 'resolved' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'approve', outcome: 'next' },
      { id: 'e2', source: 'approve', target: 'done', outcome: 'approved' },
      { id: 'e3', source: 'approve', target: 'hold', outcome: 'rejected' },
      { id: 'e4', source: 'hold', target: 'approve', outcome: 'resumed' },
    ],
  } as WorkflowDefinition;
}

/** v2: the approval is now `sign_off`; a rejection waits one second (`cool`) and closes. */
function v2(): WorkflowDefinition {
  return {
    schemaVersion: 1,
    key: 'migrate-me',
    name: 'Migrate me',
    nodes: [
      { id: 'start', kind: 'trigger', position: at, params: { event: 'ticket.created' } },
      { id: 'sign_off', kind: 'approval', position: at, params: { title: 'Sign off', approvers: [{ type: 'role', role: 'manager' }], required: 1 } },
      { id: 'cool', kind: 'wait', position: at, params: { duration: 'PT1S' } },
      { id: 'done', kind: 'end', position: at, params: { status: 'resolved' } },
      { id: 'closed', kind: 'end', position: at, params: { status: 'closed' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'sign_off', outcome: 'next' },
      { id: 'e2', source: 'sign_off', target: 'done', outcome: 'approved' },
      { id: 'e3', source: 'sign_off', target: 'cool', outcome: 'rejected' },
      { id: 'e4', source: 'cool', target: 'closed', outcome: 'elapsed' },
    ],
  } as WorkflowDefinition;
}

let h: Harness;
let workflowId: string;
let v1Id: string;
let v2Id: string;
const approving: string[] = [];
let holding: string;
let finished: string;

async function startRun(): Promise<string> {
  const res = await h.app.inject({ method: 'POST', url: '/api/runs', payload: { workflowVersionId: v1Id } });
  expect(res.statusCode).toBe(201);
  return json(res).run.id as string;
}

async function vote(runId: string, nodeId: string, decision: 'approve' | 'reject') {
  return h.app.inject({ method: 'POST', url: `/api/runs/${runId}/events`, payload: { type: 'approval.vote', nodeId, approver: 'maria', decision } });
}

const preview = (payload: object) => h.app.inject({ method: 'POST', url: `/api/workflows/${workflowId}/migrations/preview`, payload });
const apply = (payload: object) => h.app.inject({ method: 'POST', url: `/api/workflows/${workflowId}/migrations`, payload });

beforeAll(async () => {
  h = await startHarness('run_migration', { workers: true });
  ({ workflowId, versionId: v1Id } = await publishViaApi(h.app, v1()));
  for (let i = 0; i < 3; i++) approving.push(await startRun());
  holding = await startRun();
  expect(json(await vote(holding, 'approve', 'reject')).run.state).toBe('hold');
  finished = await startRun();
  expect(json(await vote(finished, 'approve', 'approve')).run.status).toBe('completed');

  const draft = await h.app.inject({ method: 'PUT', url: `/api/workflows/${workflowId}/draft`, payload: { definition: v2() } });
  expect(draft.statusCode).toBe(200);
  const published = await h.app.inject({ method: 'POST', url: `/api/workflows/${workflowId}/publish`, payload: { note: 'v2' } });
  expect(published.statusCode).toBe(201);
  v2Id = json(published).version.id;
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('run migration', () => {
  it('previews: counts unfinished runs by node; nodes v2 does not have are problems of a 200 preview', async () => {
    const res = await preview({ fromVersion: 1, toVersion: 2 });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual({
      runs: 4,
      byState: [
        { from: 'approve', to: null, runs: 3 },
        { from: 'hold', to: null, runs: 1 },
      ],
      problems: [
        { path: '/body/mapping/approve', message: expect.stringMatching(/3 runs are at node "approve", which version 2 does not have/) },
        { path: '/body/mapping/hold', message: expect.stringMatching(/1 run is at node "hold"/) },
      ],
    });

    const mapped = await preview({ fromVersion: 1, toVersion: 2, mapping: { approve: 'sign_off', hold: 'cool' } });
    expect(mapped.statusCode).toBe(200);
    expect(json(mapped)).toEqual({
      runs: 4,
      byState: [
        { from: 'approve', to: 'sign_off', runs: 3 },
        { from: 'hold', to: 'cool', runs: 1 },
      ],
      problems: [],
    });
  });

  it('refuses an invalid body with pointers (400/404), and a stale or problematic apply (409), changing nothing', async () => {
    const before = await tableCounts(h);
    const cases: [object, number, string, string][] = [
      [{ fromVersion: 1, toVersion: 2, mapping: { approve: 'nope' } }, 400, 'FD_INVALID_INPUT', '/body/mapping/approve'],
      [{ fromVersion: 1, toVersion: 2, mapping: { approve: 'start' } }, 400, 'FD_INVALID_INPUT', '/body/mapping/approve'],
      [{ fromVersion: 1, toVersion: 2, mapping: { ghost: 'sign_off' } }, 400, 'FD_INVALID_INPUT', '/body/mapping/ghost'],
      [{ fromVersion: 1, toVersion: 1 }, 400, 'FD_INVALID_INPUT', '/body/toVersion'],
      [{ fromVersion: 9, toVersion: 2 }, 404, 'FD_NOT_FOUND', '/body/fromVersion'],
      [{ fromVersion: 1 }, 400, 'FD_INVALID_INPUT', '/body/toVersion'],
      [{ fromVersion: 1, toVersion: 2, mapping: { approve: 7 } }, 400, 'FD_INVALID_INPUT', '/body/mapping/approve'],
      [{ fromVersion: 1, toVersion: 2, extra: true }, 400, 'FD_INVALID_INPUT', '/body/extra'],
    ];
    for (const [payload, status, code, path] of cases) {
      for (const send of [preview, (p: object) => apply({ ...p, confirm: 4 })]) {
        const res = await send(payload);
        expect({ payload, status: res.statusCode }).toEqual({ payload, status });
        expect(json(res).error.code).toBe(code);
        expect(json(res).error.details.map((d: { path: string }) => d.path)).toContain(path);
      }
    }
    const unmapped = await apply({ fromVersion: 1, toVersion: 2, confirm: 4 });
    expect(unmapped.statusCode).toBe(409);
    expect(json(unmapped).error.details.map((d: { path: string }) => d.path)).toEqual(['/body/mapping/approve', '/body/mapping/hold']);
    const stale = await apply({ fromVersion: 1, toVersion: 2, mapping: { approve: 'sign_off', hold: 'cool' }, confirm: 3 });
    expect(stale.statusCode).toBe(409);
    expect(json(stale).error.details[0].path).toBe('/body/confirm');
    const missingConfirm = await apply({ fromVersion: 1, toVersion: 2, mapping: { approve: 'sign_off', hold: 'cool' } });
    expect(missingConfirm.statusCode).toBe(400);
    expect(await tableCounts(h)).toEqual(before);
    const audits = await h.tdb.db.selectFrom('audit_log').select('seq').where('action', '=', 'workflow.runs_migrated').execute();
    expect(audits).toEqual([]);
  });

  it('applies: runs move to v2 at their mapped nodes, with history, fresh tasks, and one audit entry', async () => {
    const oldTasks = await h.tdb.db.selectFrom('tasks').select(['run_id', 'node_id', 'visit', 'status']).where('run_id', 'in', approving).execute();
    expect(oldTasks.map((t) => [t.node_id, t.visit, t.status])).toEqual(approving.map(() => ['approve', 1, 'open']));

    const res = await apply({ fromVersion: 1, toVersion: 2, mapping: { approve: 'sign_off', hold: 'cool' }, confirm: 4 });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toEqual({ migrated: 4, failed: [] });

    for (const runId of approving) {
      const run = json(await h.app.inject({ method: 'GET', url: `/api/runs/${runId}` })).run;
      expect(run).toMatchObject({ workflowVersionId: v2Id, workflowVersion: 2, state: 'sign_off', status: 'waiting', currentNode: { id: 'sign_off', kind: 'approval' } });
      const history = json(await h.app.inject({ method: 'GET', url: `/api/runs/${runId}/history` })).history;
      expect(history.at(-1)).toMatchObject({
        sequence: history.length,
        event: { type: 'run.migrated', fromVersion: 1, toVersion: 2, from: 'approve', to: 'sign_off' },
        fromState: 'approve',
        toState: 'sign_off',
        effects: [{ type: 'approval.open', nodeId: 'sign_off', visit: 1, title: 'Sign off' }],
      });
      const tasks = await h.tdb.db.selectFrom('tasks').select(['node_id', 'visit', 'status', 'title']).where('run_id', '=', runId).orderBy('created_at').execute();
      expect(tasks).toEqual([
        { node_id: 'approve', visit: 1, status: 'cancelled', title: 'Approve' },
        { node_id: 'sign_off', visit: 1, status: 'open', title: 'Sign off' },
      ]);
    }
    // The completed run stays where it was.
    expect(json(await h.app.inject({ method: 'GET', url: `/api/runs/${finished}` })).run).toMatchObject({ workflowVersion: 1, state: 'done' });

    const audits = await h.tdb.db.selectFrom('audit_log').selectAll().where('action', '=', 'workflow.runs_migrated').execute();
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ target_type: 'workflow', target_id: workflowId, action: 'workflow.runs_migrated' });
    expect(audits[0]!.details).toMatchObject({
      before: { version: 1, versionId: v1Id },
      after: { key: 'migrate-me', version: 2, versionId: v2Id, mapping: { approve: 'sign_off', hold: 'cool' }, runs: 4, migrated: 4, failed: 0 },
    });

    // Nothing is left on v1 to move.
    expect(json(await preview({ fromVersion: 1, toVersion: 2 }))).toEqual({ runs: 0, byState: [], problems: [] });
  });

  it('migrated runs finish on v2: a vote on the new approval; the old node is gone', async () => {
    const [first, second] = approving;
    const old = await vote(first!, 'approve', 'approve');
    expect(old.statusCode).toBe(409);
    expect(json(old).error.code).toBe('FD_EVENT_NOT_APPLICABLE');

    const ok = await vote(first!, 'sign_off', 'approve');
    expect(ok.statusCode).toBe(200);
    expect(json(ok)).toMatchObject({ applied: true, run: { status: 'completed', state: 'done' } });
    const tasks = await h.tdb.db.selectFrom('tasks').select(['node_id', 'status']).where('run_id', '=', first!).where('node_id', '=', 'sign_off').execute();
    expect(tasks).toEqual([{ node_id: 'sign_off', status: 'done' }]);

    // A rejection on v2 goes through the new timed wait and closes when pg-boss fires the timer.
    expect(json(await vote(second!, 'sign_off', 'reject')).run.state).toBe('cool');
    const closed = await waitFor('the v2 wait timer to close the run', async () => {
      const run = json(await h.app.inject({ method: 'GET', url: `/api/runs/${second}` })).run;
      return run.state === 'closed' ? run : null;
    });
    expect(closed.status).toBe('completed');
  });

  it('a run re-entered at a wait gets a working timer (fired by pg-boss)', async () => {
    const history = json(await h.app.inject({ method: 'GET', url: `/api/runs/${holding}/history` })).history;
    const migrated = history.find((e: { event: { type: string } }) => e.event.type === 'run.migrated');
    expect(migrated).toMatchObject({ fromState: 'hold', toState: 'cool', effects: [{ type: 'timer.schedule', nodeId: 'cool', visit: 1, timerId: 'cool:elapsed' }] });
    const closed = await waitFor('the migrated run to leave the wait by its timer', async () => {
      const run = json(await h.app.inject({ method: 'GET', url: `/api/runs/${holding}` })).run;
      return run.state === 'closed' ? run : null;
    });
    expect(closed).toMatchObject({ status: 'completed', workflowVersion: 2 });
    const after = json(await h.app.inject({ method: 'GET', url: `/api/runs/${holding}/history` })).history;
    expect(after.at(-1)).toMatchObject({ event: { type: 'timer.fired', nodeId: 'cool', visit: 1 }, fromState: 'cool', toState: 'closed' });
    // The old wait's resume event no longer applies.
    const resumed = await h.app.inject({ method: 'POST', url: `/api/runs/${holding}/events`, payload: { type: 'ticket.event', name: 'customer.replied' } });
    expect(resumed.statusCode).toBe(409);
  });
});
