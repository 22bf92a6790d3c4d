// The runtime's compare-and-set fast path with several runtimes (as in several processes) writing the same
// run: stale caches are detected and retried, prepared statements survive a failed batch, event keys are
// applied once whichever runtime sees them, and under a hammer from four runtimes the history stays
// contiguous, every timer that is still relevant is pending exactly once (run_timers) while the timers of
// the nodes the run left are gone, and there is one open task. The timer pump then turns exactly the
// pending timers into pg-boss jobs, once, however many pumps run.
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

let tdb: TestDatabase;
let boss: PgBoss;
let handles: DatabaseHandle[] = [];
let runtimes: Runtime[] = [];
let versionId: string;

beforeAll(async () => {
  tdb = await createTestDatabase('runtime_cas');
  boss = await createBoss(tdb.connectionString, logger);
  // Each runtime has its own pool (one connection each), like separate processes.
  handles = [1, 2, 3, 4].map(() => createDatabase(tdb.connectionString, { max: 1 }));
  runtimes = handles.map((h) => new Runtime({ db: h.db, pool: h.pool, boss, logger }));
  const workflow = await tdb.db.insertInto('workflows').values({ key: pingPong.key, name: pingPong.name, draft: JSON.stringify(pingPong) }).returning('id').executeTakeFirstOrThrow();
  versionId = (await tdb.db.insertInto('workflow_versions').values({ workflow_id: workflow.id, version: 1, definition: JSON.stringify(pingPong) }).returning('id').executeTakeFirstOrThrow()).id;
}, 60_000);

afterAll(async () => {
  await boss?.stop({ graceful: false });
  await Promise.all(handles.map((h) => h.close()));
  await tdb?.drop();
});

describe('compare-and-set across runtimes', () => {
  it('detects a stale cache, retries, and keeps using its prepared statements', async () => {
    const [a, b] = runtimes as [Runtime, Runtime];
    const { run } = await a.startRun({ workflowVersionId: versionId, ticket: { subject: 'cas' } });
    let r = await b.sendEvent(run.id, submit('ping'));
    expect(r).toMatchObject({ applied: true, run: { sequence: 2, state: 'pong' } });
    // a's cache still says "ping at sequence 1": its write misses, it reads again and applies on top.
    r = await a.sendEvent(run.id, submit('pong'));
    expect(r).toMatchObject({ applied: true, run: { sequence: 3, state: 'ping' } });
    r = await a.sendEvent(run.id, submit('ping'));
    expect(r).toMatchObject({ applied: true, run: { sequence: 4 } });
    // b's cache is behind: the event looks irrelevant there, so b re-reads before answering.
    r = await b.sendEvent(run.id, submit('ping'));
    expect(r.applied).toBe(false);
    expect(r.reason).toMatch(/pong/);
  });

  it('applies a keyed event once, whichever runtime sees it again', async () => {
    const [a, b] = runtimes as [Runtime, Runtime];
    const { run } = await a.startRun({ workflowVersionId: versionId, ticket: { subject: 'keys' } });
    expect((await a.sendEvent(run.id, submit('ping'), { eventKey: 'k1' })).applied).toBe(true);
    expect(await a.sendEvent(run.id, submit('pong'), { eventKey: 'k1' })).toMatchObject({ applied: false, duplicate: true });
    expect(await b.sendEvent(run.id, submit('pong'), { eventKey: 'k1' })).toMatchObject({ applied: false, duplicate: true });
  });

  it('four runtimes hammering one run: contiguous history, only the current timer pending, one open task', async () => {
    const { run } = await runtimes[0]!.startRun({ workflowVersionId: versionId, ticket: { subject: 'hammer' } });
    let applied = 0;
    await Promise.all(
      runtimes.map(async (rt, i) => {
        for (let n = 0; n < 60; n++) {
          const node = (n + i) % 2 === 0 ? 'ping' : 'pong';
          const res = await rt.sendEvent(run.id, submit(node), n % 3 === 0 ? { eventKey: `c${i}:${n}` } : {});
          if (res.applied) applied++;
        }
      }),
    );
    expect(applied).toBeGreaterThan(0);
    const history = await tdb.db.selectFrom('run_history').select('sequence').where('run_id', '=', run.id).orderBy('sequence').execute();
    expect(history.map((h) => h.sequence)).toEqual(history.map((_, i) => i + 1));
    expect(history.length).toBe(applied + 1); // + the run.start row
    const row = await tdb.db.selectFrom('runs').select('sequence').where('id', '=', run.id).executeTakeFirstOrThrow();
    expect(row.sequence).toBe(history.length);
    const { rows: [counts] } = await handles[0]!.pool.query(
      `SELECT
         (SELECT count(*)::int FROM run_timers WHERE run_id = $1::uuid) AS pending,
         (SELECT count(*)::int FROM run_history h, jsonb_array_elements(h.effects) e WHERE h.run_id = $1::uuid AND e->>'type' = 'timer.schedule') AS scheduled,
         (SELECT count(*)::int FROM tasks WHERE run_id = $1::uuid AND status = 'open') AS open_tasks`,
      [run.id],
    );
    // Every transition scheduled one escalation timer; all but the current node's were cancelled when it was left.
    expect(counts).toEqual({ pending: 1, scheduled: applied + 1, open_tasks: 1 });
    const { rows: [current] } = await handles[0]!.pool.query(
      `SELECT t.node_id, t.visit, r.state, (r.snapshot->'context'->'visits'->>r.state)::int AS state_visit
       FROM run_timers t JOIN runs r ON r.id = t.run_id WHERE t.run_id = $1::uuid`,
      [run.id],
    );
    expect(current.node_id).toBe(current.state);
    expect(current.visit).toBe(current.state_visit);

    // Four pumps at once, looking far enough ahead to take every pending timer (this run's and the earlier
    // tests' runs'): each row becomes exactly one job, and the rows are gone.
    const { rows: [{ total }] } = await handles[0]!.pool.query(`SELECT count(*)::int AS total FROM run_timers`);
    const moved = await Promise.all(handles.map((h) => pumpDueTimers(h.db, boss, 365 * 86_400_000, 10)));
    expect(moved.reduce((a, b) => a + b, 0)).toBe(total);
    const { rows: [jobs] } = await handles[0]!.pool.query(
      `SELECT count(*)::int AS n, count(DISTINCT data->>'key')::int AS keys FROM pgboss.job WHERE name = 'flowdesk.timer'`,
    );
    expect(jobs).toEqual({ n: total, keys: total });
    const { rows: [after] } = await handles[0]!.pool.query(
      `SELECT (SELECT count(*)::int FROM pgboss.job WHERE name = 'flowdesk.timer' AND data->>'runId' = $1::text) AS jobs,
              (SELECT count(*)::int FROM run_timers WHERE run_id = $1::uuid) AS pending`,
      [run.id],
    );
    expect(after).toEqual({ jobs: 1, pending: 0 });
  });
});
