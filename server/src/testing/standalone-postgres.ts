// A private embedded Postgres that a test can stop and start at will (the crash tests restart the
// database under a running Flowdesk). Its data survives stop()/start(); destroy() deletes it.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { ensureDatabaseExists, withDatabaseName } from '../db/database.ts';
import { PostgresCluster } from '../db/embedded.ts';

export interface StandalonePostgres {
  /** URL of database `flowdesk` on this server; stays valid across restarts (same port). */
  readonly connectionString: string;
  /** URL of the `postgres` maintenance database. */
  readonly adminConnectionString: string;
  readonly port: number;
  /** Starts the server again after stop(); a no-op while it runs. */
  start(): Promise<void>;
  /** Fast shutdown; `immediate` = SIGQUIT, i.e. a crash followed by WAL recovery on start(). */
  stop(options?: { immediate?: boolean }): Promise<void>;
  /** Stops the server and deletes its files. */
  destroy(): Promise<void>;
}

export async function startStandalonePostgres(
  options: { port?: number; logger?: Logger; settings?: Record<string, string> } = {},
): Promise<StandalonePostgres> {
  const dir = await makeReachableTempDir('flowdesk-pg-');
  const cluster = new PostgresCluster({
    clusterDir: path.join(dir, 'pg'),
    logger: options.logger ?? pino({ level: process.env.FLOWDESK_TEST_LOG_LEVEL ?? 'warn' }),
    persistent: true,
    ...(options.port !== undefined && { port: options.port }),
    ...(options.settings && { settings: options.settings }),
  });
  try {
    await cluster.start();
    await ensureDatabaseExists(cluster.adminConnectionString, 'flowdesk');
  } catch (err) {
    await cluster.stop();
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    connectionString: withDatabaseName(cluster.adminConnectionString, 'flowdesk'),
    adminConnectionString: cluster.adminConnectionString,
    port: cluster.port,
    start: () => cluster.start(),
    stop: (stopOptions) => cluster.stop(stopOptions),
    destroy: async () => {
      await cluster.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * mkdtemp makes 0700 directories; when we run as root, Postgres runs as user `postgres` and must
 * be able to enter it.
 */
export async function makeReachableTempDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  await fs.chmod(dir, 0o755);
  return dir;
}
