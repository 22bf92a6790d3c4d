// `flowdesk start`, `flowdesk worker` and `flowdesk migrate`: wire config, database, migrations,
// pg-boss, the runtime, workers and the HTTP API together, and take them apart again on a signal.
import type { Logger } from 'pino';
import { loadConfig, type Config } from '../config.ts';
import { createDatabase } from '../db/database.ts';
import { findRunningEmbeddedPostgres, startEmbeddedPostgres } from '../db/embedded.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { loadDemo, type DemoWorkflow } from '../demo.ts';
import { createAiExecutor } from '../ai/executor.ts';
import { createLogger } from '../logger.ts';
import { exitOnSignals, ShutdownStack } from './shutdown.ts';
import { CliError } from './workflow-commands.ts';
import { loadSecretBox } from '../secrets/index.ts';

interface Postgres {
  connectionString: string;
  /** For the banner and logs; never contains the password. */
  description: string;
}

/**
 * DATABASE_URL when set. Otherwise the embedded cluster in the data dir: joined if another Flowdesk
 * process runs it, else started here (when `start` is allowed) and stopped by the shutdown stack.
 */
async function openPostgres(config: Config, logger: Logger, stack: ShutdownStack, mode: 'start' | 'join' | 'join-or-start'): Promise<Postgres> {
  if (config.databaseUrl) {
    return { connectionString: config.databaseUrl, description: `PostgreSQL at ${redact(config.databaseUrl)} (DATABASE_URL)` };
  }
  if (mode !== 'start') {
    const running = await findRunningEmbeddedPostgres(config.dataDir);
    if (running) return { connectionString: running, description: `the running embedded PostgreSQL at ${redact(running)}` };
    if (mode === 'join') {
      throw new CliError(
        `no database: set DATABASE_URL, or run \`flowdesk start\` first (this command then joins its embedded PostgreSQL in ${config.dataDir}/pg)`,
        1,
      );
    }
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    logger,
    handleSignals: false,
    ...(config.embeddedPgPort !== undefined && { port: config.embeddedPgPort }),
  });
  stack.add('embedded PostgreSQL', () => embedded.stop());
  return { connectionString: embedded.connectionString, description: `embedded PostgreSQL on port ${embedded.port} (data in ${config.dataDir}/pg)` };
}

/** Config, logger, shutdown stack, Postgres, pool, migrations: what every database command starts with. */
export async function setUp(mode: 'start' | 'join' | 'join-or-start') {
  const config = loadConfig();
  const logger = await createLogger({ level: config.logLevel, pretty: Boolean(process.stdout.isTTY) });
  const stack = new ShutdownStack(logger);
  // Installed first, so a Ctrl-C during startup (initdb, migrations) still cleans up.
  exitOnSignals(stack, logger);
  try {
    const postgres = await openPostgres(config, logger, stack, mode);
    const database = createDatabase(postgres.connectionString, { logger });
    stack.add('database pool', () => database.close());
    await migrateToLatest(database.db, logger);
    return { config, logger, stack, postgres, database };
  } catch (err) {
    await stack.run();
    throw err;
  }
}

/** Runs `work` with the database set up (joining the running embedded Postgres when there is one), then tears down. */
export async function withDatabase<T>(work: (ctx: Awaited<ReturnType<typeof setUp>>) => Promise<T>): Promise<T> {
  const ctx = await setUp('join-or-start');
  try {
    return await work(ctx);
  } finally {
    await ctx.stack.run();
  }
}

