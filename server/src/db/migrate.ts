// Schema migrations. The list is static (no directory scan) so bundlers, tsx and `node --import`
// all see the same set, and a migration cannot be skipped because a file failed to load.
import type { Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import type { Logger } from 'pino';
import * as m0001 from './migrations/0001_foundation.ts';

/** In order. Names are stored in kysely_migration: never rename one that has shipped. */
export const migrations: Record<string, Migration> = {
  '0001_foundation': m0001,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

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
 */
export async function migrateToLatest(db: Kysely<any>, logger?: Logger): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results = [] } = await migrator.migrateToLatest();
  const applied: string[] = [];
  for (const result of results) {
    if (result.status === 'Success') {
      applied.push(result.migrationName);
      logger?.info({ migration: result.migrationName }, 'migration applied');
    }
  }
  if (error) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    throw new MigrationError(failed, error);
  }
  if (applied.length === 0) logger?.debug('database schema is up to date');
  return applied;
}
