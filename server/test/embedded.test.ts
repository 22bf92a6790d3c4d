import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/db/database.ts';
import { findRunningEmbeddedPostgres, startEmbeddedPostgres } from '../src/db/embedded.ts';
import { makeReachableTempDir, startStandalonePostgres } from '../src/testing/index.ts';

function capturingLogger(): { logger: Logger; lines: () => string[] } {
  const out: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void out.push(JSON.parse(line).msg as string) });
  return { logger, lines: () => out };
}

async function query<T>(connectionString: string, text: string): Promise<T[]> {
  const handle = createDatabase(connectionString, { max: 1 });
  try {
    return (await sql.raw<T>(text).execute(handle.db)).rows;
  } finally {
    await handle.close();
  }
}

describe('startEmbeddedPostgres', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await makeReachableTempDir('flowdesk-embedded-test-');
  });
  afterAll(() => fs.rm(dataDir, { recursive: true, force: true }));

  it('initialises once, and keeps data across stop and start', async () => {
    const first = capturingLogger();
    const pg = await startEmbeddedPostgres({ dataDir, logger: first.logger });
    expect(first.lines()).toContain(`initialising embedded PostgreSQL in ${dataDir}/pg`);
    expect(first.lines()).toContain(`embedded PostgreSQL started on port ${pg.port}`);
    expect(pg.connectionString).toMatch(new RegExp(`^postgres://postgres:[0-9a-f]+@127\\.0\\.0\\.1:${pg.port}/flowdesk$`));
    await query(pg.connectionString, `CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives')`);
    expect(await findRunningEmbeddedPostgres(dataDir)).toBe(pg.connectionString);
    await pg.stop();
    expect(await findRunningEmbeddedPostgres(dataDir)).toBeUndefined();
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);

    const second = capturingLogger();
    const again = await startEmbeddedPostgres({ dataDir, logger: second.logger });
    try {
      expect(second.lines().some((l) => l.startsWith('initialising'))).toBe(false);
      expect(await query(again.connectionString, 'SELECT v FROM kept')).toEqual([{ v: 'survives' }]);
      const [enc] = await query<{ e: string }>(again.connectionString, `SELECT pg_encoding_to_char(encoding) AS e FROM pg_database WHERE datname = 'flowdesk'`);
      expect(enc?.e).toBe('UTF8');
    } finally {
      await again.stop();
    }
  });

  it('refuses to start a second server on a cluster a live process is running', async () => {
    const pg = await startEmbeddedPostgres({ dataDir, logger: pino({ level: 'silent' }) });
    try {
      await expect(startEmbeddedPostgres({ dataDir, logger: pino({ level: 'silent' }) }))
        .rejects.toThrow(/is already running \(pid \d+\) for process \d+/);
      expect(await query(pg.connectionString, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 1 }]);
    } finally {
      await pg.stop();
    }
  });

  it('ignores a stale postmaster.pid whose process is gone', async () => {
    const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
    await fs.writeFile(pidFile, `999999\n${dataDir}/pg\n0\n54329\n\n127.0.0.1\n0 0\nready\n`);
    const { logger, lines } = capturingLogger();
    const pg = await startEmbeddedPostgres({ dataDir, logger });
    try {
      expect(lines()).toContain('removing stale postmaster.pid left by a previous run');
      expect(await query(pg.connectionString, 'SELECT v FROM kept')).toEqual([{ v: 'survives' }]);
    } finally {
      await pg.stop();
    }
  });

  it('recovers the cluster after the owning process was killed with SIGKILL', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/hold-embedded.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('READY')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`fixture exited early (${code})`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // The postmaster outlives its parent: that is the situation to recover from.
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(true);

    const { logger, lines } = capturingLogger();
    const pg = await startEmbeddedPostgres({ dataDir, logger });
    try {
      expect(lines()).toContain('stopping an orphaned PostgreSQL left running by a killed Flowdesk process');
      expect(await query(pg.connectionString, 'SELECT v FROM kept')).toEqual([{ v: 'survives' }]);
    } finally {
      await pg.stop();
    }
  });

  it.runIf(process.getuid?.() === 0)('as root, explains how to fix a data dir user postgres cannot reach', async () => {
    const locked = await makeReachableTempDir('flowdesk-locked-');
    await fs.chmod(locked, 0o700);
    try {
      const error = await startEmbeddedPostgres({ dataDir: path.join(locked, 'data'), logger: pino({ level: 'silent' }) })
        .catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain(`${locked} is not searchable by it (every parent directory needs o+x)`);
      expect((error as Error).message).toContain('set FLOWDESK_DATA_DIR to a directory user postgres can reach');
      expect((error as Error).message).toContain('or set DATABASE_URL');
      expect((error as Error).message).toContain(`chmod o+x ${locked}`);
    } finally {
      await fs.rm(locked, { recursive: true, force: true });
    }
  });
});

describe('startStandalonePostgres', () => {
  it('restarts under a live pool, after a fast or a crash-like stop, keeping committed data', async () => {
    const pg = await startStandalonePostgres();
    const warnings: string[] = [];
    const handle = createDatabase(pg.connectionString, {
      max: 2,
      logger: pino({ level: 'warn' }, { write: (l: string) => void warnings.push(l) }),
    });
    try {
      await sql`CREATE TABLE t (v int)`.execute(handle.db);
      await sql`INSERT INTO t VALUES (1)`.execute(handle.db);
      await pg.stop();
      await expect(sql`SELECT 1`.execute(handle.db)).rejects.toThrow();
      await pg.start();
      await sql`INSERT INTO t VALUES (2)`.execute(handle.db);
      await pg.stop({ immediate: true });
      await pg.start();
      const { rows } = await sql<{ v: number }>`SELECT v FROM t ORDER BY v`.execute(handle.db);
      expect(rows).toEqual([{ v: 1 }, { v: 2 }]);
      expect(new URL(pg.connectionString).port).toBe(String(pg.port));
    } finally {
      await handle.close();
      await pg.destroy();
    }
  });
});
