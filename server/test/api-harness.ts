// Shared set-up for the API tests: a fresh migrated database, a real pg-boss + Runtime, and the app.
// Not a test file itself (vitest only collects *.test.ts).
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { permissionsOf, type Role } from '../src/auth/permissions.ts';
import { newApiToken } from '../src/auth/tokens.ts';
import { DEFAULT_ORGANISATION_ID } from '../src/db/tables/ticketing.ts';
import type { Database } from '../src/db/types.ts';
import type { PgBoss } from 'pg-boss';
import { pino } from 'pino';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { buildApp } from '../src/api/app.ts';
import { createAiExecutor } from '../src/ai/executor.ts';
import { createBoss, Runtime, startWorkers, type RuntimeTuning, type Workers } from '../src/runtime/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { createDatabase } from '../src/db/database.ts';

export const logger = pino({ level: process.env.FLOWDESK_TEST_LOG_LEVEL ?? 'silent' });
export const tuning: RuntimeTuning = {
  effectRetryLimit: 1,
  effectExpireSeconds: 5,
  effectTimeoutMs: 2000,
  pollingIntervalSeconds: 0.5,
  superviseIntervalSeconds: 2,
};

export interface Harness {
  /** An admin user and an API token with every admin permission; `app` sends it unless told otherwise. */
  admin: TestPrincipal;
  tdb: TestDatabase;
  boss: PgBoss;
  runtime: Runtime;
  app: FastifyInstance;
  workers: Workers | null;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Also start the effect/timer workers (rules, actions, timers run for real). */
  workers?: boolean;
  /** Workers answer AI nodes with the local provider (implies workers). */
  ai?: boolean;
  /** Overrides of the test tuning for the workers. */
  tuning?: Partial<RuntimeTuning>;
  /** The runtime's clock (events without `at` get this time), for tests that control time. */
  now?: () => Date;
}

export async function startHarness(label: string, options: HarnessOptions = {}): Promise<Harness> {
  const tdb = await createTestDatabase(label);
  const boss = await createBoss(tdb.connectionString, logger, tuning);
  // A pool of its own for the runtime's fast path (TestDatabase keeps its pool private).
  const runtimeDb = createDatabase(tdb.connectionString, { max: 5 });
  const runtime = new Runtime({ db: tdb.db, pool: runtimeDb.pool, boss, logger, ...(options.now && { now: options.now }) });
  const workers =
    options.workers || options.ai
      ? await startWorkers(runtime, {
          tuning: { ...tuning, ...options.tuning },
          concurrency: 2,
          ...(options.ai ? { ai: createAiExecutor({ db: tdb.db, logger }) } : {}),
        })
      : null;
  const admin = await createPrincipal(tdb.db, { role: 'admin', email: 'admin@harness.test' });
  const app = asPrincipal(await buildApp({ db: tdb.db, runtime, logger }), admin);
  await app.ready();
  return {
    admin,
    tdb,
    boss,
    runtime,
    app,
    workers,
    async close() {
      await app.close();
      await workers?.stop();
      await boss.stop({ graceful: false });
      await runtimeDb.close();
      await tdb.drop();
    },
  };
}

export interface TestPrincipal {
  userId: string;
  email: string;
  role: Role;
  /** `Authorization: Bearer …` value. */
  token: string;
  agentId: string | null;
  customerId: string | null;
}

/**
 * A user with an API token (scopes = the role's permissions unless given). Made directly in the database:
 * the sign-in and token routes are tested on their own (auth.test.ts); here tests need a principal quickly.
 */
