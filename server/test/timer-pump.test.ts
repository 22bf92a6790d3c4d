// Workflow timers wait in run_timers until the timer pump hands them to pg-boss (migration 0016,
// runtime/timer-pump.ts): a transition writes its timers in the statement that moves the run, leaving a
// node cancels that node's pending timers, completing the run cancels all of them, and the pump moves
// rows due within its lookahead into jobs with startAfter = the fire time, atomically.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { PgBoss } from 'pg-boss';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { createDatabase, type DatabaseHandle } from '../src/db/database.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { createBoss, pumpDueTimers, Runtime, type IncomingEvent } from '../src/runtime/index.ts';

const pingPong = JSON.parse(readFileSync(new URL('../../tests/bench/ping-pong.json', import.meta.url), 'utf8')) as WorkflowDefinition;
const logger = pino({ level: process.env.FLOWDESK_TEST_LOG_LEVEL ?? 'silent' });
const submit = (nodeId: string): IncomingEvent => ({ type: 'task.submit', nodeId, action: 'next' });
const HOUR = 3_600_000;

let tdb: TestDatabase;
let handle: DatabaseHandle;
let boss: PgBoss;
let runtime: Runtime;
let versionId: string;

beforeAll(async () => {
  tdb = await createTestDatabase('timer_pump');
  boss = await createBoss(tdb.connectionString, logger);
  handle = createDatabase(tdb.connectionString, { max: 4 });
  runtime = new Runtime({ db: handle.db, pool: handle.pool, boss, logger });
  const workflow = await tdb.db.insertInto('workflows').values({ key: pingPong.key, name: pingPong.name, draft: JSON.stringify(pingPong) }).returning('id').executeTakeFirstOrThrow();
  versionId = (await tdb.db.insertInto('workflow_versions').values({ workflow_id: workflow.id, version: 1, definition: JSON.stringify(pingPong) }).returning('id').executeTakeFirstOrThrow()).id;
}, 60_000);

afterAll(async () => {
  await boss?.stop({ graceful: false });
  await handle?.close();
  await tdb?.drop();
});

const pending = (runId: string) =>
  handle.db.selectFrom('run_timers').select(['key', 'node_id', 'visit', 'timer_id', 'fire_at']).where('run_id', '=', runId).orderBy('key').execute();
const timerJobs = async (runId: string) =>
  (
    await handle.pool.query<{ key: string; start_after: Date; node_id: string; fire_at: string }>(
      `SELECT data->>'key' AS key, start_after, data->>'nodeId' AS node_id, data->>'fireAt' AS fire_at
       FROM pgboss.job WHERE name = 'flowdesk.timer' AND data->>'runId' = $1::text ORDER BY start_after`,
      [runId],
    )
  ).rows;
/** Removes every pending row of other tests, so counts below are this test's own. */
const drainAll = () => pumpDueTimers(handle.db, boss, 10 * 365 * 24 * HOUR, 1000);

