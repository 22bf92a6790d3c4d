import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createDatabase, withDatabaseName } from '../src/db/database.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

describe('createDatabase', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase('database');
  });
  afterAll(() => t?.drop());

  it('returns timestamptz as Date and int8 as string', async () => {
    const handle = createDatabase(t.connectionString);
    try {
      const { rows } = await sql<{ ts: unknown; big: unknown; n: unknown }>`
        SELECT '2026-01-02T03:04:05.678Z'::timestamptz AS ts, 9007199254740993::int8 AS big, 7::int4 AS n`.execute(handle.db);
      expect(rows[0]?.ts).toBeInstanceOf(Date);
      expect((rows[0]?.ts as Date).toISOString()).toBe('2026-01-02T03:04:05.678Z');
      expect(rows[0]?.big).toBe('9007199254740993');
      expect(rows[0]?.n).toBe(7);
    } finally {
      await handle.close();
    }
  });

  it('survives the server killing an idle connection and reconnects', async () => {
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    const handle = createDatabase(t.connectionString, { logger, max: 1, applicationName: 'flowdesk-victim' });
    try {
      await sql`SELECT 1`.execute(handle.db); // leaves one idle client in the pool
      const killer = createDatabase(t.connectionString);
      await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'flowdesk-victim'`.execute(killer.db);
      await killer.close();
      // Without the pool's error listener this 'error' would be an uncaught exception.
      await expect.poll(() => warnings.length, { timeout: 5000 }).toBeGreaterThan(0);
      expect(warnings[0]).toMatch(/idle database connection lost/);
      const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(handle.db);
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await handle.close();
    }
  });

  it('close() can be called twice', async () => {
    const handle = createDatabase(t.connectionString);
    await handle.close();
    await expect(handle.close()).resolves.toBeUndefined();
  });

  it('withDatabaseName swaps only the database', () => {
    expect(withDatabaseName('postgres://u:p%40ss@h:5433/a?sslmode=require', 'b')).toBe('postgres://u:p%40ss@h:5433/b?sslmode=require');
  });
});
