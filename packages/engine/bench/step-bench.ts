// Micro-benchmark of the engine's hot path on the demo workflow. The root bench runner imports
// benchEngineStep(); `node --import tsx packages/engine/bench/step-bench.ts` prints a table.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { start, step, type RunEvent, type RunSnapshot } from '../src/index.ts';

export interface BenchCase {
  name: string;
  medianMicros: number;
  p99Micros: number;
  opsPerSec: number;
}

const ITERATIONS = 20_000;
const WARMUP = 5_000;
const AT = '2026-03-01T09:00:00.000Z';

function measure(name: string, prepare: (i: number) => () => unknown): BenchCase {
  for (let i = 0; i < WARMUP; i++) prepare(i)();
  const runs = Array.from({ length: ITERATIONS }, (_, i) => prepare(i));
  const samples = new Float64Array(ITERATIONS);
  const begin = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) {
    const t = process.hrtime.bigint();
    runs[i]!();
    samples[i] = Number(process.hrtime.bigint() - t) / 1000;
  }
  const totalMicros = Number(process.hrtime.bigint() - begin) / 1000;
  samples.sort();
  const round = (n: number): number => Math.round(n * 100) / 100;
  return {
    name,
    medianMicros: round(samples[Math.floor(ITERATIONS / 2)]!),
    p99Micros: round(samples[Math.floor(ITERATIONS * 0.99)]!),
    opsPerSec: Math.round((ITERATIONS / totalMicros) * 1e6),
  };
}

export async function benchEngineStep(): Promise<BenchCase[]> {
  const url = new URL('../../schema/examples/escalating-approval.json', import.meta.url);
  const def = JSON.parse(readFileSync(url, 'utf8')) as WorkflowDefinition;
  const started = start(def, { priority: 'urgent' }, AT).snapshot;
  const atApproval = step(def, started, { type: 'effect.result', nodeId: 'triage', visit: 1, outcome: 'urgent', at: AT }).snapshot;
  const json = JSON.stringify(atApproval);
  const vote: RunEvent = { type: 'approval.vote', nodeId: 'manager_approval', approver: 'mia', decision: 'approve', at: AT };
  const staleTimer: RunEvent = { type: 'timer.fired', nodeId: 'cooling_off', visit: 1, timerId: 'cooling_off:elapsed', at: AT };
  // Each iteration gets its own snapshot parsed from JSON, as a server reading the run row would.
  const fromJson = (): RunSnapshot => JSON.parse(json) as RunSnapshot;

  return [
    measure('start() demo workflow', () => () => start(def, { priority: 'urgent' }, AT)),
    measure('step() approval vote that completes (snapshot from JSON)', () => {
      const snapshot = fromJson();
      return () => step(def, snapshot, vote);
    }),
    measure('step() approval vote that completes (snapshot returned by engine)', () => () => step(def, atApproval, vote)),
    measure('step() stale timer (ignored)', () => {
      const snapshot = fromJson();
      return () => step(def, snapshot, staleTimer);
    }),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const results = await benchEngineStep();
  console.log(`engine step benchmark, ${ITERATIONS} iterations after ${WARMUP} warm-up, node ${process.version}`);
  console.table(results);
}
