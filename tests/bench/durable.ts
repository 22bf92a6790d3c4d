// Durable transitions per second: producers submit task forms to runs of a two-task loop; each event
// is one full runtime transaction (per-run compare-and-set, engine step, history row, snapshot, task rows
// and, in the first case, an SLA escalation timer: a run_timers row written in the same statement, and the
// previous task's pending timer deleted). No workers run: we measure the write path the API takes.
// Two cases:
// - ping-pong.json: each transition also schedules an escalation timer (run_timers; the timer pump would hand
//   it to pg-boss a minute before it is due, but it is cancelled by the next transition long before);
// - ping-pong-inline.json: the same loop without escalations, every effect is inline (no pg-boss job).
//
// openDurable() sets everything up once (migrations, pg-boss, Runtime, the workflows, 16 runs per producer
// for every case and producer count, one untimed warm-up round) and then measures as many short timed
// windows as asked, so the paired benchmark (paired.ts) can interleave them with pgbench windows.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { createBoss, createDatabase, migrateToLatest, Runtime } from '@flowdesk/server';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface DurableCase {
  /** Shown in the table. */
  label: string;
  file: string;
}

export const DURABLE_CASES: DurableCase[] = [
  { label: 'with an escalation timer each', file: 'ping-pong.json' },
  { label: 'inline effects only, no job', file: 'ping-pong-inline.json' },
];

export interface DurableResult {
  label: string;
  producers: number;
  transitions: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

type BenchRun = { id: string; node: 'ping' | 'pong' };

export interface DurableSession {
  /** One timed window of `seconds` for a case with `producers` concurrent producers (set up by openDurable). */
  measure(benchCase: DurableCase, producers: number, seconds: number): Promise<DurableResult>;
  close(): Promise<void>;
}

export async function openDurable(connectionString: string, producerCounts: number[], cases = DURABLE_CASES): Promise<DurableSession> {
  const logger = pino({ level: 'warn' });
  const maxProducers = Math.max(...producerCounts);
  const database = createDatabase(connectionString, { max: maxProducers + 2 });
  const boss = await (async () => {
    try {
      await migrateToLatest(database.db, logger);
      return await createBoss(connectionString, logger);
    } catch (error) {
      await database.close();
      throw error;
    }
  })();
  const runtime = new Runtime({ db: database.db, pool: database.pool, boss, logger });
  const close = async () => {
    await boss.stop({ graceful: false }).catch(() => {});
    await database.close();
  };
  // Each (case, producers) gets its own runs, and each producer owns its runs, so producers never contend
  // for the same run.
  const owned = new Map<string, BenchRun[][]>();
  const keyOf = (benchCase: DurableCase, producers: number) => `${benchCase.file}/${producers}`;
  try {
    for (const benchCase of cases) {
      const definition = JSON.parse(readFileSync(path.join(here, benchCase.file), 'utf8'));
      const workflow = await database.db.insertInto('workflows').values({ key: definition.key, name: definition.name, draft: JSON.stringify(definition) }).returning('id').executeTakeFirstOrThrow();
      const version = await database.db.insertInto('workflow_versions').values({ workflow_id: workflow.id, version: 1, definition: JSON.stringify(definition) }).returning('id').executeTakeFirstOrThrow();
      for (const producers of producerCounts) {
        const runsPerProducer = 16;
        const sets: BenchRun[][] = [];
        for (let p = 0; p < producers; p++) {
          const runs: BenchRun[] = [];
          for (let r = 0; r < runsPerProducer; r++) {
            const { run } = await runtime.startRun({ workflowVersionId: version.id, ticket: { subject: `bench ${p}/${r}` } });
            runs.push({ id: run.id, node: run.state as 'ping' | 'pong' });
          }
          sets.push(runs);
        }
        // Warm-up: compile caches, prepared plans, pool connections.
        await Promise.all(sets.map((runs) => submitRound(runtime, runs)));
        owned.set(keyOf(benchCase, producers), sets);
      }
    }
  } catch (error) {
    await close();
    throw error;
  }

  async function measure(benchCase: DurableCase, producers: number, seconds: number): Promise<DurableResult> {
    const sets = owned.get(keyOf(benchCase, producers));
    if (!sets) throw new Error(`durable case ${benchCase.label} with ${producers} producer(s) was not set up`);
    const latencies: number[] = [];
    const deadline = Date.now() + seconds * 1000;
    const started = process.hrtime.bigint();
    let transitions = 0;
    await Promise.all(
      sets.map(async (runs) => {
        let i = 0;
        while (Date.now() < deadline) {
          const run = runs[i++ % runs.length]!;
          const t0 = process.hrtime.bigint();
          const result = await runtime.sendEvent(run.id, { type: 'task.submit', nodeId: run.node, action: 'next' });
          if (!result.applied) throw new Error(`bench event not applied: ${result.reason}`);
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          run.node = run.node === 'ping' ? 'pong' : 'ping';
          transitions++;
        }
      }),
    );
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    latencies.sort((a, b) => a - b);
    return {
      label: benchCase.label,
      producers,
      transitions,
      seconds: elapsed,
      perSecond: transitions / elapsed,
      p50Ms: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
      p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    };
  }

  return { measure, close };
}

/** One window per case and producer count, in that order (the old round-based benchmark). */
export async function benchDurable(connectionString: string, producerCounts: number[], seconds: number, cases = DURABLE_CASES): Promise<DurableResult[]> {
  const session = await openDurable(connectionString, producerCounts, cases);
  try {
    const results: DurableResult[] = [];
    for (const benchCase of cases) for (const producers of producerCounts) results.push(await session.measure(benchCase, producers, seconds));
    return results;
  } finally {
    await session.close();
  }
}

async function submitRound(runtime: Runtime, runs: BenchRun[]) {
  for (const run of runs) {
    await runtime.sendEvent(run.id, { type: 'task.submit', nodeId: run.node, action: 'next' });
    run.node = run.node === 'ping' ? 'pong' : 'ping';
  }
}
