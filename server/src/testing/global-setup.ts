// vitest globalSetup: ONE throwaway embedded Postgres for the whole run; each test file then makes
// its own database on it with createTestDatabase(). Skipped when DATABASE_URL names a server.
import fs from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { PostgresCluster } from '../db/embedded.ts';
import { makeReachableTempDir } from './standalone-postgres.ts';
import { TEST_PG_URL_ENV } from './test-database.ts';

export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.DATABASE_URL || process.env[TEST_PG_URL_ENV]) return undefined;
  const dir = await makeReachableTempDir('flowdesk-test-pg-');
  const cluster = new PostgresCluster({
    clusterDir: path.join(dir, 'pg'),
    logger: pino({ level: process.env.FLOWDESK_TEST_LOG_LEVEL ?? 'warn' }),
    persistent: false,
    // Throwaway data: trade durability for speed; parallel files each hold a few pools.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '400' },
  });
  try {
    await cluster.start();
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
  // Workers are started after global setup and inherit this environment.
  process.env[TEST_PG_URL_ENV] = cluster.adminConnectionString;
  return async () => {
    delete process.env[TEST_PG_URL_ENV];
    await cluster.stop();
    await fs.rm(dir, { recursive: true, force: true });
  };
}
