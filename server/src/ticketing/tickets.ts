// Ticket services shared by every intake channel (REST, web form, and next the email and webhook
// channels): create a ticket with its first message, add messages, change a ticket. Each write is one
// transaction; workflows start inside it (so a ticket never exists without the runs its triggers demand)
// and ticket events reach the waiting runs right after it commits.
import { sql, type Transaction } from 'kysely';
import { TICKET_STATUSES, type TicketStatus } from '@flowdesk/schema';
import type { TicketEventBatch } from '../runtime/ticket-events.ts';
import type { Customer, CustomerIdentity, IdentityKind, Message } from '../db/tables/ticketing.ts';
import { DEFAULT_ORGANISATION_ID } from '../db/tables/ticketing.ts';
import type { Database, Run, Ticket } from '../db/types.ts';
import { FlowdeskError, invalidInput, notFound, type ErrorDetail } from '../errors.ts';
import { assertNoNul, prepareAttachments, type AttachmentInput, type PreparedAttachment } from './attachments.ts';
import { resolveCustomer, survivorOf, type IdentityInput } from './customers.ts';
import { assertFields, organisationFieldsSchema } from './fields.ts';
import { cachedFieldsSchema, cachedLatestVersions, cachedSlaPolicies, cachedWebhookEndpoints, fieldsSchemaCurrent, stampColumns, withoutStamps, type CachedVersion, type Stamps } from './org-cache.ts';
import { conditionsMatch } from '../sla/index.ts';
import { matchesTrigger } from '@flowdesk/engine';
import { ticketFacts } from '../runtime/ticket-facts.ts';
import { slaAfterChange, slaForNewTicket } from './sla-hooks.ts';
import { queueWebhookEvent } from '../channels/webhooks/index.ts';
import { recordCorrections } from '../ai/feedback.ts';
import type { Executor, TicketingContext } from './types.ts';

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const CHANNELS = ['api', 'email', 'portal', 'web_form', 'chat', 'phone', 'social', 'webhook'] as const;
export type Channel = (typeof CHANNELS)[number];
export { TICKET_STATUSES };
export type { TicketStatus };

const bad = (path: string, message: string) => invalidInput(`${path}: ${message}`, [{ path, message: `${path}: ${message}` }]);

export interface MessageExtras {
  emailMessageId?: string;
  /** Sender address of an inbound email. */
  fromAddress?: string;
  inReplyTo?: string;
  references?: string[];
  bodyHtml?: string;
  attachments?: AttachmentInput[];
}

export interface CreateTicketInput {
  organisationId?: string;
  subject: string;
  body: string;
  priority?: Priority;
  channel: Channel;
  customer?: { identities: IdentityInput[]; name?: string; language?: string };
  customerId?: string;
  fields?: Record<string, unknown>;
  tags?: string[];
  message?: MessageExtras;
  /** Runs inside the ticket's transaction before commit (e.g. a channel's receipt), so both exist or neither. */
  withinTransaction?: WithinTransaction;
}

/** Extra writes a channel makes atomically with the ticket or message it creates. */
export type WithinTransaction = (trx: Transaction<Database>, created: { ticketId: string; messageId: string }) => Promise<void>;

export interface CreateTicketResult {
  ticket: Ticket;
  message: Message;
  attachments: StoredAttachment[];
  customer: Customer | null;
  runs: Run[];
  /** The workflow (id, key, version, definition) of each started run, by version id, when known without a read. */
  workflows?: ReadonlyMap<string, CachedVersion>;
  /** The customer's identities as of the ticket's insert (ordered by created_at, id), when known without a read. */
  customerIdentities?: CustomerIdentity[];
}

type IdentityJson = Omit<CustomerIdentity, 'created_at'> & { created_at: string };

export type StoredAttachment = Omit<PreparedAttachment, 'content'> & { id: string; message_id: string; created_at: Date };

function checkEnum<T extends string>(value: string | undefined, allowed: readonly T[], path: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw bad(path, `must be one of: ${allowed.map((v) => JSON.stringify(v)).join(', ')}`);
  return value as T;
}

