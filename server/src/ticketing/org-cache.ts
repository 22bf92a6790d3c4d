// What creating a ticket needs to know about its organisation that rarely changes, cached per process:
// the custom-fields schema, the latest published workflow versions (with their definitions, for trigger
// matching), the SLA policies and the webhook endpoints. Every part carries a STAMP computed by Postgres
// from the rows it was loaded from; createTicket reads all current stamps in the RETURNING clause of the
// ticket INSERT (scalar subqueries: no extra round trip) and reloads, inside its transaction, every part
// whose stamp differs. So a cache is never trusted without a stamp read in the same transaction, and it
// is correct across processes (server, `flowdesk worker`s): any committed change anywhere changes the stamp.
//
// Stamps (exact up to a 64-bit hash collision; a false mismatch only costs a reload):
// - organisation: the row's xmin. Every UPDATE writes a new row version with the updating transaction's
//   id, and only committed versions are visible to us, so an unchanged xmin is the same row version.
// - latest workflow versions: over all workflows, count + sum of hashes of (workflow id, its xmin, the
//   number and xmin of its latest version). Publishing or rolling back (a new version either way) changes
//   the latest version; version rows are immutable (a trigger refuses UPDATE/DELETE outside GDPR
//   erasure/retention, and those would change the xmin or the number); a new, deleted or edited workflow
//   row changes count or xmin (editing a draft only costs a reload).
// - SLA policies / webhook endpoints of the organisation: count + sum of hashes of (id, xmin): an insert,
//   delete or update of any row changes it.
// Caches live per Kysely instance (a process talking to two databases keeps them apart).
import { sql, type Kysely, type Transaction } from 'kysely';
import type { WorkflowDefinition } from '@flowdesk/schema';
import type { Database } from '../db/types.ts';
import type { SlaConditions } from '../db/tables/sla.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface CachedVersion {
  id: string;
  workflowId: string;
  workflowKey: string;
  version: number;
  definition: WorkflowDefinition;
}

export interface CachedSlaPolicy {
  id: string;
  conditions: SlaConditions | null;
}

export interface CachedEndpoint {
  id: string;
  events: string[];
}

interface Part<T> {
  stamp: string | null;
  value: T;
}

interface OrgEntry {
  fields?: Part<Record<string, unknown> | undefined>;
  sla?: Part<CachedSlaPolicy[]>;
  webhooks?: Part<CachedEndpoint[]>;
}

interface DbEntry {
  workflows?: Part<CachedVersion[]>;
  orgs: Map<string, OrgEntry>;
}

/** Organisations per process are few; a bound keeps a misbehaving caller from growing the map forever. */
const MAX_ORGS = 1000;

const caches = new WeakMap<object, DbEntry>();

function entryOf(db: Kysely<Database>): DbEntry {
  let entry = caches.get(db);
  if (!entry) {
    entry = { orgs: new Map() };
    caches.set(db, entry);
  }
  return entry;
}

function orgOf(db: Kysely<Database>, organisationId: string): OrgEntry {
  const { orgs } = entryOf(db);
  let org = orgs.get(organisationId);
  if (!org) {
    if (orgs.size >= MAX_ORGS) orgs.delete(orgs.keys().next().value as string);
    org = {};
    orgs.set(organisationId, org);
  }
  return org;
}

// ---- stamp expressions (each a scalar subquery) ----

const orgStamp = (organisationId: string) => sql<string | null>`(SELECT o.xmin::text FROM organisations o WHERE o.id = ${organisationId})`;
// Per workflow row (its id and xmin) the number and xmin of its latest version: one backward index probe per
// workflow on (workflow_id, version), so the cost follows the number of workflows, not of versions.
const workflowsStamp = () =>
  sql<string>`(SELECT count(*)::text || ':' || coalesce(sum(hashtextextended(w.id::text || ':' || w.xmin::text || coalesce((SELECT ':' || v.version || ':' || v.xmin FROM workflow_versions v WHERE v.workflow_id = w.id ORDER BY v.version DESC LIMIT 1), ''), 0)), 0)::text FROM workflows w)`;
const rowsStamp = (table: 'sla_policies' | 'webhook_endpoints', organisationId: string) =>
  sql<string>`(SELECT count(*)::text || ':' || coalesce(sum(hashtextextended(r.id::text || ':' || r.xmin::text, 0)), 0)::text FROM ${sql.table(table)} r WHERE r.organisation_id = ${organisationId})`;

/** The current stamps, as columns to add to a statement the caller runs anyway (e.g. the ticket INSERT's RETURNING). */
export function stampColumns(organisationId: string) {
  return [
    orgStamp(organisationId).as('fd_stamp_org'),
    workflowsStamp().as('fd_stamp_workflows'),
    rowsStamp('sla_policies', organisationId).as('fd_stamp_sla'),
    rowsStamp('webhook_endpoints', organisationId).as('fd_stamp_webhooks'),
  ] as const;
}

export interface Stamps {
  fd_stamp_org: string | null;
  fd_stamp_workflows: string;
  fd_stamp_sla: string;
  fd_stamp_webhooks: string;
}

export const STAMP_KEYS = ['fd_stamp_org', 'fd_stamp_workflows', 'fd_stamp_sla', 'fd_stamp_webhooks'] as const;

