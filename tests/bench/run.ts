// `pnpm bench`: engine step latency, durable transitions/s with 1 and 4 producers, and pgbench single-row
// INSERT TPS on the same database in the same run, measured as interleaved pairs of short windows
// (paired.ts) and printed as a table with the median of the paired ratios; then the channel
// benchmarks of issue 4 (tickets/s via REST with their workflow run, email intake mails/s, search over
// 100k tickets), each next to baselines measured in the same run.
// Database: DATABASE_URL if set, else a local Postgres on 127.0.0.1:5432 if one answers, else an embedded one.
// BENCH_ONLY=engine,durable,rest,email,search runs a subset.
import pg from 'pg';
import { startStandalonePostgres } from '@flowdesk/server/testing';
import { benchEngineStep } from '../../packages/engine/bench/step-bench.ts';
import { DURABLE_CASES } from './durable.ts';
import { benchDurablePaired, pairedCells, type PairedRow } from './paired.ts';
import { envNumber, fmtRatio, withFreshDatabase, type BenchRow } from './common.ts';
import { loadCorpus } from './corpus.ts';
import { benchRest } from './rest.ts';
import { benchEmail } from './email.ts';
import { benchSearch } from './search.ts';

/** Pairs of (pgbench, durable) windows per row, and the length of each window in whole seconds. */
const PAIRS = Math.max(1, Math.round(envNumber('BENCH_PAIRS', 10)));
const PAIR_SECONDS = Math.max(1, Math.round(envNumber('BENCH_PAIR_SECONDS', 2)));
const PRODUCERS = [1, 4];
const PARTS = ['engine', 'durable', 'rest', 'email', 'search'] as const;
const ONLY = new Set((process.env.BENCH_ONLY ?? PARTS.join(',')).split(',').map((s) => s.trim()).filter(Boolean));
for (const part of ONLY) if (!(PARTS as readonly string[]).includes(part)) throw new Error(`BENCH_ONLY: unknown part ${JSON.stringify(part)} (known: ${PARTS.join(', ')})`);

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

async function chooseServer(): Promise<{ adminUrl: string; label: string; stop?: () => Promise<void> }> {
  if (process.env.DATABASE_URL) return { adminUrl: process.env.DATABASE_URL, label: 'DATABASE_URL' };
  const local = 'postgres://postgres@127.0.0.1:5432/postgres';
  if (await reachable(local)) return { adminUrl: local, label: 'local PostgreSQL 127.0.0.1:5432' };
  const embedded = await startStandalonePostgres({});
  return { adminUrl: embedded.connectionString, label: 'embedded PostgreSQL', stop: () => embedded.stop() };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function main() {
  const engine = ONLY.has('engine') ? (console.log('engine step() ...'), await benchEngineStep()) : [];

  const server = await chooseServer();
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  const version = (await admin.query('SHOW server_version')).rows[0].server_version;
  try {
    // The machine's speed drifts from minute to minute (shared cores, disk flush latency): short pgbench and
    // durable windows side by side, in alternating order, and the median of the per-pair ratios keep the
    // comparison honest (paired.ts).
    let paired: PairedRow[] | null = [];
    let durableSeconds = 0;
    if (ONLY.has('durable')) {
      const rowsCount = DURABLE_CASES.length * PRODUCERS.length;
      console.log(
        `durable transitions vs pgbench INSERT: ${PAIRS} pairs × ${rowsCount} rows (${DURABLE_CASES.map((c) => c.label).join(' / ')}; producers ${PRODUCERS.join(' and ')}), ${PAIR_SECONDS} s windows, on a fresh database ...`,
      );
      const t0 = Date.now();
      paired = await withFreshDatabase(server.adminUrl, 'durable', (url) =>
        benchDurablePaired(url, { pairs: PAIRS, seconds: PAIR_SECONDS, producers: PRODUCERS, log: (line) => console.log(line) }),
      );
      durableSeconds = (Date.now() - t0) / 1000;
    }

    // Issue 4: the channels. Each on its own fresh database, once, with its baselines measured right next to it.
    const channelRows: BenchRow[] = [];
    const notes: string[] = [];
    if (ONLY.has('rest') || ONLY.has('email') || ONLY.has('search')) {
      const corpus = loadCorpus();
      console.log(`channel benchmarks (text: ${corpus.sentences.length} sentences from ${corpus.source}) ...`);
      const log = (line: string) => console.log(line);
      if (ONLY.has('rest')) {
        const rest = await benchRest(server.adminUrl, corpus, log);
        channelRows.push(...rest.rows);
        notes.push(...rest.notes);
      }
      if (ONLY.has('email')) {
        const email = await benchEmail(server.adminUrl, corpus, log);
        channelRows.push(...email.rows);
        notes.push(...email.notes);
      }
      if (ONLY.has('search')) {
        const search = await benchSearch(server.adminUrl, corpus, log);
        channelRows.push(...search.rows);
        notes.push(...search.notes);
      }
    }

    const rows = [['benchmark', 'result', 'baseline: pgbench INSERT, same round/run', 'ratio to pgbench', 'baseline: same protocol without Flowdesk, same run', 'ratio to it', 'target']];
    for (const e of engine) {
      rows.push([`engine ${e.name}`, `median ${e.medianMicros.toFixed(1)} µs, p99 ${e.p99Micros.toFixed(1)} µs`, '-', '-', '-', '-', e.name.startsWith('step') ? '< 50 µs median' : '-']);
    }
    if (paired === null) {
      rows.push(['durable transitions', 'not measured: pgbench not found (set PGBENCH)', '-', '-', '-', '-', '>= 0.5x']);
    }
    for (const row of paired ?? []) {
      const cells = pairedCells(row, PAIR_SECONDS);
      rows.push([`durable transitions, ${row.label}, ${row.producers} producer(s)`, cells.result, cells.baseline, cells.ratio, '-', '-', '>= 0.5x']);
    }
    for (const row of channelRows) {
      rows.push([row.name, row.result, row.pgbench?.label ?? '-', fmtRatio(row.pgbench?.ratio), row.raw?.label ?? '-', fmtRatio(row.raw?.ratio), row.target ?? '-']);
    }
    console.log(`\nFlowdesk benchmarks on ${server.label} (PostgreSQL ${version}), ${new Date().toISOString()}, ${ONLY.has('durable') ? `durable: ${PAIRS} ABBA pairs of ${PAIR_SECONDS} s windows per row (ratio = median of per-pair ratios, IQR), ${Math.round(durableSeconds)} s` : ''}\n`);
    console.log(table(rows));
    for (const note of notes) console.log(`note: ${note}`);
    for (const row of paired ?? []) {
      console.log(`pairs, ${row.label}, ${row.producers} producer(s) (order: pgbench TPS, durable/s = ratio): ${row.samples.map((p) => `${p.order} ${Math.round(p.pgbenchTps)}, ${Math.round(p.durable.perSecond)} = ${p.ratio.toFixed(2)}`).join('; ')}`);
    }
  } finally {
    await admin.end();
    await server.stop?.();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