function checkTags(tags: readonly string[] | undefined, path: string): string[] | undefined {
  if (tags === undefined) return undefined;
  const out = new Set<string>();
  tags.forEach((tag, i) => {
    const t = tag.trim();
    if (t.length === 0 || t.length > 100) throw bad(`${path}/${i}`, 'must be 1..100 characters');
    out.add(t);
  });
  if (out.size > 100) throw bad(path, 'at most 100 tags');
  return [...out].sort();
}

async function insertAttachments(trx: Transaction<Database>, organisationId: string, messageId: string, prepared: PreparedAttachment[]): Promise<StoredAttachment[]> {
  if (prepared.length === 0) return [];
  const rows = await trx
    .insertInto('attachments')
    .values(prepared.map((a) => ({ ...a, organisation_id: organisationId, message_id: messageId })))
    .returning(['id', 'message_id', 'filename', 'content_type', 'size_bytes', 'sha256', 'content_id', 'created_at'])
    .execute();
  return rows;
}

const organisationNotFound = (organisationId: string) =>
  new FlowdeskError('FD_NOT_FOUND', 404, `organisation ${JSON.stringify(organisationId)} does not exist`, [{ path: '/organisationId', message: '/organisationId: does not exist' }]);

/**
 * Starts the workflows whose `ticket.created` trigger matches the ticket just inserted — what
 * runtime.startRunsForTicket does (latest version of every workflow, in workflow id order, matchesTrigger on
 * the ticket's facts), but from the row in hand and the cached latest versions (checked against `stamps`).
 * A runtime without startRun (a test double) takes startRunsForTicket.
 */
async function startCreatedRuns(ctx: TicketingContext, trx: Transaction<Database>, ticket: Ticket, stamps: Stamps): Promise<{ runs: Run[]; workflows: Map<string, CachedVersion> }> {
  const workflows = new Map<string, CachedVersion>();
  const startRun = ctx.runtime.startRun?.bind(ctx.runtime);
  if (!startRun) return { runs: await ctx.runtime.startRunsForTicket(ticket.id, 'ticket.created', trx), workflows };
  const versions = await cachedLatestVersions(ctx.db, trx, stamps);
  const facts = ticketFacts(ticket);
  const runs: Run[] = [];
  for (const version of versions) {
    if (!(await matchesTrigger(version.definition, facts, 'ticket.created'))) continue;
    const { run } = await startRun({ workflowVersionId: version.id, ticketId: ticket.id }, trx);
    runs.push(run);
    workflows.set(version.id, version);
  }
  return { runs, workflows };
}

/**
 * Creates a ticket, its first public message (with attachments) and starts the workflows whose
 * `ticket.created` trigger matches, all in ONE transaction. Bad input (custom fields against the
 * organisation's schema at /fields/..., attachments at /message/attachments/..., identities at
 * /customer/identities/...) throws before anything is written.
 */