/** Removes the stamp columns from a row that carried them. */
export function withoutStamps<T extends object>(row: T & Partial<Stamps>): { row: T; stamps: Stamps } {
  const { fd_stamp_org, fd_stamp_workflows, fd_stamp_sla, fd_stamp_webhooks, ...rest } = row;
  return { row: rest as T, stamps: { fd_stamp_org: fd_stamp_org ?? null, fd_stamp_workflows: fd_stamp_workflows!, fd_stamp_sla: fd_stamp_sla!, fd_stamp_webhooks: fd_stamp_webhooks! } };
}

// ---- loaders (data and stamp from one statement, so they belong to the same snapshot) ----

/**
 * The organisation's custom-field schema (undefined: no such organisation). With `stamps` from the caller's
 * transaction, a cached schema is used only when its stamp is the current one; without, the cached schema
 * is returned as is (the caller must check it later in its transaction with `fieldsSchemaCurrent`); 'reload'
 * reads it again.
 */
export async function cachedFieldsSchema(db: Kysely<Database>, executor: Executor, organisationId: string, current?: Stamps | 'reload'): Promise<Record<string, unknown> | undefined> {
  const org = orgOf(db, organisationId);
  if (org.fields && current !== 'reload' && (current === undefined || org.fields.stamp === current.fd_stamp_org)) return org.fields.value;
  const row = await executor
    .selectFrom('organisations')
    .select(['ticket_fields_schema', sql<string>`xmin::text`.as('stamp')])
    .where('id', '=', organisationId)
    .executeTakeFirst();
  const value = row?.ticket_fields_schema as Record<string, unknown> | undefined;
  // An organisation that does not exist is not cached (it may be created next).
  if (row) org.fields = { stamp: row.stamp, value };
  else delete org.fields;
  return value;
}

/** Whether the cached fields schema is the one the stamps describe. */
export function fieldsSchemaCurrent(db: Kysely<Database>, organisationId: string, current: Stamps): boolean {
  const part = orgOf(db, organisationId).fields;
  return part !== undefined && part.stamp === current.fd_stamp_org;
}

/** The latest version of every workflow (ordered by workflow id, as the runtime starts them), with definitions. */
export async function cachedLatestVersions(db: Kysely<Database>, executor: Executor, current: Stamps): Promise<CachedVersion[]> {
  const entry = entryOf(db);
  if (entry.workflows && entry.workflows.stamp === current.fd_stamp_workflows) return entry.workflows.value;
  const rows = await executor
    .selectFrom('workflow_versions as v')
    .innerJoin('workflows as w', 'w.id', 'v.workflow_id')
    .select(['v.id', 'v.workflow_id', 'v.version', 'v.definition', 'w.key', workflowsStamp().as('stamp')])
    .where(({ eb, selectFrom }) =>
      eb('v.version', '=', selectFrom('workflow_versions as x').select((e) => e.fn.max('x.version').as('max')).whereRef('x.workflow_id', '=', 'v.workflow_id')),
    )
    .orderBy('v.workflow_id')
    .execute();
  const value = rows.map((r) => ({ id: r.id, workflowId: r.workflow_id, workflowKey: r.key, version: r.version, definition: r.definition as WorkflowDefinition }));
  // With no workflow at all the stamp still comes back: read it on its own.
  const stamp = rows[0]?.stamp ?? (await sql<{ stamp: string }>`SELECT ${workflowsStamp()} AS stamp`.execute(executor)).rows[0]!.stamp;
  entry.workflows = { stamp, value };
  return value;
}

/**
 * The organisation's ACTIVE rows of an organisation-owned table, two columns each, behind the table's rows
 * stamp: reloaded (with the stamp, in one statement) only when the stamp the caller read differs.
 */
async function cachedActiveRows<T>(
  executor: Executor,
  org: OrgEntry,
  part: 'sla' | 'webhooks',
  table: 'sla_policies' | 'webhook_endpoints',
  columns: readonly [string, string],
  organisationId: string,
  current: string,
): Promise<T[]> {
  const cached = org[part] as Part<T[]> | undefined;
  if (cached && cached.stamp === current) return cached.value;
  const [a, b] = columns;
  const result = await sql<{ stamp: string; rows: T[] }>`
    SELECT ${rowsStamp(table, organisationId)} AS stamp,
           coalesce((SELECT json_agg(json_build_object(${a}::text, r.${sql.ref(a)}, ${b}::text, r.${sql.ref(b)}))
                     FROM ${sql.table(table)} r WHERE r.organisation_id = ${organisationId} AND r.active), '[]'::json) AS rows`.execute(executor);
  const row = result.rows[0]!;
  (org as Record<typeof part, Part<T[]>>)[part] = { stamp: row.stamp, value: row.rows };
  return row.rows;
}

/** The organisation's ACTIVE SLA policies (id and conditions): enough to know whether any can apply. */
export function cachedSlaPolicies(db: Kysely<Database>, executor: Executor, organisationId: string, current: Stamps): Promise<CachedSlaPolicy[]> {
  return cachedActiveRows<CachedSlaPolicy>(executor, orgOf(db, organisationId), 'sla', 'sla_policies', ['id', 'conditions'], organisationId, current.fd_stamp_sla);
}

/** The organisation's ACTIVE webhook endpoints (id and events). */
export function cachedWebhookEndpoints(db: Kysely<Database>, executor: Executor, organisationId: string, current: Stamps): Promise<CachedEndpoint[]> {
  return cachedActiveRows<CachedEndpoint>(executor, orgOf(db, organisationId), 'webhooks', 'webhook_endpoints', ['id', 'events'], organisationId, current.fd_stamp_webhooks);
}