export async function createPrincipal(
  db: Kysely<Database>,
  input: { role: Role; email?: string; agentId?: string | null; customerId?: string | null; scopes?: string[]; organisationId?: string },
): Promise<TestPrincipal> {
  const email = input.email ?? `${input.role}-${randomUUID().slice(0, 8)}@harness.test`;
  const user = await db
    .insertInto('users')
    .values({ organisation_id: input.organisationId ?? DEFAULT_ORGANISATION_ID, email, role: input.role, agent_id: input.agentId ?? null, customer_id: input.customerId ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const { token, prefix, hash } = newApiToken();
  await db.insertInto('api_tokens').values({ user_id: user.id, name: 'test', prefix, token_hash: hash, scopes: input.scopes ?? permissionsOf(input.role) }).execute();
  return { userId: user.id, email, role: input.role, token, agentId: input.agentId ?? null, customerId: input.customerId ?? null };
}

/**
 * Makes `app.inject` send the principal's token unless the request sets its own Authorization header
 * (or `headers: { authorization: '' }` to go anonymous).
 */
export function asPrincipal(app: FastifyInstance, principal: { token: string }): FastifyInstance {
  const inject = app.inject.bind(app) as (opts: InjectOptions | string) => Promise<LightMyRequestResponse>;
  const wrapped = (opts: InjectOptions | string) => {
    const options: InjectOptions = typeof opts === 'string' ? { url: opts } : opts;
    const headers = { ...(options.headers ?? {}) } as Record<string, string>;
    if (headers.authorization === undefined) headers.authorization = `Bearer ${principal.token}`;
    else if (headers.authorization === '') delete headers.authorization;
    return inject({ ...options, headers });
  };
  (app as { inject: unknown }).inject = wrapped;
  return app;
}

/** buildApp with extra deps, signed in as the harness admin (not readied: the caller may add plugins). */
export async function buildAdminApp(h: Pick<Harness, 'tdb' | 'runtime' | 'admin'>, extra: Partial<Parameters<typeof buildApp>[0]> = {}): Promise<FastifyInstance> {
  return asPrincipal(await buildApp({ db: h.tdb.db, runtime: h.runtime, logger, ...extra }), h.admin);
}

/** Row counts of the given tables ("schema.table" allowed); names come from test code, never from input. */
export async function rowCounts(db: Harness['tdb']['db'], tables: readonly string[]): Promise<Record<string, number>> {
  const selects = tables.map((t) => sql<{ name: string; count: string }>`select ${t} as name, count(*)::text as count from ${sql.table(t)}`);
  const result = await sql<{ name: string; count: string }>`${sql.join(selects, sql` union all `)}`.execute(db);
  return Object.fromEntries(result.rows.map((r) => [r.name, Number(r.count)]));
}

/** Row counts of the foundation tables plus pg-boss's jobs: "nothing half-written" means these do not move. */
export function tableCounts(h: Harness): Promise<Record<string, number>> {
  return rowCounts(h.tdb.db, ['workflows', 'workflow_versions', 'tickets', 'runs', 'run_history', 'tasks', 'pgboss.job']);
}

export function json<T = any>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}

/** trigger(ticket.created) -> approval -> resolved | rejected. No timers and no worker effects: stays put until voted. */
export function approvalWorkflow(key = 'simple-approval', extra: Partial<WorkflowDefinition> = {}): WorkflowDefinition {
  return {
    schemaVersion: 1,
    key,
    name: 'Simple approval',
    nodes: [
      { id: 'start', kind: 'trigger', name: 'Ticket created', position: { x: 0, y: 0 }, params: { event: 'ticket.created' } },
      {
        id: 'approve',
        kind: 'approval',
        name: 'Manager approval',
        position: { x: 0, y: 120 },
        params: { title: 'Approve the request', approvers: [{ type: 'role', role: 'manager' }], required: 1 },
      },
      { id: 'done', kind: 'end', name: 'Resolved', position: { x: -100, y: 240 }, params: { status: 'resolved' } },
      { id: 'no', kind: 'end', name: 'Rejected', position: { x: 100, y: 240 }, params: { status: 'closed' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'approve', outcome: 'next' },
      { id: 'e2', source: 'approve', target: 'done', outcome: 'approved' },
      { id: 'e3', source: 'approve', target: 'no', outcome: 'rejected' },
    ],
    ...extra,
  } as WorkflowDefinition;
}

/** Creates and publishes a workflow through the API; returns its id and version id. */
export async function publishViaApi(app: FastifyInstance, definition: WorkflowDefinition): Promise<{ workflowId: string; versionId: string }> {
  const created = await app.inject({ method: 'POST', url: '/api/workflows', payload: { definition } });
  if (created.statusCode !== 201) throw new Error(`create failed: ${created.statusCode} ${created.body}`);
  const workflowId = json(created).workflow.id as string;
  const published = await app.inject({ method: 'POST', url: `/api/workflows/${workflowId}/publish`, payload: {} });
  if (published.statusCode !== 201) throw new Error(`publish failed: ${published.statusCode} ${published.body}`);
  return { workflowId, versionId: json(published).version.id as string };
}
