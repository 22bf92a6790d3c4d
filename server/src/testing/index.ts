// @flowdesk/server/testing: helpers for tests that need a real Postgres.
export { createTestDatabase, testServerAdminUrl, TEST_PG_URL_ENV } from './test-database.ts';
export type { TestDatabase } from './test-database.ts';
export { startStandalonePostgres, makeReachableTempDir } from './standalone-postgres.ts';
export type { StandalonePostgres } from './standalone-postgres.ts';
