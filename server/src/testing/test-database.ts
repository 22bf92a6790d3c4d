// A fresh, migrated database per call, so test files can run in parallel without sharing rows.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { createDatabase, dropDatabase, withDatabaseName } from '../db/database.ts';
import { migrateToLatest, migrations } from '../db/migrate.ts';
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
  const template = await migratedTemplate(adminUrl);
  await withClient(adminUrl, (client) =>
    client.query(`CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE ${client.escapeIdentifier(template.name)}${template.strategy}`),
  );
  const connectionString = withDatabaseName(adminUrl, name);
  const handle = createDatabase(connectionString, { max: 5, applicationName: `flowdesk-test-${safe}` });
  let dropped: Promise<void> | undefined;
  return {
    connectionString,
    db: handle.db,
    drop: () => (dropped ??= handle.close().then(() => dropDatabase(adminUrl, name))),
  };
}

/**
 * Copying a migrated template is several times faster than migrating each database. The template's
 * name hashes the migrations' code, so an edited migration gets a new template instead of a stale one.
 * An advisory lock makes parallel test workers build it once.
 */
const templates = new Map<string, Promise<{ name: string; strategy: string }>>();

function migratedTemplate(adminUrl: string): Promise<{ name: string; strategy: string }> {
  let pending = templates.get(adminUrl);
  if (!pending) {
    pending = buildTemplate(adminUrl);
    pending.catch(() => templates.delete(adminUrl));
    templates.set(adminUrl, pending);
  }
  return pending;
}

async function buildTemplate(adminUrl: string): Promise<{ name: string; strategy: string }> {
  const hash = createHash('sha256');
  for (const [name, migration] of Object.entries(migrations)) hash.update(name).update(String(migration.up));
  const name = `flowdesk_template_${hash.digest('hex').slice(0, 16)}`;
  return withClient(adminUrl, async (client) => {
    const version = Number((await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]?.v);
    const fsyncOff = (await client.query<{ f: string }>(`SELECT current_setting('fsync') AS f`)).rows[0]?.f === 'off';
    // FILE_COPY (PG 15+) copies files instead of WAL-logging every block; it costs a checkpoint,
    // which is nearly free without fsync (the embedded test server) and slow on a real one.
    const strategy = version >= 150000 && fsyncOff ? ' STRATEGY FILE_COPY' : '';
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
    try {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate', [name]);
      if (found.rowCount) return { name, strategy };
      // A half-built template from a crashed run is not marked IS_TEMPLATE: rebuild it.
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      const handle = createDatabase(withDatabaseName(adminUrl, name), { max: 1 });
      try {
        await migrateToLatest(handle.db);
      } finally {
        await handle.close();
      }
      await client.query(`ALTER DATABASE ${client.escapeIdentifier(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
      return { name, strategy };
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
    }
  });
}

async function withClient<T>(connectionString: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  client.on('error', () => {}); // surfaced by the failing query instead
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}
