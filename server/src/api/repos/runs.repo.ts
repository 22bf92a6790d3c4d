// SQL for reading runs and their history. Writes to runs go through the runtime only (one transaction per event).
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, Run, RunHistoryRow, RunStatusColumn } from '../../db/types.ts';
import type { TicketScope } from '../../auth/principal.ts';
import { ticketScopeSql } from '../../auth/scope.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export type RunRow = Run & { workflow_id: string; workflow_key: string; workflow_version: number; cursor_ts: string };

/** created_at with full microsecond precision (a JS Date would drop it and break keyset pagination). */
const cursorTs = sql<string>`to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

function runsWithWorkflow(db: Executor) {
  return db
    .selectFrom('runs as r')
    .innerJoin('workflow_versions as v', 'v.id', 'r.workflow_version_id')
    .innerJoin('workflows as w', 'w.id', 'v.workflow_id')
    .selectAll('r')
    .select(['w.id as workflow_id', 'w.key as workflow_key', 'v.version as workflow_version', cursorTs.as('cursor_ts')]);
}

export async function findRun(db: Executor, id: string): Promise<RunRow | undefined> {
  return runsWithWorkflow(db).where('r.id', '=', id).executeTakeFirst();
}

export interface RunFilter {
  /** Runs of tickets outside the scope are left out; runs without a ticket are staff-visible. */
  scope: TicketScope;
  status?: RunStatusColumn;
  workflowId?: string;
  /** Exclusive keyset position: rows strictly older than (createdAt, id) in (created_at desc, id desc) order. */
  after?: { createdAt: string; id: string };
  limit: number;
}

/** Newest first, ordered by (created_at, id) descending; fetches limit + 1 rows so the caller knows if more exist. */
export async function listRuns(db: Executor, filter: RunFilter): Promise<RunRow[]> {
  let query = runsWithWorkflow(db).where(
    sql<boolean>`(r.ticket_id IS NULL OR EXISTS (SELECT 1 FROM tickets t WHERE t.id = r.ticket_id AND ${ticketScopeSql(filter.scope, 't')}))`,
  );
  if (filter.status) query = query.where('r.status', '=', filter.status);
  if (filter.workflowId) query = query.where('w.id', '=', filter.workflowId);
  if (filter.after) {
    const { createdAt, id } = filter.after;
    // Row-value comparison so the (created_at, id) index order is one range scan.
    query = query.where(sql<boolean>`(r.created_at, r.id) < (${createdAt}::timestamptz, ${id}::uuid)`);
  }
  return query.orderBy('r.created_at', 'desc').orderBy('r.id', 'desc').limit(filter.limit + 1).execute();
}

/** A ticket's runs, newest first (a ticket has a handful: one per matching workflow and trigger). */
export async function listRunsOfTicket(db: Executor, ticketId: string): Promise<RunRow[]> {
  return runsWithWorkflow(db).where('r.ticket_id', '=', ticketId).orderBy('r.created_at', 'desc').orderBy('r.id', 'desc').limit(200).execute();
}

export async function listHistory(db: Executor, runId: string): Promise<RunHistoryRow[]> {
  return db.selectFrom('run_history').selectAll().where('run_id', '=', runId).orderBy('sequence', 'asc').execute();
}

export async function findDefinitions(db: Executor, versionIds: readonly string[]): Promise<Map<string, unknown>> {
  if (versionIds.length === 0) return new Map();
  const rows = await db.selectFrom('workflow_versions').select(['id', 'definition']).where('id', 'in', [...versionIds]).execute();
  return new Map(rows.map((row) => [row.id, row.definition]));
}
