import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../src/db/database.ts';
import { createTestDatabase, testServerAdminUrl } from '../src/testing/index.ts';

describe('createTestDatabase', () => {
  it('gives each caller its own migrated database', async () => {
    const [a, b] = await Promise.all([createTestDatabase('iso a'), createTestDatabase('iso-b')]);
    try {
      expect(a.connectionString).not.toBe(b.connectionString);
      expect(new URL(a.connectionString).pathname).toMatch(/^\/flowdesk_t_iso_a_[0-9a-f]{8}$/);
      await a.db.insertInto('tickets').values({ subject: 'only in a', body: '' }).execute();
      expect(await a.db.selectFrom('tickets').select('subject').execute()).toEqual([{ subject: 'only in a' }]);
      expect(await b.db.selectFrom('tickets').select('subject').execute()).toEqual([]);
      const migrated = await b.db.selectFrom('kysely_migration' as never).select(sql<string>`name`.as('name')).execute();
      expect(migrated.map((m) => (m as { name: string }).name)).toContain('0001_foundation');
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });

  it('drop() removes the database even with connections open', async () => {
    const t = await createTestDatabase('drop');
    const name = new URL(t.connectionString).pathname.slice(1);
    const extra = createDatabase(t.connectionString);
    await sql`SELECT 1`.execute(extra.db);
    await t.drop();
    await t.drop(); // idempotent
    await extra.close();
    const admin = createDatabase(testServerAdminUrl());
    try {
      const { rows } = await sql`SELECT 1 FROM pg_database WHERE datname = ${name}`.execute(admin.db);
      expect(rows).toEqual([]);
    } finally {
      await admin.close();
    }
  });

  it('names the fix when there is no test server', () => {
    expect(() => testServerAdminUrl({})).toThrow(/set DATABASE_URL, or run the tests through vitest with globalSetup/);
    expect(testServerAdminUrl({ DATABASE_URL: 'postgres://h/db' })).toBe('postgres://h/postgres');
  });
});
