import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/db/database.ts';
import { migrateToLatest, migrations, MigrationError } from '../src/db/migrate.ts';
import type { Database } from '../src/db/types.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

describe('migrations', () => {
  let t: TestDatabase;
  let db: Kysely<Database>;
  let versionId: string;
  let runId: string;

  beforeAll(async () => {
    t = await createTestDatabase('migrate');
    db = t.db;
    const wf = await db.insertInto('workflows').values({ key: 'k', name: 'K', draft: '{}' }).returning('id').executeTakeFirstOrThrow();
    const v = await db.insertInto('workflow_versions').values({ workflow_id: wf.id, version: 1, definition: '{}', note: null })
      .returning('id').executeTakeFirstOrThrow();
    versionId = v.id;
    const run = await db.insertInto('runs').values({ workflow_version_id: v.id, status: 'running', state: 'start', snapshot: '{}', sequence: 1 })
      .returning('id').executeTakeFirstOrThrow();
    runId = run.id;
    await db.insertInto('run_history').values({ run_id: runId, sequence: 1, event: '{}', to_state: 'start', effects: '[]', at: new Date() }).execute();
  });
  afterAll(() => t?.drop());

  it('creates every table of the Database type', async () => {
    const tables = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`.execute(db);
    expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(
      ['workflows', 'workflow_versions', 'tickets', 'runs', 'run_history', 'tasks', 'kysely_migration'],
    ));
  });

  it('is idempotent: a second run applies nothing', async () => {
    expect(await migrateToLatest(db)).toEqual([]);
  });

  it('refuses UPDATE and DELETE on published versions', async () => {
    await expect(db.updateTable('workflow_versions').set({ note: 'changed' }).where('id', '=', versionId).execute())
      .rejects.toThrow(/workflow_versions is append-only: UPDATE refused/);
    await expect(db.deleteFrom('workflow_versions').where('id', '=', versionId).execute())
      .rejects.toThrow(/workflow_versions is append-only: DELETE refused/);
  });

  it('refuses UPDATE and DELETE on run history', async () => {
    await expect(db.updateTable('run_history').set({ to_state: 'x' }).where('run_id', '=', runId).execute())
      .rejects.toThrow(/run_history is append-only: UPDATE refused/);
    await expect(db.deleteFrom('run_history').where('run_id', '=', runId).execute())
      .rejects.toThrow(/run_history is append-only: DELETE refused/);
    const rows = await db.selectFrom('run_history').select('to_state').where('run_id', '=', runId).execute();
    expect(rows).toEqual([{ to_state: 'start' }]);
  });
});

describe('a failing migration', () => {
  it('is reported by name and leaves the schema as it was', async () => {
    const t = await createTestDatabase('migrate_fail');
    try {
      const broken = {
        ...migrations,
        '9001_add_thing': { up: async (db: Kysely<any>) => { await sql`CREATE TABLE thing (id int)`.execute(db); } },
        '9002_break': { up: async (db: Kysely<any>) => { await sql`ALTER TABLE no_such_table ADD COLUMN x int`.execute(db); } },
      };
      const error = await migrateToLatest(t.db, undefined, broken).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as MigrationError).migration).toBe('9002_break');
      expect((error as Error).message).toMatch(/^migration 9002_break failed: relation "no_such_table" does not exist/);
      // The batch ran in one transaction: 9001's table is gone with it.
      const thing = await sql<{ t: string | null }>`SELECT to_regclass('thing')::text AS t`.execute(t.db);
      expect(thing.rows[0]?.t).toBeNull();
    } finally {
      await t.drop();
    }
  });

  it('migrates a fresh database through createDatabase too', async () => {
    const t = await createTestDatabase('migrate_again');
    const other = createDatabase(t.connectionString);
    try {
      expect(await migrateToLatest(other.db)).toEqual([]);
    } finally {
      await other.close();
      await t.drop();
    }
  });
});
