// Groups (compound states) end to end on a real Postgres with real pg-boss jobs: a grouped workflow publishes
// through the API, a run enters the group (one timer job for the group, nodeId = the group), moves between
// members without losing that timer, and the due timer -- fired as the timer worker does -- takes the group's
// timeout edge from whichever member is active: once, with the member's task closed; a redelivery changes
// nothing. A cancel event leaves the group the same way; a timer of a group the run has left is ignored.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { pumpDueTimers, TIMER_QUEUE } from '../src/runtime/index.ts';
import type { TimerJobData } from '../src/runtime/persist.ts';
import { json, publishViaApi, startHarness, type Harness } from './api-harness.ts';

let h: Harness;
let versionId: string;

function definition(): WorkflowDefinition {
  const at = { x: 40, y: 80 };
  const task = (id: string, action: string) => ({
    id, kind: 'task', parentId: 'work', position: at, params: { title: id, assignee: { type: 'role', role: 'agent' }, actions: [{ id: action, label: action }] },
  });
  return {
    schemaVersion: 1,
    key: 'grouped-sla',
    name: 'Grouped SLA',
    nodes: [
      { id: 'start', kind: 'trigger', position: at, params: { event: 'ticket.created' } },
      { id: 'work', kind: 'group', name: 'In progress', position: at, params: { initial: 'triage', timeout: 'PT4H', cancelOn: ['ticket.closed'] } },
      task('triage', 'ok'),
      task('fix', 'done'),
      { id: 'resolved', kind: 'end', position: at, params: { status: 'resolved' } },
      { id: 'late', kind: 'end', position: at, params: { status: 'closed' } },
      { id: 'gone', kind: 'end', position: at, params: { status: 'cancelled' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'work', outcome: 'next' },
      { id: 'e2', source: 'triage', target: 'fix', outcome: 'ok' },
      { id: 'e3', source: 'fix', target: 'resolved', outcome: 'done' },
      { id: 'e4', source: 'work', target: 'late', outcome: 'timeout' },
      { id: 'e5', source: 'work', target: 'gone', outcome: 'cancelled' },
    ],
  } as WorkflowDefinition;
}

beforeAll(async () => {
  h = await startHarness('group_runtime');
  ({ versionId } = await publishViaApi(h.app, definition()));
}, 60_000);

afterAll(async () => {
  await h?.close();
});

/** The run's timer jobs, after the timer pump handed every pending timer to pg-h.boss. */
async function timerJobs(runId: string): Promise<TimerJobData[]> {
  await pumpDueTimers(h.tdb.db, h.boss, 10 * 365 * 86_400_000, 1000);
  const { rows } = await sql<{ data: TimerJobData }>`SELECT data FROM pgboss.job WHERE name = ${TIMER_QUEUE} AND data->>'runId' = ${runId} ORDER BY created_on`.execute(h.tdb.db);
  return rows.map((r) => r.data);
}
/** What the timer worker (workers.ts handleTimer) sends when pg-h.boss hands out the job. */
const fire = (runId: string, job: TimerJobData) =>
  h.runtime.sendEvent(runId, { type: 'timer.fired', nodeId: job.nodeId, visit: job.visit, timerId: job.timerId, at: job.fireAt }, { eventKey: job.key });
const startRun = async (): Promise<string> => {
  const started = await h.app.inject({ method: 'POST', url: '/api/runs', payload: { workflowVersionId: versionId, ticket: { subject: 'VPN down' } } });
  expect(started.statusCode, started.body).toBe(201);
  return json(started).run.id as string;
};
const submit = async (runId: string, nodeId: string, action: string) => {
  const r = await h.app.inject({ method: 'POST', url: `/api/runs/${runId}/events`, payload: { type: 'task.submit', nodeId, action } });
  expect(r.statusCode, r.body).toBe(200);
  return json(r).run as { state: string; status: string };
};
const history = async (runId: string) =>
  json(await h.app.inject({ method: 'GET', url: `/api/runs/${runId}/history` })).history as { event: { type: string }; fromState: string | null; toState: string }[];

describe('groups on the durable runtime', () => {
  it('the group timer is one pg-h.boss job; it outlives moves inside the group and leaves it once, from the active member', async () => {
    const runId = await startRun();
    const jobs = await timerJobs(runId);
    expect(jobs.map((j) => [j.nodeId, j.visit, j.timerId])).toEqual([['work', 1, 'work:timeout']]);

    expect(await submit(runId, 'triage', 'ok')).toMatchObject({ state: 'fix', status: 'waiting' });
    // Leaving the member triage did not cancel the group's timer, and no second one was scheduled.
    expect((await timerJobs(runId)).map((j) => j.timerId)).toEqual(['work:timeout']);

    const fired = await fire(runId, jobs[0]!);
    expect(fired.applied).toBe(true);
    expect(fired.run).toMatchObject({ state: 'late', status: 'completed' });
    // A redelivery of the same job (same event key) changes nothing.
    const again = await fire(runId, jobs[0]!);
    expect(again.applied).toBe(false);

    const rows = await history(runId);
    const boundary = rows.filter((r) => r.event.type === 'timer.fired');
    expect(boundary).toEqual([expect.objectContaining({ fromState: 'fix', toState: 'late' })]);
    expect(rows.map((r) => r.toState)).toEqual(['triage', 'fix', 'late']);
    // The member the boundary transition left had its task closed, as for any transition.
    const tasks = await h.tdb.db.selectFrom('tasks').select(['node_id', 'status']).where('run_id', '=', runId).orderBy('node_id').execute();
    expect(tasks.map((t) => t.node_id)).toEqual(['fix', 'triage']);
    expect(tasks.filter((t) => t.status === 'open')).toEqual([]);
  });

  it('a cancel event leaves the group from any member; a timer of a group the run has left is ignored', async () => {
    const runId = await startRun();
    const [job] = await timerJobs(runId);
    const cancelled = await h.app.inject({ method: 'POST', url: `/api/runs/${runId}/events`, payload: { type: 'ticket.event', name: 'ticket.closed' } });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(json(cancelled).run).toMatchObject({ state: 'gone', status: 'completed' });
    const late = await fire(runId, job!);
    expect(late.applied).toBe(false);

    // Pumped to pg-h.boss while the run is in the group; the run then leaves it (through `done`, to an end).
    const other = await startRun();
    const [otherJob] = await timerJobs(other);
    await submit(other, 'triage', 'ok');
    await submit(other, 'fix', 'done');
    const stale = await fire(other, otherJob!);
    expect(stale.applied).toBe(false);
    expect((await history(other)).map((r) => r.toState)).toEqual(['triage', 'fix', 'resolved']);
  });
});
