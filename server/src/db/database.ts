// The connection pool and the typed Kysely handle over it.
import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from './types.ts';

export interface DatabaseHandle {
  db: Kysely<Database>;
  pool: pg.Pool;
  /** Ends every connection; safe to call twice. */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Pool size (default 10). */
  max?: number;
  logger?: Logger;
  /** Shown in pg_stat_activity, handy when several processes share one server. */
  applicationName?: string;
}

// Pin the parsers this code relies on, per pool, so a global pg.types change elsewhere (a library,
// a test) cannot turn our timestamps into strings. int8 stays a string: JS numbers lose precision.
const TIMESTAMPTZ_OID = 1184;
const TIMESTAMP_OID = 1114;
const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format !== 'binary' && (oid === TIMESTAMPTZ_OID || oid === TIMESTAMP_OID)) {
      return (value: string) => new Date(oid === TIMESTAMP_OID ? `${value}Z` : value);
    }
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export function createDatabase(connectionString: string, options: DatabaseOptions = {}): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    types: typeParsers,
    application_name: options.applicationName ?? 'flowdesk',
  });
  // An idle client whose server went away (Postgres restart, failover) emits 'error' on the pool.
  // Without a listener Node treats it as an uncaught error and the whole process dies; the pool
  // already discards the broken client and the next query gets a fresh connection.
  pool.on('error', (err) => {
    options.logger?.warn({ err: { message: err.message, code: (err as { code?: string }).code } },
      'idle database connection lost; it will be replaced on next use');
  });

  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closing: Promise<void> | undefined;
  return {
    db,
    pool,
    close: () => (closing ??= db.destroy()),
  };
}

/** Creates database `name` on the server of `adminConnectionString` unless it exists. */
export async function ensureDatabaseExists(adminConnectionString: string, name: string): Promise<boolean> {
  return withAdminClient(adminConnectionString, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      return true;
    } catch (err) {
      // Another process created it between our check and our CREATE: that is what we wanted.
      if ((err as { code?: string }).code === '42P04') return false;
      throw err;
    }
  });
}

/** Drops database `name`, disconnecting its remaining sessions first (FORCE, PG 13+). */
export async function dropDatabase(adminConnectionString: string, name: string): Promise<void> {
  await withAdminClient(adminConnectionString, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
  );
}

/** `connectionString` with its database replaced by `database` (e.g. the `postgres` maintenance db). */
export function withDatabaseName(connectionString: string, database: string): string {
  const url = new URL(connectionString);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

async function withAdminClient<T>(connectionString: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  client.on('error', () => {}); // a server restart while we hold it surfaces through the query instead
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}
