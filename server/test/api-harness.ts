// Shared set-up for the API tests: a fresh migrated database, a real pg-boss + Runtime, and the app.
// Not a test file itself (vitest only collects *.test.ts).
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
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
}

export async function startHarness(label: string, options: HarnessOptions = {}): Promise<Harness> {
  const tdb = await createTestDatabase(label);
  const boss = await createBoss(tdb.connectionString, logger, tuning);
  // A pool of its own for the runtime's fast path (TestDatabase keeps its pool private).
  const runtimeDb = createDatabase(tdb.connectionString, { max: 5 });
  const runtime = new Runtime({ db: tdb.db, pool: runtimeDb.pool, boss, logger });
  const workers =
    options.workers || options.ai
      ? await startWorkers(runtime, {
          tuning: { ...tuning, ...options.tuning },
          concurrency: 2,
          ...(options.ai ? { ai: createAiExecutor({ db: tdb.db, logger }) } : {}),
        })
      : null;
  const app = await buildApp({ db: tdb.db, runtime, logger });
  await app.ready();
  return {
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
