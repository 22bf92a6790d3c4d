// `pnpm bench`: engine step latency, durable transitions/s with 1 and 4 producers, and pgbench single-row
// INSERT TPS on the same database in the same run, printed as a table with ratios.
// Database: DATABASE_URL if set, else a local Postgres on 127.0.0.1:5432 if one answers, else an embedded one.
import pg from 'pg';
import { startStandalonePostgres } from '@flowdesk/server/testing';
import { benchEngineStep } from '../../packages/engine/bench/step-bench.ts';
import { benchDurable, DURABLE_CASES } from './durable.ts';
import { pgbenchInsertTps } from './pgbench.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
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

async function main() {
  console.log('engine step() ...');
  const engine = await benchEngineStep();

  const server = await chooseServer();
  const dbName = `flowdesk_bench_${Date.now()}`;
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = withDatabase(server.adminUrl, dbName);
  const version = (await admin.query('SHOW server_version')).rows[0].server_version;
  try {
    const pgbench: Record<number, number | null> = {};
    for (const clients of PRODUCERS) {
      console.log(`pgbench single-row INSERT, ${clients} client(s), ${SECONDS} s ...`);
      pgbench[clients] = await pgbenchInsertTps(url, clients, SECONDS);
    }
    console.log(`durable transitions (${DURABLE_CASES.map((c) => c.label).join(' / ')}), producers ${PRODUCERS.join(' and ')}, ${SECONDS} s each ...`);
    const durable = await benchDurable(url, PRODUCERS, SECONDS);

    const rows = [['benchmark', 'result', 'baseline (same run)', 'ratio', 'target']];
    for (const e of engine) {
      rows.push([`engine ${e.name}`, `median ${e.medianMicros.toFixed(1)} µs, p99 ${e.p99Micros.toFixed(1)} µs`, '-', '-', e.name.startsWith('step') ? '< 50 µs median' : '-']);
    }
    for (const d of durable) {
      const base = pgbench[d.producers];
      rows.push([
        `durable transitions, ${d.label}, ${d.producers} producer(s)`,
        `${Math.round(d.perSecond)}/s (p50 ${d.p50Ms.toFixed(2)} ms, p99 ${d.p99Ms.toFixed(2)} ms)`,
        base ? `pgbench INSERT ${Math.round(base)} TPS, ${d.producers} client(s)` : 'pgbench not found',
        base ? `${(d.perSecond / base).toFixed(2)}x` : '-',
        '>= 0.5x',
      ]);
    }
    console.log(`\nFlowdesk benchmarks on ${server.label} (PostgreSQL ${version}), ${new Date().toISOString()}\n`);
    console.log(table(rows));
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin.end();
    await server.stop?.();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