export async function createTicket(ctx: TicketingContext, input: CreateTicketInput): Promise<CreateTicketResult> {
  const organisationId = input.organisationId ?? DEFAULT_ORGANISATION_ID;
  assertNoNul(input);
  const priority = checkEnum(input.priority, PRIORITIES, '/priority');
  const channel = checkEnum(input.channel, CHANNELS, '/channel')!;
  const tags = checkTags(input.tags, '/tags');
  if (input.subject.trim().length === 0) throw bad('/subject', 'must not be empty');
  if (input.customer && input.customerId) throw bad('/customerId', 'give either customer or customerId, not both');
  const prepared = prepareAttachments(input.message?.attachments, '/message/attachments');
  // The schema as this process last saw it; checked against the stamp the ticket INSERT returns (org-cache.ts).
  const schema = await cachedFieldsSchema(ctx.db, ctx.db, organisationId);
  if (!schema) throw organisationNotFound(organisationId);
  const fields = input.fields ?? {};
  try {
    assertFields(schema, fields, '/fields');
  } catch {
    // Rejected by the cached schema: only the current one may say so.
    const current = await cachedFieldsSchema(ctx.db, ctx.db, organisationId, 'reload');
    if (!current) throw organisationNotFound(organisationId);
    assertFields(current, fields, '/fields');
  }

  const result = await ctx.db.transaction().execute(async (trx) => {
    let customer: Customer | null = null;
    if (input.customer) {
      try {
        customer = (await resolveCustomer(trx, { organisationId, ...input.customer })).customer;
      } catch (error) {
        throw prefixDetails(error, '/customer');
      }
    } else if (input.customerId) {
      const found = await survivorOf(trx, input.customerId);
      if (!found || found.organisation_id !== organisationId) throw new FlowdeskError('FD_NOT_FOUND', 404, `customer ${JSON.stringify(input.customerId)} does not exist`, [{ path: '/customerId', message: '/customerId: does not exist' }]);
      customer = found;
    }
    const inserted = await trx
      .insertInto('tickets')
      .values({
        organisation_id: organisationId,
        subject: input.subject,
        body: input.body,
        channel,
        ...(priority ? { priority } : {}),
        fields: JSON.stringify(fields),
        tags: tags ?? [],
        customer_id: customer?.id ?? null,
      })
      .returningAll()
      .returning(stampColumns(organisationId))
      // The customer's identities for the caller's answer (the same rows identitiesOf() would read).
      .returning(sql<IdentityJson[] | null>`(SELECT json_agg(json_build_object('id', ci.id, 'organisation_id', ci.organisation_id, 'customer_id', ci.customer_id, 'kind', ci.kind, 'value', ci.value, 'verified', ci.verified, 'created_at', ci.created_at::text) ORDER BY ci.created_at, ci.id) FROM customer_identities ci WHERE ci.customer_id = tickets.customer_id)`.as('fd_identities'))
      .executeTakeFirstOrThrow();
    const { fd_identities: identityRows, ...withStamps } = inserted;
    const { row: ticket, stamps } = withoutStamps<Ticket>(withStamps);
    // Parsed as the pool parses timestamptz text (db/database.ts), so the Dates are the ones a read would give.
    const customerIdentities: CustomerIdentity[] = (identityRows ?? []).map((i) => ({ ...i, created_at: new Date(i.created_at) }));
    if (!fieldsSchemaCurrent(ctx.db, organisationId, stamps)) {
      // The schema changed since it was cached: validate against the current one (a throw rolls back).
      const current = await cachedFieldsSchema(ctx.db, trx, organisationId, stamps);
      if (!current) throw organisationNotFound(organisationId);
      assertFields(current, fields, '/fields');
    }
    const message = await trx
      .insertInto('messages')
      .values({
        organisation_id: organisationId,
        ticket_id: ticket.id,
        visibility: 'public',
        author_type: customer ? 'customer' : 'system',
        author_customer_id: customer?.id ?? null,
        author_agent_id: null,
        channel,
        body_text: input.body,
        body_html: input.message?.bodyHtml ?? null,
        email_message_id: input.message?.emailMessageId ?? null,
        from_address: input.message?.fromAddress ?? null,
        in_reply_to: input.message?.inReplyTo ?? null,
        references: input.message?.references ?? [],
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const attachments = await insertAttachments(trx, organisationId, message.id, prepared);
    // A new ticket has no SLA row yet, so the SLA engine writes something only if an active policy matches.
    const policies = await cachedSlaPolicies(ctx.db, trx, organisationId, stamps);
    if (policies.some((p) => conditionsMatch(p.conditions, ticket))) await slaForNewTicket(ctx.runtime, trx, ticket.id);
    const { runs, workflows } = await startCreatedRuns(ctx, trx, ticket, stamps);
    const endpoints = await cachedWebhookEndpoints(ctx.db, trx, organisationId, stamps);
    if (endpoints.some((e) => e.events.includes('ticket.created'))) {
      await queueWebhookEvent(trx, ctx.runtime.boss, { event: 'ticket.created', ticketId: ticket.id, organisationId });
    }
    await input.withinTransaction?.(trx, { ticketId: ticket.id, messageId: message.id });
    return { ticket, message, attachments, customer, runs, workflows, customerIdentities: customer ? customerIdentities : [] };
  });
  ctx.logger.info({ ticketId: result.ticket.id, number: result.ticket.number, channel, runs: result.runs.length }, 'ticket created');
  return result;
}

export interface AddMessageInput {
  ticketId: string;
  visibility: 'public' | 'internal';
  authorType: 'customer' | 'agent' | 'system';
  authorCustomerId?: string;
  authorAgentId?: string;
  channel: string;
  bodyText: string;
  bodyHtml?: string;
  emailMessageId?: string;
  /** Sender address of an inbound email. */
  fromAddress?: string;
  inReplyTo?: string;
  references?: string[];
  attachments?: AttachmentInput[];
  /** Runs inside the message's transaction before commit. */
  withinTransaction?: WithinTransaction;
}

export interface AddMessageResult {
  ticket: Ticket;
  message: Message;
  attachments: StoredAttachment[];
}

async function lockTicket(trx: Transaction<Database>, ticketId: string): Promise<Ticket> {
  const ticket = await trx.selectFrom('tickets').selectAll().where('id', '=', ticketId).forUpdate().executeTakeFirst();
  if (!ticket) throw notFound('ticket', ticketId);
  return ticket;
}

/** Inserts a message inside `trx`; returns the ticket events it implies (sent after commit). */
export async function insertMessage(trx: Transaction<Database>, input: AddMessageInput, prepared: PreparedAttachment[]): Promise<AddMessageResult & { events: string[] }> {
  let ticket = await lockTicket(trx, input.ticketId);
  if (input.visibility === 'internal' && input.authorType === 'customer') throw bad('/visibility', 'a customer cannot write an internal note');
  let authorCustomerId: string | null = null;
  let authorAgentId: string | null = null;
  if (input.authorType === 'customer') {
    const id = input.authorCustomerId ?? ticket.customer_id;
    if (!id) throw bad('/authorCustomerId', 'is required: the ticket has no customer');
    const customer = await survivorOf(trx, id);
    if (!customer || customer.organisation_id !== ticket.organisation_id) throw bad('/authorCustomerId', 'does not exist');
    authorCustomerId = customer.id;
  } else if (input.authorType === 'agent') {
    if (input.authorAgentId) {
      const agent = await trx.selectFrom('agents').select(['id', 'organisation_id']).where('id', '=', input.authorAgentId).executeTakeFirst();
      if (!agent || agent.organisation_id !== ticket.organisation_id) throw bad('/authorAgentId', 'does not exist');
      authorAgentId = agent.id;
    }
  }
  const message = await trx
    .insertInto('messages')
    .values({
      organisation_id: ticket.organisation_id,
      ticket_id: ticket.id,
      visibility: input.visibility,
      author_type: input.authorType,
      author_customer_id: authorCustomerId,
      author_agent_id: authorAgentId,
      channel: input.channel,
      body_text: input.bodyText,
      body_html: input.bodyHtml ?? null,
      email_message_id: input.emailMessageId ?? null,
      from_address: input.fromAddress ?? null,
      in_reply_to: input.inReplyTo ?? null,
      references: input.references ?? [],
      // Wall-clock time, not the transaction's: several messages written in one transaction keep their order.
      created_at: sql<Date>`clock_timestamp()`,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const attachments = await insertAttachments(trx, ticket.organisation_id, message.id, prepared);
  const events: string[] = [];
  const now = new Date();
  if (input.visibility === 'public' && input.authorType === 'agent') {
    ticket = await trx
      .updateTable('tickets')
      .set({ first_responded_at: sql`coalesce(first_responded_at, ${now}::timestamptz)`, updated_at: now })
      .where('id', '=', ticket.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  } else if (input.visibility === 'public' && input.authorType === 'customer') {
    // The customer answered: a ticket waiting for them is open again.
    ticket = await trx
      .updateTable('tickets')
      .set({ status: sql`CASE WHEN status IN ('waiting_customer', 'pending') THEN 'open' ELSE status END`, updated_at: now })
      .where('id', '=', ticket.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    events.push('customer.replied');
  } else {
    ticket = await trx.updateTable('tickets').set({ updated_at: now }).where('id', '=', ticket.id).returningAll().executeTakeFirstOrThrow();
  }
  return { ticket, message, attachments, events };
}

/**
 * Adds a message to a ticket's thread. An agent's first public reply sets first_responded_at; a customer's
 * public message reopens a ticket waiting for them and sends `ticket.event customer.replied` to the
 * ticket's active runs after commit (runs that do not wait for it ignore it).
 */
export async function addMessage(ctx: TicketingContext, input: AddMessageInput): Promise<AddMessageResult> {
  assertNoNul(input);
  const prepared = prepareAttachments(input.attachments, '/attachments');
  const { events: _events, batch, ...result } = await ctx.db.transaction().execute(async (trx) => {
    const inserted = await insertMessage(trx, input, prepared);
    await slaAfterChange(ctx.runtime, trx, inserted.ticket.id);
    await queueWebhookEvent(trx, ctx.runtime.boss, { event: 'message.created', ticketId: inserted.ticket.id, messageId: inserted.message.id, organisationId: inserted.ticket.organisation_id });
    await input.withinTransaction?.(trx, { ticketId: inserted.ticket.id, messageId: inserted.message.id });
    return { ...inserted, batch: await ctx.runtime.queueTicketEvents(trx, inserted.ticket.id, inserted.events) };
  });
  await notifyRuns(ctx, batch);
  return result;
}

export interface TicketPatch {
  subject?: string;
  status?: TicketStatus;
  priority?: Priority;
  assigneeAgentId?: string | null;
  teamId?: string | null;
  /** Replaces the tags. */
  tags?: string[];
  addTags?: string[];
  removeTags?: string[];
  /** Merged into the custom fields (a null value removes the field), then validated as a whole. */
  fields?: Record<string, unknown>;
}

export interface UpdateTicketResult {
  ticket: Ticket;
  changed: string[];
  runs: Run[];
}

/** Who makes a change: an agent (REST, macros) or the system (workflow actions, AI nodes). */
export interface PatchOptions {
  /**
   * 'agent': a change of a field an AI classify node set is an agent's correction and is recorded as
   * ai_feedback in this transaction (server/src/ai/feedback.ts). Default 'system': never a correction.
   */
  actor?: 'agent' | 'system';
}

/** Applies a patch to a locked ticket inside `trx`; returns what changed. Validation errors point at `/<field>`. */
export async function patchTicket(trx: Transaction<Database>, ticketId: string, patch: TicketPatch, options: PatchOptions = {}): Promise<{ ticket: Ticket; before: Ticket; changed: string[] }> {
  assertNoNul(patch);
  const before = await lockTicket(trx, ticketId);
  const status = checkEnum(patch.status, TICKET_STATUSES, '/status');
  const priority = checkEnum(patch.priority, PRIORITIES, '/priority');
  const set: Record<string, unknown> = {};
  const changed: string[] = [];
  if (patch.subject !== undefined) {
    if (patch.subject.trim().length === 0) throw bad('/subject', 'must not be empty');
    if (patch.subject !== before.subject) {
      set.subject = patch.subject;
      changed.push('subject');
    }
  }
  if (status && status !== before.status) {
      set.status = status;
      changed.push('status');
    }
  if (priority && priority !== before.priority) {
      set.priority = priority;
      changed.push('priority');
    }
  if (patch.assigneeAgentId !== undefined && patch.assigneeAgentId !== before.assignee_agent_id) {
    if (patch.assigneeAgentId !== null) {
      const agent = await trx.selectFrom('agents').select(['organisation_id', 'active']).where('id', '=', patch.assigneeAgentId).executeTakeFirst();
      if (!agent || agent.organisation_id !== before.organisation_id) throw bad('/assigneeAgentId', 'no such agent');
      if (!agent.active) throw bad('/assigneeAgentId', 'the agent is not active');
    }
    set.assignee_agent_id = patch.assigneeAgentId;
    changed.push('assignee');
  }
  if (patch.teamId !== undefined && patch.teamId !== before.team_id) {
    if (patch.teamId !== null) {
      const team = await trx.selectFrom('teams').select('organisation_id').where('id', '=', patch.teamId).executeTakeFirst();
      if (!team || team.organisation_id !== before.organisation_id) throw bad('/teamId', 'no such team');
    }
    set.team_id = patch.teamId;
    changed.push('team');
  }
  if (patch.tags !== undefined || patch.addTags !== undefined || patch.removeTags !== undefined) {
    const replace = checkTags(patch.tags, '/tags');
    const add = checkTags(patch.addTags, '/addTags') ?? [];
    const remove = new Set(checkTags(patch.removeTags, '/removeTags') ?? []);
    const next = [...new Set([...(replace ?? before.tags), ...add])].filter((t) => !remove.has(t)).sort();
    if (next.length > 100) throw bad('/tags', 'at most 100 tags');
    if (JSON.stringify(next) !== JSON.stringify([...before.tags].sort())) {
      set.tags = next;
      changed.push('tags');
    }
  }
  if (patch.fields !== undefined) {
    const merged: Record<string, unknown> = { ...(before.fields as Record<string, unknown>) };
    for (const [key, value] of Object.entries(patch.fields)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    const schema = (await organisationFieldsSchema(trx, before.organisation_id)) ?? { type: 'object' };
    assertFields(schema, merged, '/fields');
    if (JSON.stringify(merged) !== JSON.stringify(before.fields)) {
      set.fields = JSON.stringify(merged);
      changed.push('fields');
    }
  }
  if (changed.length === 0) return { ticket: before, before, changed };
  const ticket = await trx
    .updateTable('tickets')
    .set({ ...set, updated_at: new Date() })
    .where('id', '=', ticketId)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (options.actor === 'agent' && (changed.includes('fields') || changed.includes('priority'))) await recordCorrections(trx, before, ticket);
  return { ticket, before, changed };
}

/** The ticket events a set of changes sends to the ticket's runs. */
export function changeEvents(changed: readonly string[]): string[] {
  if (changed.length === 0) return [];
  const events = ['ticket.updated'];
  if (changed.includes('priority')) events.push('priority.changed');
  if (changed.includes('status')) events.push('status.changed');
  if (changed.includes('assignee')) events.push('assignee.changed');
  return events;
}

/**
 * Changes status/priority/assignee/team/tags/fields/subject. In one transaction: the ticket row is locked,
 * changed, and the workflows whose trigger is `ticket.updated` start; after commit the ticket's active runs
 * get `ticket.updated` (and `priority.changed` / `status.changed` / `assignee.changed` when those changed).
 * A patch that changes nothing writes nothing and sends nothing. The actor defaults to 'agent' (PATCH
 * /api/tickets/:id): changing a field the AI set records an ai_feedback correction in the same transaction.
 */
export async function updateTicket(ctx: TicketingContext, ticketId: string, patch: TicketPatch, options: PatchOptions = { actor: 'agent' }): Promise<UpdateTicketResult> {
  const result = await ctx.db.transaction().execute(async (trx) => {
    const { ticket, changed } = await patchTicket(trx, ticketId, patch, options);
    if (changed.length > 0) {
      await slaAfterChange(ctx.runtime, trx, ticketId);
      await queueWebhookEvent(trx, ctx.runtime.boss, { event: 'ticket.updated', ticketId, changed, organisationId: ticket.organisation_id });
    }
    const runs = changed.length > 0 ? await ctx.runtime.startRunsForTicket(ticketId, 'ticket.updated', trx) : [];
    const batch = await ctx.runtime.queueTicketEvents(trx, ticketId, changeEvents(changed), new Set(runs.map((r) => r.id)));
    return { ticket, changed, runs, batch };
  });
  const { batch, ...out } = result;
  await notifyRuns(ctx, batch);
  return out;
}

/**
 * Delivers a committed batch of ticket events to the runs it names, right away. The batch is also an
 * outbox job written in the same transaction, so if this process dies before (or while) delivering, a
 * worker delivers it; event keys make the second delivery a no-op for runs that already applied it.
 */
export async function notifyRuns(ctx: TicketingContext, batch: TicketEventBatch | null): Promise<void> {
  if (!batch) return;
  try {
    await ctx.runtime.deliverTicketEvents(batch);
  } catch (error) {
    ctx.logger.warn({ err: error, ticketId: batch.ticketId, events: batch.names }, 'ticket events not delivered now; the outbox worker will retry');
  }
}

/** Re-roots an error's detail paths under `prefix` (service paths are relative to the service input). */
export function prefixDetails(error: unknown, prefix: string): unknown {
  if (!(error instanceof FlowdeskError) || error.details.length === 0) return error;
  const details: ErrorDetail[] = error.details.map((d) => ({
    path: `${prefix}${d.path}`,
    message: d.message.startsWith(d.path) ? `${prefix}${d.message}` : d.message,
  }));
  const message = error.message.startsWith(error.details[0]!.path) ? `${prefix}${error.message}` : error.message;
  return new FlowdeskError(error.code, error.statusCode, message, details);
}

export type { IdentityKind, Executor };
