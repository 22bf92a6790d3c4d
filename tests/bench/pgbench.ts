// The baseline: pgbench single-row INSERT transactions on the same database, in the same run, so our
// durable transition rate is reported as a ratio that survives a noisy or different machine.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export function findPgbench(): string | null {
  const candidates = [process.env.PGBENCH].filter(Boolean) as string[];
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    for (const version of readdirSync(debianRoot).sort().reverse()) candidates.push(path.join(debianRoot, version, 'bin/pgbench'));
  }
  candidates.push('/usr/bin/pgbench', '/usr/local/bin/pgbench');
  return candidates.find((c) => existsSync(c)) ?? null;
}

/** Table and script, prepared once per database (the paired benchmark calls pgbench many times). */
const prepared = new Map<string, Promise<string>>();

function prepare(connectionString: string): Promise<string> {
  let script = prepared.get(connectionString);
  if (!script) {
    script = (async () => {
      const client = new pg.Client({ connectionString });
      await client.connect();
      try {
        await client.query('CREATE TABLE IF NOT EXISTS bench_pgbench_insert (id bigserial PRIMARY KEY, payload text NOT NULL)');
      } finally {
        await client.end();
      }
      const dir = mkdtempSync(path.join(tmpdir(), 'flowdesk-pgbench-'));
      const file = path.join(dir, 'insert.sql');
      writeFileSync(file, "INSERT INTO bench_pgbench_insert (payload) VALUES ('flowdesk');\n");
      return file;
    })();
    script.catch(() => prepared.delete(connectionString));
    prepared.set(connectionString, script);
  }
  return script;
}

export async function pgbenchInsertTps(connectionString: string, clients: number, seconds: number): Promise<number | null> {
  const binary = findPgbench();
  if (!binary) return null;
  const script = await prepare(connectionString);
  const { stdout } = await run(binary, ['-n', '-f', script, '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(seconds), connectionString], {
    env: { ...process.env, PGCONNECT_TIMEOUT: '10' },
  });
  const match = /tps = ([\d.]+)/.exec(stdout);
  return match ? Number(match[1]) : null;
}
