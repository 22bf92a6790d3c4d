// `pnpm bench`: engine step latency, durable transitions/s with 1 and 4 producers, and pgbench single-row
// INSERT TPS on the same database in the same run, printed as a table with ratios.
// Database: DATABASE_URL if set, else a local Postgres on 127.0.0.1:5432 if one answers, else an embedded one.
import pg from 'pg';
import { startStandalonePostgres } from '@flowdesk/server/testing';
import { benchEngineStep } from '../../packages/engine/bench/step-bench.ts';
import { benchDurable, DURABLE_CASES, type DurableResult } from './durable.ts';
import { pgbenchInsertTps } from './pgbench.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PRODUCERS = [1, 4];

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

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

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
  console.log('engine step() ...');
  const engine = await benchEngineStep();

  const server = await chooseServer();
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  const version = (await admin.query('SHOW server_version')).rows[0].server_version;
  try {
    // The disk's flush latency drifts from minute to minute; rounds that measure the baseline right next to
    // our numbers, and the median of the per-round ratios, keep the comparison honest.
    console.log(`${ROUNDS} rounds, each on a fresh database ...`);
    const rounds: Round[] = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await round(admin, server.adminUrl, i));

    const rows = [['benchmark', 'result (median of rounds)', 'baseline: pgbench INSERT, same round', 'ratio (median, min-max)', 'target']];
    for (const e of engine) {
      rows.push([`engine ${e.name}`, `median ${e.medianMicros.toFixed(1)} µs, p99 ${e.p99Micros.toFixed(1)} µs`, '-', '-', e.name.startsWith('step') ? '< 50 µs median' : '-']);
    }
    for (const [i, first] of rounds[0]!.durable.entries()) {
      const results = rounds.map((r) => r.durable[i]!);
      const baselines = rounds.map((r) => r.pgbench[first.producers]);
      const ratios = results.flatMap((d, k) => (baselines[k] ? [d.perSecond / baselines[k]!] : []));
      const known = baselines.filter((b): b is number => b !== null);
      rows.push([
        `durable transitions, ${first.label}, ${first.producers} producer(s)`,
        `${Math.round(median(results.map((d) => d.perSecond)))}/s (p50 ${median(results.map((d) => d.p50Ms)).toFixed(2)} ms, p99 ${median(results.map((d) => d.p99Ms)).toFixed(2)} ms)`,
        known.length ? `${Math.round(median(known))} TPS, ${first.producers} client(s) (${known.map(Math.round).join(' / ')})` : 'pgbench not found',
        ratios.length ? `${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})` : '-',
        '>= 0.5x',
      ]);
    }
    console.log(`\nFlowdesk benchmarks on ${server.label} (PostgreSQL ${version}), ${new Date().toISOString()}, ${ROUNDS} rounds of ${SECONDS} s\n`);
    console.log(table(rows));
  } finally {
    await admin.end();
    await server.stop?.();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
