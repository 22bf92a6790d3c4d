// A fresh, migrated database per call, so test files can run in parallel without sharing rows.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { createDatabase, dropDatabase, ensureDatabaseExists, withDatabaseName } from '../db/database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import type { Database } from '../db/types.ts';

/** Set by global-setup.ts: URL of the `postgres` database on the shared test server. */
export const TEST_PG_URL_ENV = 'FLOWDESK_TEST_PG_URL';

export interface TestDatabase {
  /** URL of this test's own database (hand it to pg-boss, a child process, ...). */
  connectionString: string;
  db: Kysely<Database>;
  /** Closes the pool and drops the database, disconnecting anyone still attached. */
  drop(): Promise<void>;
}

/** Which server tests use: DATABASE_URL's if set, otherwise the embedded one from global-setup.ts. */
export function testServerAdminUrl(env: Record<string, string | undefined> = process.env): string {
  if (env.DATABASE_URL) return withDatabaseName(env.DATABASE_URL, 'postgres');
  const url = env[TEST_PG_URL_ENV];
  if (url) return url;
  throw new Error(
    `No test PostgreSQL: set DATABASE_URL, or run the tests through vitest with globalSetup ` +
      `"@flowdesk/server/src/testing/global-setup.ts" (it starts an embedded server and sets ${TEST_PG_URL_ENV}).`,
  );
}

export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const adminUrl = testServerAdminUrl();
  // Identifiers max out at 63 bytes; keep the label readable in \l and pg_stat_activity.
  const safe = label.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '').slice(0, 30) || 'test';
  const name = `flowdesk_t_${safe}_${randomBytes(4).toString('hex')}`;
  await ensureDatabaseExists(adminUrl, name);
  const connectionString = withDatabaseName(adminUrl, name);
  const handle = createDatabase(connectionString, { max: 5, applicationName: `flowdesk-test-${safe}` });
  try {
    await migrateToLatest(handle.db);
  } catch (err) {
    await handle.close();
    await dropDatabase(adminUrl, name);
    throw err;
  }
  let dropped: Promise<void> | undefined;
  return {
    connectionString,
    db: handle.db,
    drop: () => (dropped ??= handle.close().then(() => dropDatabase(adminUrl, name))),
  };
}
