// The timer pump: hands workflow timers that are nearly due from run_timers to pg-boss.
//
// A transition writes the timers it schedules into run_timers, in the statement that moves the run
// (sql.ts WRITE_STEPS), and deletes the pending timers of the nodes it leaves. Most timers are escalations
// that are cancelled that way long before they are due, so they never cost pg-boss anything. Every worker
// process runs a pump: each tick it takes the rows due within LOOKAHEAD (FOR UPDATE SKIP LOCKED, so pumps
// of several processes never take the same row), inserts one pg-boss job per row with startAfter = the
// fire time and deletes the rows — in ONE transaction, so a timer is always in exactly one place (a crash
// before the commit leaves the rows for the next tick, after it the jobs exist). pg-boss then delivers each
// job at its fire time, exactly as when the transition inserted the job itself; the lookahead only decides
// how early the job exists. A row whose fire time has passed (workers were down) becomes a job that is due
// at once. The timer worker (workers.ts) sends timer.fired with the row's key as idempotency key, so a
// job delivered twice is harmless, and a timer of a node the run has left is ignored as stale.
import { sql, type Kysely } from 'kysely';
import { fromKysely, type JobInsert, type PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../db/types.ts';
import type { TimerJobData } from './persist.ts';
import { TIMER_QUEUE } from './queues.ts';

export interface TimerPumpOptions {
  /** How often to look for due rows, ms (default 500; the workers' polling interval). */
  intervalMs?: number;
  /** Rows due within this many ms become jobs (default 60 s). */
  lookaheadMs?: number;
  /** Rows per transaction (default 500); a full batch is followed by another one at once. */
  batchSize?: number;
}

export interface TimerPump {
  /** Moves the rows that are due within the lookahead now; resolves with how many (tests, CLI). */
  tick(): Promise<number>;
  stop(): Promise<void>;
}

/** One transaction: up to `limit` rows due before now + lookahead become pg-boss timer jobs. */
export async function pumpDueTimers(db: Kysely<Database>, boss: PgBoss, lookaheadMs: number, limit: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ run_id: string; key: string; node_id: string; visit: number; timer_id: string; fire_at: Date }>`
      DELETE FROM run_timers t
      USING (
        SELECT run_id, key FROM run_timers
        WHERE fire_at <= now() + make_interval(secs => ${lookaheadMs / 1000})
        ORDER BY fire_at
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      ) due
      WHERE t.run_id = due.run_id AND t.key = due.key
      RETURNING t.run_id, t.key, t.node_id, t.visit, t.timer_id, t.fire_at`.execute(trx);
    if (rows.length === 0) return 0;
    const jobs: JobInsert<TimerJobData>[] = rows.map((row) => {
      const fireAt = new Date(row.fire_at).toISOString();
      return { data: { runId: row.run_id, key: row.key, nodeId: row.node_id, visit: row.visit, timerId: row.timer_id, fireAt }, startAfter: fireAt };
    });
    await boss.insert(TIMER_QUEUE, jobs, { db: fromKysely(trx) });
    return rows.length;
  });
}

export function startTimerPump(db: Kysely<Database>, boss: PgBoss, logger: Logger, options: TimerPumpOptions = {}): TimerPump {
  const intervalMs = options.intervalMs ?? 500;
  const lookaheadMs = options.lookaheadMs ?? 60_000;
  const batchSize = options.batchSize ?? 500;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  const tick = async (): Promise<number> => {
    // One tick at a time per process; a caller arriving meanwhile waits for it and then runs its own.
    while (running) await running.catch(() => 0);
    running = (async () => {
      let moved = 0;
      for (;;) {
        const n = await pumpDueTimers(db, boss, lookaheadMs, batchSize);
        moved += n;
        if (n < batchSize || stopped) return moved;
      }
    })();
    try {
      return await running;
    } finally {
      running = undefined;
    }
  };

  const loop = async () => {
    if (stopped) return;
    try {
      const moved = await tick();
      if (moved > 0) logger.debug({ moved }, 'timers handed to pg-boss');
    } catch (error) {
      // Postgres restarting, a lost connection: the rows stay put and the next tick tries again.
      logger.warn({ err: error }, 'timer pump tick failed; retrying');
    }
    if (!stopped) timer = setTimeout(loop, intervalMs);
  };
  timer = setTimeout(loop, 0);

  return {
    tick,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => 0);
    },
  };
}
