// `pnpm bench`: engine step latency, durable transitions/s with 1 and 4 producers, and pgbench single-row
// INSERT TPS on the same database in the same run, printed as a table with ratios; then the channel
// benchmarks of issue 4 (tickets/s via REST with their workflow run, email intake mails/s, search over
// 100k tickets), each next to baselines measured in the same run.
// Database: DATABASE_URL if set, else a local Postgres on 127.0.0.1:5432 if one answers, else an embedded one.
// BENCH_ONLY=engine,durable,rest,email,search runs a subset.
import pg from 'pg';
import { startStandalonePostgres } from '@flowdesk/server/testing';
import { benchEngineStep } from '../../packages/engine/bench/step-bench.ts';
import { benchDurable, DURABLE_CASES, type DurableResult } from './durable.ts';
import { pgbenchInsertTps } from './pgbench.ts';
import { fmtRatio, median, withDatabase, type BenchRow } from './common.ts';
import { loadCorpus } from './corpus.ts';
import { benchRest } from './rest.ts';
import { benchEmail } from './email.ts';
import { benchSearch } from './search.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
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

interface Round {
  pgbench: Record<number, number | null>;
  durable: DurableResult[];
}

/** One round on a fresh database: pgbench for each client count, then every durable case. */
async function round(admin: pg.Client, adminUrl: string, index: number): Promise<Round> {
  const dbName = `flowdesk_bench_${Date.now()}_${index}`;
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = withDatabase(adminUrl, dbName);
  try {
    const pgbench: Record<number, number | null> = {};
    for (const clients of PRODUCERS) {
      console.log(`  round ${index + 1}: pgbench single-row INSERT, ${clients} client(s), ${SECONDS} s`);
      pgbench[clients] = await pgbenchInsertTps(url, clients, SECONDS);
    }
    console.log(`  round ${index + 1}: durable transitions (${DURABLE_CASES.map((c) => c.label).join(' / ')}), producers ${PRODUCERS.join(' and ')}, ${SECONDS} s each`);
    const durable = await benchDurable(url, PRODUCERS, SECONDS);
    return { pgbench, durable };
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
  }
}

async function main() {
  const engine = ONLY.has('engine') ? (console.log('engine step() ...'), await benchEngineStep()) : [];

  const server = await chooseServer();
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  const version = (await admin.query('SHOW server_version')).rows[0].server_version;
  try {
    // The disk's flush latency drifts from minute to minute; rounds that measure the baseline right next to
    // our numbers, and the median of the per-round ratios, keep the comparison honest.
    const rounds: Round[] = [];
    if (ONLY.has('durable')) {
      console.log(`${ROUNDS} rounds, each on a fresh database ...`);
      for (let i = 0; i < ROUNDS; i++) rounds.push(await round(admin, server.adminUrl, i));
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
    for (const [i, first] of (rounds[0]?.durable ?? []).entries()) {
      const results = rounds.map((r) => r.durable[i]!);
      const baselines = rounds.map((r) => r.pgbench[first.producers]);
      const ratios = results.flatMap((d, k) => (baselines[k] ? [d.perSecond / baselines[k]!] : []));
      const known = baselines.filter((b): b is number => b !== null);
      rows.push([
        `durable transitions, ${first.label}, ${first.producers} producer(s)`,
        `median of ${ROUNDS}: ${Math.round(median(results.map((d) => d.perSecond)))}/s (p50 ${median(results.map((d) => d.p50Ms)).toFixed(2)} ms, p99 ${median(results.map((d) => d.p99Ms)).toFixed(2)} ms)`,
        known.length ? `${Math.round(median(known))} TPS, ${first.producers} client(s) (${known.map(Math.round).join(' / ')})` : 'pgbench not found',
        ratios.length ? `${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})` : '-',
        '-',
        '-',
        '>= 0.5x',
      ]);
    }
    for (const row of channelRows) {
      rows.push([row.name, row.result, row.pgbench?.label ?? '-', fmtRatio(row.pgbench?.ratio), row.raw?.label ?? '-', fmtRatio(row.raw?.ratio), row.target ?? '-']);
    }
    console.log(`\nFlowdesk benchmarks on ${server.label} (PostgreSQL ${version}), ${new Date().toISOString()}, ${ONLY.has('durable') ? `durable: ${ROUNDS} rounds of ${SECONDS} s` : ''}\n`);
    console.log(table(rows));
    for (const note of notes) console.log(`note: ${note}`);
  } finally {
    await admin.end();
    await server.stop?.();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
