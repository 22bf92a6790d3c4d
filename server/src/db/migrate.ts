// Schema migrations. The list is static (no directory scan) so bundlers, tsx and `node --import`
// all see the same set, and a migration cannot be skipped because a file failed to load.
import type { Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import type { Logger } from 'pino';
import * as m0001 from './migrations/0001_foundation.ts';
import * as m0002 from './migrations/0002_ticketing.ts';
import * as m0003 from './migrations/0003_ticketing_more.ts';
import * as m0004 from './migrations/0004_sla.ts';
import * as m0005 from './migrations/0005_email.ts';
import * as m0006 from './migrations/0006_webhooks.ts';
import * as m0007 from './migrations/0007_ai.ts';
import * as m0008 from './migrations/0008_auth.ts';
import * as m0011 from './migrations/0011_message_sender.ts';
import * as m0009 from './migrations/0009_audit_gdpr.ts';
import * as m0012 from './migrations/0012_ai_provenance.ts';
import * as m0013 from './migrations/0013_lean_transitions.ts';
import * as m0014 from './migrations/0014_ai_usage_trainings.ts';
import * as m0016 from './migrations/0016_timer_outbox.ts';

/** In order. Names are stored in kysely_migration: never rename one that has shipped. */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_ticketing': m0002,
  '0003_ticketing_more': m0003,
  '0004_sla': m0004,
  '0005_email': m0005,
  '0006_webhooks': m0006,
  '0007_ai': m0007,
  '0008_auth': m0008,
  '0009_audit_gdpr': m0009,
  '0011_message_sender': m0011,
  '0012_ai_provenance': m0012,
  '0013_lean_transitions': m0013,
  '0014_ai_usage_trainings': m0014,
  '0016_timer_outbox': m0016,
};

export class MigrationError extends Error {
  readonly migration: string | undefined;
  constructor(migration: string | undefined, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(migration ? `migration ${migration} failed: ${reason}` : `migrations failed: ${reason}`, { cause });
    this.name = 'MigrationError';
    this.migration = migration;
  }
}

/**
 * Applies every pending migration. Safe to run from several processes at once: Kysely's migrator
 * takes a lock, and on Postgres each migration runs in a transaction. Returns the names applied.
 * `list` exists for tests; production always uses `migrations`.
 */
export async function migrateToLatest(
  db: Kysely<any>,
  logger?: Logger,
  list: Record<string, Migration> = migrations,
): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => list };
  const migrator = new Migrator({ db, provider });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    // On Postgres the whole batch runs in one transaction, so nothing of it was applied.
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    throw new MigrationError(failed, error);
  }
  const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  for (const name of applied) logger?.info({ migration: name }, 'migration applied');
  if (applied.length === 0) logger?.debug('database schema is up to date');
  return applied;
}
