// SQL for tickets (the minimal ticket of the foundation schema).
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, Ticket } from '../../db/types.ts';
import type { TicketScope } from '../../auth/principal.ts';
import { ticketScopeSql } from '../../auth/scope.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface TicketInput {
  subject: string;
  body?: string;
  priority?: string;
  fields?: Record<string, unknown>;
  tags?: string[];
}

export async function insertTicket(db: Executor, input: TicketInput): Promise<Ticket> {
  return db
    .insertInto('tickets')
    .values({
      subject: input.subject,
      body: input.body ?? '',
      ...(input.priority ? { priority: input.priority } : {}),
      fields: JSON.stringify(input.fields ?? {}),
      tags: input.tags ?? [],
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findTicket(db: Executor, id: string): Promise<Ticket | undefined> {
  return db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirst();
}

// ---- ticketing core: list, search, thread, attachments ----

export interface TicketFilter {
  /** Which tickets the caller may see (organisation, teams or customer). */
  scope: TicketScope;
  status?: string;
  priority?: string;
  channel?: string;
  assigneeAgentId?: string;
  /** Only tickets nobody is assigned to. */
  unassigned?: boolean;
  teamId?: string;
  customerId?: string;
  tag?: string;
  createdFrom?: string;
  createdTo?: string;
  /** Exclusive keyset position in (created_at desc, id desc) order. */
  after?: { createdAt: string; id: string };
  limit: number;
}

export type TicketListRow = Ticket & { cursor_ts: string };

/** Newest first on (created_at, id); fetches limit + 1 rows so the caller knows if more exist. */
export async function listTickets(db: Executor, filter: TicketFilter): Promise<TicketListRow[]> {
  let query = db
    .selectFrom('tickets as t')
    .selectAll('t')
    .select(sql<string>`to_char(t.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('cursor_ts'))
    .where(ticketScopeSql(filter.scope, 't'));
  if (filter.status) query = query.where('t.status', '=', filter.status);
  if (filter.priority) query = query.where('t.priority', '=', filter.priority);
  if (filter.channel) query = query.where('t.channel', '=', filter.channel);
  if (filter.assigneeAgentId) query = query.where('t.assignee_agent_id', '=', filter.assigneeAgentId);
  if (filter.unassigned) query = query.where('t.assignee_agent_id', 'is', null);
  if (filter.teamId) query = query.where('t.team_id', '=', filter.teamId);
  if (filter.customerId) query = query.where('t.customer_id', '=', filter.customerId);
  if (filter.tag) query = query.where(sql<boolean>`t.tags @> ARRAY[${filter.tag}]::text[]`);
  if (filter.createdFrom) query = query.where('t.created_at', '>=', new Date(filter.createdFrom));
  if (filter.createdTo) query = query.where('t.created_at', '<', new Date(filter.createdTo));
  if (filter.after) query = query.where(sql<boolean>`(t.created_at, t.id) < (${filter.after.createdAt}::timestamptz, ${filter.after.id}::uuid)`);
  return query.orderBy('t.created_at', 'desc').orderBy('t.id', 'desc').limit(filter.limit + 1).execute();
}

/** The SLA clocks of a page of tickets (one primary-key lookup per ticket), for the inbox's due/breached badges. */
export async function listSlaSummaries(db: Executor, ticketIds: readonly string[]) {
  if (ticketIds.length === 0) return [];
  return db
    .selectFrom('ticket_sla')
    .select(['ticket_id', 'first_response_due_at', 'resolution_due_at', 'first_response_met_at', 'resolution_met_at', 'first_response_breached_at', 'resolution_breached_at', 'paused_since'])
    .where('ticket_id', 'in', [...ticketIds])
    .execute();
}

export type TicketHitRow = Ticket & { rank: number; snippet: string };

const HEADLINE = 'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "';

/**
 * Full-text search: websearch_to_tsquery('english', q) against the ticket vector (subject weight A, body B)
 * and every message's vector; a ticket's rank is its best ts_rank_cd (so a subject hit outranks a body
 * hit, which outranks a match only in a later message). Snippets (ts_headline) are computed for the page only.
 */
/** `internalNotes: false` (a principal without tickets.internal) leaves internal notes out of matching and snippets. */
export async function searchTickets(db: Executor, scope: TicketScope, q: string, limit: number, offset: number, options: { internalNotes?: boolean } = {}): Promise<TicketHitRow[]> {
  const organisationId = scope.organisationId;
  const notes = options.internalNotes ?? true;
  const result = await sql<TicketHitRow>`
    WITH query AS (SELECT websearch_to_tsquery('english', ${q}) AS tsq),
    hits AS (
      SELECT t.id, ts_rank_cd(t.search, query.tsq) AS rank, NULL::uuid AS message_id
        FROM tickets t, query WHERE t.organisation_id = ${organisationId} AND t.search @@ query.tsq
      UNION ALL
      SELECT m.ticket_id, ts_rank_cd(m.search, query.tsq), m.id
        FROM messages m, query WHERE m.organisation_id = ${organisationId} AND m.search @@ query.tsq AND (${notes} OR m.visibility = 'public')
    ),
    best AS (
      SELECT DISTINCT ON (id) id, rank, message_id FROM hits ORDER BY id, rank DESC, message_id NULLS FIRST
    ),
    visible AS (SELECT best.* FROM best JOIN tickets t ON t.id = best.id WHERE ${ticketScopeSql(scope, 't')}),
    page AS (SELECT * FROM visible ORDER BY rank DESC, id LIMIT ${limit + 1} OFFSET ${offset})
    SELECT t.*, page.rank::float8 AS rank,
      CASE WHEN page.message_id IS NULL
        THEN ts_headline('english', t.subject || E'\n' || t.body, query.tsq, ${HEADLINE})
        ELSE ts_headline('english', m.body_text, query.tsq, ${HEADLINE}) END AS snippet
    FROM page JOIN tickets t ON t.id = page.id LEFT JOIN messages m ON m.id = page.message_id, query
    ORDER BY page.rank DESC, page.id`.execute(db);
  return result.rows;
}

export async function listThread(db: Executor, ticketId: string) {
  const messages = await db.selectFrom('messages').selectAll().where('ticket_id', '=', ticketId).orderBy('created_at').orderBy('id').execute();
  const attachments =
    messages.length === 0
      ? []
      : await db
          .selectFrom('attachments')
          .select(['id', 'message_id', 'filename', 'content_type', 'size_bytes', 'sha256', 'created_at'])
          .where('message_id', 'in', messages.map((m) => m.id))
          .orderBy('created_at')
          .execute();
  return { messages, attachments };
}

export async function findAttachment(db: Executor, ticketId: string, attachmentId: string) {
  return db
    .selectFrom('attachments as a')
    .innerJoin('messages as m', 'm.id', 'a.message_id')
    .select(['a.id', 'a.filename', 'a.content_type', 'a.size_bytes', 'a.sha256', 'a.content'])
    .where('a.id', '=', attachmentId)
    .where('m.ticket_id', '=', ticketId)
    .executeTakeFirst();
}