describe('timer outbox and pump', () => {
  it('writes the scheduled timer with the transition, and the pump hands it to pg-boss only within its lookahead', async () => {
    await drainAll();
    const { run, steps } = await runtime.startRun({ workflowVersionId: versionId, ticket: { subject: 'pump' } });
    const scheduled = steps.flatMap((s) => s.effects).find((e) => e.type === 'timer.schedule');
    expect(scheduled).toBeDefined();
    const rows = await pending(run.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ node_id: 'ping', visit: 1, timer_id: (scheduled as { timerId: string }).timerId });
    expect(new Date(rows[0]!.fire_at).toISOString()).toBe((scheduled as { fireAt: string }).fireAt);
    expect(await timerJobs(run.id)).toEqual([]);

    // Due in an hour: a one-minute lookahead leaves it alone.
    expect(await pumpDueTimers(handle.db, boss, 60_000, 100)).toBe(0);
    expect(await pending(run.id)).toHaveLength(1);
    // A two-hour lookahead takes it: one job, startAfter = the fire time, the row gone.
    expect(await pumpDueTimers(handle.db, boss, 2 * HOUR, 100)).toBe(1);
    expect(await pending(run.id)).toEqual([]);
    const jobs = await timerJobs(run.id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ key: rows[0]!.key, node_id: 'ping', fire_at: (scheduled as { fireAt: string }).fireAt });
    expect(jobs[0]!.start_after.toISOString()).toBe((scheduled as { fireAt: string }).fireAt);
  });

  it('cancels the pending timers of a node when the run leaves it, and all of them when the run completes', async () => {
    await drainAll();
    const { run } = await runtime.startRun({ workflowVersionId: versionId, ticket: { subject: 'cancel' } });
    expect((await pending(run.id)).map((r) => r.node_id)).toEqual(['ping']);
    await runtime.sendEvent(run.id, submit('ping'));
    expect((await pending(run.id)).map((r) => [r.node_id, r.visit])).toEqual([['pong', 1]]);
    await runtime.sendEvent(run.id, submit('pong'));
    expect((await pending(run.id)).map((r) => [r.node_id, r.visit])).toEqual([['ping', 2]]);
    const [timer] = await pending(run.id);
    // The escalation fires (as the timer worker would send it): the run ends at timed_out, nothing stays pending.
    const fired = await runtime.sendEvent(
      run.id,
      { type: 'timer.fired', nodeId: 'ping', visit: 2, timerId: timer!.timer_id, at: new Date(timer!.fire_at).toISOString() },
      { eventKey: timer!.key },
    );
    expect(fired).toMatchObject({ applied: true, run: { status: 'completed', state: 'timed_out' } });
    expect(await pending(run.id)).toEqual([]);
    expect(await timerJobs(run.id)).toEqual([]);
  });

  it("cancels a group's timeout when the run leaves the group, not when it moves between members", async () => {
    await drainAll();
    const at = { x: 0, y: 0 };
    const task = (id: string, action: string, parentId?: string) => ({
      id, kind: 'task', ...(parentId && { parentId }), position: at, params: { title: id, assignee: { type: 'role', role: 'agent' }, actions: [{ id: action, label: action }] },
    });
    const grouped = {
      schemaVersion: 1,
      key: 'grouped-timers',
      name: 'Grouped timers',
      nodes: [
        { id: 'start', kind: 'trigger', position: at, params: { event: 'manual' } },
        { id: 'work', kind: 'group', name: 'In progress', position: at, params: { initial: 'triage', timeout: 'PT4H' } },
        task('triage', 'ok', 'work'),
        task('fix', 'ok', 'work'),
        task('review', 'done'),
        { id: 'resolved', kind: 'end', position: at, params: { status: 'resolved' } },
        { id: 'late', kind: 'end', position: at, params: { status: 'closed' } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'work', outcome: 'next' },
        { id: 'e2', source: 'triage', target: 'fix', outcome: 'ok' },
        { id: 'e3', source: 'fix', target: 'review', outcome: 'ok' },
        { id: 'e4', source: 'review', target: 'resolved', outcome: 'done' },
        { id: 'e5', source: 'work', target: 'late', outcome: 'timeout' },
      ],
    } as unknown as WorkflowDefinition;
    const workflow = await tdb.db.insertInto('workflows').values({ key: grouped.key, name: grouped.name, draft: JSON.stringify(grouped) }).returning('id').executeTakeFirstOrThrow();
    const version = await tdb.db.insertInto('workflow_versions').values({ workflow_id: workflow.id, version: 1, definition: JSON.stringify(grouped) }).returning('id').executeTakeFirstOrThrow();
    const { run } = await runtime.startRun({ workflowVersionId: version.id, ticket: { subject: 'grouped' } });
    expect((await pending(run.id)).map((r) => r.node_id)).toEqual(['work']);
    // triage -> fix stays inside the group: the group's timeout keeps running.
    expect((await runtime.sendEvent(run.id, { type: 'task.submit', nodeId: 'triage', action: 'ok' })).run.state).toBe('fix');
    expect((await pending(run.id)).map((r) => r.node_id)).toEqual(['work']);
    // fix -> review leaves it: the timeout could only fire stale, so it is gone.
    expect((await runtime.sendEvent(run.id, { type: 'task.submit', nodeId: 'fix', action: 'ok' })).run.state).toBe('review');
    expect(await pending(run.id)).toEqual([]);
  });

  it('moves nothing when the job insert fails: the rows stay for the next tick', async () => {
    await drainAll();
    const { run } = await runtime.startRun({ workflowVersionId: versionId, ticket: { subject: 'atomic' } });
    const failing = { insert: async () => Promise.reject(new Error('pg-boss unavailable')) } as unknown as PgBoss;
    await expect(pumpDueTimers(handle.db, failing, 2 * HOUR, 100)).rejects.toThrow('pg-boss unavailable');
    expect(await pending(run.id)).toHaveLength(1);
    expect(await pumpDueTimers(handle.db, boss, 2 * HOUR, 100)).toBe(1);
    expect(await timerJobs(run.id)).toHaveLength(1);
  });

  it('hands an overdue timer over at once and several pumps never move one row twice', async () => {
    await drainAll();
    const runs = await Promise.all(Array.from({ length: 30 }, (_, i) => runtime.startRun({ workflowVersionId: versionId, ticket: { subject: `many ${i}` } })));
    // Pretend the workers were down for two hours.
    await handle.pool.query(`UPDATE run_timers SET fire_at = fire_at - interval '3 hours'`);
    const pumps = await Promise.all([1, 2, 3, 4].map(() => pumpDueTimers(handle.db, boss, 0, 7)));
    let moved = pumps.reduce((a, b) => a + b, 0);
    while (moved < runs.length) {
      const n = await pumpDueTimers(handle.db, boss, 0, 7);
      if (n === 0) break;
      moved += n;
    }
    expect(moved).toBe(runs.length);
    const { rows: [counts] } = await handle.pool.query(
      `SELECT count(*)::int AS jobs, count(DISTINCT data->>'key')::int AS keys, count(*) FILTER (WHERE start_after <= now())::int AS due
       FROM pgboss.job WHERE name = 'flowdesk.timer' AND data->>'runId' = ANY($1::text[])`,
      [runs.map((r) => r.run.id)],
    );
    expect(counts).toEqual({ jobs: runs.length, keys: runs.length, due: runs.length });
  });
});
