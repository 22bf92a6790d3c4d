// Durable transitions vs pgbench single-row INSERT, as PAIRED short windows.
//
// On a shared 2-core machine pgbench alone swings by an order of magnitude from one minute to the next, so a
// ratio of two long measurements taken one after the other mostly measures that drift. Instead, for every
// row (case × producer count) we take `pairs` pairs of short windows, pgbench (A) and durable (B) with the
// same number of clients, right next to each other; the order alternates A B, B A, A B, … (so the sequence
// reads ABBAABBA…) and neither side is systematically first; the rows are interleaved pair by pair, so a
// slow minute hits every row alike. Each pair gives one ratio durable/pgbench; the row reports the median
// of those ratios with its interquartile range, next to the medians (and IQRs) of each side.
import { DURABLE_CASES, openDurable, type DurableCase, type DurableResult } from './durable.ts';
import { pgbenchInsertTps } from './pgbench.ts';

export interface PairSample {
  /** 'AB' = pgbench first, 'BA' = durable first. */
  order: 'AB' | 'BA';
  pgbenchTps: number;
  durable: DurableResult;
  ratio: number;
}

export interface PairedRow {
  label: string;
  producers: number;
  samples: PairSample[];
}

export interface PairedOptions {
  pairs: number;
  seconds: number;
  producers: number[];
  cases?: DurableCase[];
  log?: (line: string) => void;
}

/** Quantile with linear interpolation between order statistics (R type 7, numpy's default). */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export interface Spread {
  median: number;
  q1: number;
  q3: number;
}

export const spread = (values: readonly number[]): Spread => ({ median: quantile(values, 0.5), q1: quantile(values, 0.25), q3: quantile(values, 0.75) });

/** Returns null when pgbench is not installed (no baseline, no ratio). */
export async function benchDurablePaired(url: string, options: PairedOptions): Promise<PairedRow[] | null> {
  const cases = options.cases ?? DURABLE_CASES;
  const log = options.log ?? (() => {});
  // Probe pgbench once (and create its table) before spending the setup time.
  if ((await pgbenchInsertTps(url, 1, 1)) === null) return null;
  const session = await openDurable(url, options.producers, cases);
  try {
    const rows: PairedRow[] = [];
    for (const benchCase of cases) for (const producers of options.producers) rows.push({ label: benchCase.label, producers, samples: [] });
    const started = Date.now();
    for (let pair = 0; pair < options.pairs; pair++) {
      const order: PairSample['order'] = pair % 2 === 0 ? 'AB' : 'BA';
      for (const [r, row] of rows.entries()) {
        const benchCase = cases[Math.floor(r / options.producers.length)]!;
        const pgbenchSide = () => pgbenchInsertTps(url, row.producers, options.seconds);
        const durableSide = () => session.measure(benchCase, row.producers, options.seconds);
        let pgbenchTps: number | null;
        let durable: DurableResult;
        if (order === 'AB') {
          pgbenchTps = await pgbenchSide();
          durable = await durableSide();
        } else {
          durable = await durableSide();
          pgbenchTps = await pgbenchSide();
        }
        if (pgbenchTps === null || pgbenchTps <= 0) throw new Error(`pgbench gave no TPS (${row.producers} client(s))`);
        row.samples.push({ order, pgbenchTps, durable, ratio: durable.perSecond / pgbenchTps });
      }
      log(`  pair ${pair + 1}/${options.pairs} (${order === 'AB' ? 'pgbench first' : 'durable first'}, ${Math.round((Date.now() - started) / 1000)} s): ${rows.map((row) => row.samples.at(-1)!.ratio.toFixed(2)).join(' / ')}`);
    }
    return rows;
  } finally {
    await session.close();
  }
}

export const fmtSpread = (s: Spread, digits: number, unit = '') =>
  `${s.median.toFixed(digits)}${unit} (IQR ${s.q1.toFixed(digits)}-${s.q3.toFixed(digits)}${unit})`;

/** The row's table cells: result, baseline, ratio. */
export function pairedCells(row: PairedRow, seconds: number): { result: string; baseline: string; ratio: string } {
  const durable = spread(row.samples.map((s) => s.durable.perSecond));
  const pgbench = spread(row.samples.map((s) => s.pgbenchTps));
  const ratio = spread(row.samples.map((s) => s.ratio));
  const p50 = quantile(row.samples.map((s) => s.durable.p50Ms), 0.5);
  const p99 = quantile(row.samples.map((s) => s.durable.p99Ms), 0.5);
  return {
    result: `median of ${row.samples.length} × ${seconds} s: ${fmtSpread(durable, 0, '/s')}; p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`,
    baseline: `${fmtSpread(pgbench, 0, ' TPS')}, ${row.producers} client(s)`,
    ratio: `${ratio.median.toFixed(2)}x (IQR ${ratio.q1.toFixed(2)}-${ratio.q3.toFixed(2)})`,
  };
}