export async function startCommand(options: { demo: boolean; port?: number; worker: boolean }): Promise<void> {
  const { config, logger, stack, postgres, database } = await setUp('start');
  try {
    const { createBoss, Runtime, startWorkers } = await import('../runtime/index.ts');
    const boss = await createBoss(postgres.connectionString, logger);
    stack.add('pg-boss', () => boss.stop({ graceful: true, timeout: 10_000 }));
    const runtime = new Runtime({ db: database.db, pool: database.pool, boss, logger });
    const secrets = loadSecretBox(config, logger);
    if (options.worker) {
      const workers = await startWorkers(runtime, { ai: createAiExecutor({ db: database.db, logger, secrets }), secrets });
      stack.add('workers', () => workers.stop());
    }
    const demo = options.demo ? await loadDemo(database.db, logger) : undefined;
    if (options.demo) await (await import('../ai/demo.ts')).loadAiDemo(database.db, logger);

    const accounts = await (await import('../auth/bootstrap.ts')).ensureFirstAccounts(database.db, logger, { demo: options.demo });

    const { buildApp } = await import('../api/app.ts');
    const email = await import('../channels/email/index.ts');
    const emailConfig = email.emailConfigFromEnv();
    const listenPort = options.port ?? config.port;
    const publicUrl = process.env.FLOWDESK_PUBLIC_URL?.trim() || `http://${displayHost(config.host)}:${listenPort}`;
    const mailer = (await import('../auth/mailer.ts')).createAccountMailer(emailConfig, logger);
    const app = await buildApp({ db: database.db, runtime, logger, secrets, mailer, auth: { publicUrl } });
    await (await import('../api/designer-static.ts')).designerStatic(app);
    // Development (no FLOWDESK_SMTP_URL): outbound mail is captured and shown here instead of sent.
    if (!emailConfig.smtpUrl) await app.register(email.devOutboxRoutes, { prefix: '/api/dev/outbox', db: database.db });
    stack.add('HTTP server', () => app.close());
    await app.listen({ port: listenPort, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : (options.port ?? config.port);
    process.stdout.write(banner({ host: config.host, port, postgres, demo, worker: options.worker, accounts: accounts.banner }));
    const smtpPort = email.smtpPortFromEnv(process.env, options.demo);
    if (smtpPort !== undefined) {
      const intake = await email.createSmtpIntake({ ctx: { db: database.db, runtime, logger }, host: process.env.FLOWDESK_SMTP_HOST || '127.0.0.1', port: smtpPort, email: emailConfig });
      stack.add('SMTP intake', () => intake.close());
      logger.info({ host: intake.host, port: intake.port }, 'inbound email (SMTP) listening');
      process.stdout.write(`  Inbound email (SMTP): smtp://${intake.host}:${intake.port}  outbound: ${emailConfig.smtpUrl ? 'FLOWDESK_SMTP_URL' : `captured at /api/dev/outbox`}\n\n`);
    }
  } catch (err) {
    await stack.run();
    throw err;
  }
}

export async function workerCommand(options: { concurrency?: number }): Promise<void> {
  const { config, logger, stack, postgres, database } = await setUp('join');
  try {
    const { createBoss, Runtime, startWorkers } = await import('../runtime/index.ts');
    const boss = await createBoss(postgres.connectionString, logger);
    stack.add('pg-boss', () => boss.stop({ graceful: true, timeout: 10_000 }));
    const runtime = new Runtime({ db: database.db, pool: database.pool, boss, logger });
    const secrets = loadSecretBox(config, logger);
    const workers = await startWorkers(runtime, { ai: createAiExecutor({ db: database.db, logger, secrets }), secrets, ...(options.concurrency !== undefined && { concurrency: options.concurrency }) });
    stack.add('workers', () => workers.stop());
    logger.info({ database: postgres.description }, 'worker running; SIGTERM or Ctrl-C stops it after the current jobs');
  } catch (err) {
    await stack.run();
    throw err;
  }
}

export async function migrateCommand(): Promise<void> {
  const { logger, stack, postgres } = await setUp('join-or-start');
  logger.info({ database: postgres.description }, 'database schema is up to date');
  await stack.run();
}

/** 0.0.0.0 / :: listen everywhere; a browser needs a concrete address. */
function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
}

function banner(info: { host: string; port: number; postgres: Postgres; demo: DemoWorkflow | undefined; worker: boolean; accounts: string[] }): string {
  const host = displayHost(info.host);
  const base = `http://${host}:${info.port}`;
  const lines = [
    '',
    `  Flowdesk is running at ${base}`,
    `  API docs (OpenAPI):   ${base}/docs`,
    `  Database:             ${info.postgres.description}`,
    `  Workers:              ${info.worker ? 'in this process' : 'not in this process (run `flowdesk worker`)'}`,
    ...info.accounts,
  ];
  if (info.demo) lines.push(`  Demo workflow:        escalating-approval v${info.demo.version} (published)`, '  AI demo workflow:     ai-triage (sentiment, classify, recommend, draft, assign)');
  lines.push(
    '',
    '  Try (in another shell; API calls need a token or a signed-in session):',
    `    TOKEN=$(./flowdesk token create --email ${info.demo ? 'admin@example.com' : '<admin email>'})`,
    `    curl -s -H "authorization: Bearer $TOKEN" ${base}/api/workflows`,
    `    curl -s -X POST ${base}/api/tickets -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\`,
    `         -d '{"subject":"VPN is down for the whole office","priority":"urgent"}'`,
    '',
    '  Ctrl-C stops everything.',
    '',
  );
  return `${lines.join('\n')}\n`;
}

function redact(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname}:${url.port || 5432}${url.pathname}`;
  } catch {
    return '(unparsable URL)';
  }
}
