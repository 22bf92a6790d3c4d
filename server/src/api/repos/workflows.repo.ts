// SQL for workflows and their published versions. Every function takes the executor first
// (Kysely or an open Transaction) so callers choose the transaction boundary.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, Workflow, WorkflowVersion } from '../../db/types.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export type WorkflowWithLatest = Workflow & { latest_version: number | null };
export type VersionRow = Pick<WorkflowVersion, 'id' | 'version' | 'note' | 'published_at'>;

const latestVersion = sql<number | null>`(select max(v.version) from workflow_versions v where v.workflow_id = workflows.id)`;

export async function listWorkflows(db: Executor): Promise<WorkflowWithLatest[]> {
  return db.selectFrom('workflows').selectAll('workflows').select(latestVersion.as('latest_version')).orderBy('key').execute();
}

export async function findWorkflow(db: Executor, id: string): Promise<WorkflowWithLatest | undefined> {
  return db.selectFrom('workflows').selectAll('workflows').select(latestVersion.as('latest_version')).where('id', '=', id).executeTakeFirst();
}

export async function listVersions(db: Executor, workflowId: string): Promise<VersionRow[]> {
  return db
    .selectFrom('workflow_versions')
    .select(['id', 'version', 'note', 'published_at'])
    .where('workflow_id', '=', workflowId)
    .orderBy('version', 'asc')
    .execute();
}

/** Inserts a workflow; undefined when the key is taken (no exception, so no aborted transaction). */
export async function insertWorkflow(db: Executor, values: { key: string; name: string; draft: unknown }): Promise<Workflow | undefined> {
  return db
    .insertInto('workflows')
    .values({ key: values.key, name: values.name, draft: JSON.stringify(values.draft) })
    .onConflict((oc) => oc.column('key').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function updateDraft(db: Executor, id: string, values: { name: string; draft: unknown }): Promise<Workflow | undefined> {
  return db
    .updateTable('workflows')
    .set({ name: values.name, draft: JSON.stringify(values.draft), updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Locks the workflow row: concurrent publishes of one workflow queue up here, so version numbers never collide. */
export async function lockWorkflow(trx: Transaction<Database>, id: string): Promise<Workflow | undefined> {
  return trx.selectFrom('workflows').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function insertNextVersion(
  trx: Transaction<Database>,
  values: { workflowId: string; definition: unknown; note: string | null },
): Promise<WorkflowVersion> {
  const row = await trx
    .selectFrom('workflow_versions')
    .select((eb) => eb.fn.max('version').as('max'))
    .where('workflow_id', '=', values.workflowId)
    .executeTakeFirst();
  const next = Number(row?.max ?? 0) + 1;
  return trx
    .insertInto('workflow_versions')
    .values({ workflow_id: values.workflowId, version: next, definition: JSON.stringify(values.definition), note: values.note })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findVersion(db: Executor, workflowId: string, version: number): Promise<(WorkflowVersion & { key: string }) | undefined> {
  return db
    .selectFrom('workflow_versions as v')
    .innerJoin('workflows as w', 'w.id', 'v.workflow_id')
    .selectAll('v')
    .select('w.key')
    .where('v.workflow_id', '=', workflowId)
    .where('v.version', '=', version)
    .executeTakeFirst();
}

export async function findVersionById(db: Executor, id: string): Promise<Pick<WorkflowVersion, 'id' | 'workflow_id' | 'version'> | undefined> {
  return db.selectFrom('workflow_versions').select(['id', 'workflow_id', 'version']).where('id', '=', id).executeTakeFirst();
}

export async function findLatestVersion(db: Executor, workflowId: string): Promise<Pick<WorkflowVersion, 'id' | 'version'> | undefined> {
  return db
    .selectFrom('workflow_versions')
    .select(['id', 'version'])
    .where('workflow_id', '=', workflowId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}
