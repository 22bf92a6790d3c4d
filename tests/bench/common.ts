// Helpers shared by the benchmarks: statistics, a seeded PRNG, fresh databases, env settings.
import pg from 'pg';

export const median = (values: number[]): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** mulberry32: a small, fast, seeded PRNG, so generated data and queries are the same in every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates a fresh database named after `label`, hands its URL to `work`, drops it afterwards. */
export async function withFreshDatabase<T>(adminUrl: string, label: string, work: (url: string) => Promise<T>): Promise<T> {
  const name = `flowdesk_bench_${label}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    try {
      return await work(withDatabase(adminUrl, name));
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    }
  } finally {
    await admin.end();
  }
}

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number (got ${JSON.stringify(raw)})`);
  return value;
}

export function envList(name: string, fallback: number[]): number[] {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const values = raw.split(',').map((s) => Number(s.trim()));
  if (values.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`${name} must be a comma-separated list of positive integers (got ${JSON.stringify(raw)})`);
  return values;
}

export const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));

/** A benchmark's row in the table: its result, and the baselines measured in the same run. */
export interface BenchRow {
  name: string;
  result: string;
  /** pgbench single-row INSERT TPS and our ratio to it, when that comparison makes sense. */
  pgbench?: { label: string; ratio: number | null };
  /** The same protocol without Flowdesk (a trivial Fastify route, a bare smtp-server, the raw SQL). */
  raw?: { label: string; ratio: number | null };
  target?: string;
}

export const fmtRatio = (ratio: number | null | undefined) => (ratio === null || ratio === undefined ? '-' : `${ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}x`);
