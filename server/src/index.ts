// Public surface of @flowdesk/server.
export { loadConfig, ConfigError, DEFAULT_EMBEDDED_PG_PORT, LOG_LEVELS, REPO_ROOT } from './config.ts';
export type { Config, LogLevel } from './config.ts';
export { createLogger } from './logger.ts';
export { createDatabase, ensureDatabaseExists, dropDatabase, withDatabaseName } from './db/database.ts';
export type { DatabaseHandle, DatabaseOptions } from './db/database.ts';
export { migrateToLatest, migrations, MigrationError } from './db/migrate.ts';
export { startEmbeddedPostgres } from './db/embedded.ts';
export type { EmbeddedPostgresOptions, RunningEmbeddedPostgres } from './db/embedded.ts';
export type { Database } from './db/types.ts';
export { loadDemo, DEMO_WORKFLOW_KEY } from './demo.ts';
export type { DemoWorkflow } from './demo.ts';
export { Runtime, createBoss, startWorkers, tuningFromEnv, WORK_QUEUE, TIMER_QUEUE } from './runtime/index.ts';
export type { RuntimeDeps, IncomingEvent, StartRunInput, SendEventOptions, SendEventResult, RuntimeTuning, Workers, WorkerOptions, AppliedStep } from './runtime/index.ts';
