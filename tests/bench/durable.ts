// Durable transitions per second: producers submit task forms to runs of a two-task loop; each event
// is one full runtime transaction (per-run compare-and-set, engine step, history row, snapshot, task rows
// and, in the first case, a pg-boss SLA timer job). No workers run: we measure the write path the API takes.
// Two cases:
// - ping-pong.json: each transition also enqueues an escalation timer through pg-boss (same transaction);
// - ping-pong-inline.json: the same loop without escalations, every effect is inline (no pg-boss job).
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
  { label: 'with a pg-boss timer job each', file: 'ping-pong.json' },
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

export async function benchDurable(connectionString: string, producerCounts: number[], seconds: number, cases = DURABLE_CASES): Promise<DurableResult[]> {
  const logger = pino({ level: 'warn' });
  const maxProducers = Math.max(...producerCounts);
  const database = createDatabase(connectionString, { max: maxProducers + 2 });
  await migrateToLatest(database.db, logger);
  const boss = await createBoss(connectionString, logger);
  const runtime = new Runtime({ db: database.db, pool: database.pool, boss, logger });
  try {
    const results: DurableResult[] = [];
    for (const benchCase of cases) {
      const definition = JSON.parse(readFileSync(path.join(here, benchCase.file), 'utf8'));
      const workflow = await database.db.insertInto('workflows').values({ key: definition.key, name: definition.name, draft: JSON.stringify(definition) }).returning('id').executeTakeFirstOrThrow();
      const version = await database.db.insertInto('workflow_versions').values({ workflow_id: workflow.id, version: 1, definition: JSON.stringify(definition) }).returning('id').executeTakeFirstOrThrow();
      for (const producers of producerCounts) {
        // Each producer owns its runs, so producers never contend for the same run.
        const runsPerProducer = 16;
        const owned: { id: string; node: 'ping' | 'pong' }[][] = [];
        for (let p = 0; p < producers; p++) {
          const runs = [];
          for (let r = 0; r < runsPerProducer; r++) {
            const { run } = await runtime.startRun({ workflowVersionId: version.id, ticket: { subject: `bench ${p}/${r}` } });
            runs.push({ id: run.id, node: run.state as 'ping' | 'pong' });
          }
          owned.push(runs);
        }
        // Warm-up: compile caches, prepared plans, pool connections.
        await Promise.all(owned.map((runs) => submitRound(runtime, runs)));
        const latencies: number[] = [];
        const deadline = Date.now() + seconds * 1000;
        const started = process.hrtime.bigint();
        let transitions = 0;
        await Promise.all(
          owned.map(async (runs) => {
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
        results.push({
          label: benchCase.label,
          producers,
          transitions,
          seconds: elapsed,
          perSecond: transitions / elapsed,
          p50Ms: latencies[Math.floor(latencies.length * 0.5)] ?? 0,
          p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
        });
      }
    }
    return results;
  } finally {
    await boss.stop({ graceful: false }).catch(() => {});
    await database.close();
  }
}

async function submitRound(runtime: Runtime, runs: { id: string; node: 'ping' | 'pong' }[]) {
  for (const run of runs) {
    await runtime.sendEvent(run.id, { type: 'task.submit', nodeId: run.node, action: 'next' });
    run.node = run.node === 'ping' ? 'pong' : 'ping';
  }
}
