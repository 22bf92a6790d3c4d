// Outbound webhooks and chat notifications. Design: an outbox. The ticketing flow calls
// queueWebhookEvent(trx, boss, ...) inside the transaction that changed the ticket; it writes one
// webhook_deliveries row (the delivery log) and one pg-boss job per subscribed endpoint in that same
// transaction, so an event is logged and delivered iff the change commits. The worker POSTs it (generic:
// the signed event JSON; slack: {text}; teams: a MessageCard), pg-boss retries failures with exponential
// backoff, and the log keeps attempts, last status and last error.
import { guardedFetch, OutboundBlockedError } from '../../net/outbound-guard.ts';
import { sql, type Kysely, type Transaction } from 'kysely';
import { fromKysely, type PgBoss } from 'pg-boss';
import { DEFAULT_ORGANISATION_ID } from '../../db/tables/ticketing.ts';
import type { WebhookEndpointKind } from '../../db/tables/webhooks.ts';
import type { Database } from '../../db/types.ts';
import { DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signatureHeader } from './signature.ts';
import { openSecret, type SecretBox } from '../../secrets/index.ts';

import { WEBHOOK_QUEUE } from '../../runtime/queues.ts';
export { WEBHOOK_QUEUE };
export const WEBHOOK_EVENTS = ['ticket.created', 'ticket.updated', 'message.created', 'workflow.notification'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookJobData {
  deliveryId: string;
}

export type WebhookBoss = Pick<PgBoss, 'send'>;

export interface QueueWebhookEventInput {
  organisationId?: string;
  event: WebhookEvent;
  ticketId: string;
  /** message.created: the message. */
  messageId?: string;
  /** ticket.updated: the names of the changed fields. */
  changed?: string[];
  /** workflow.notification: the text of a workflow's notify step. */
  text?: string;
}

/**
 * Records the event for every active endpoint of the organisation subscribed to it, inside `trx`.
 * Returns the delivery ids (empty when nobody listens: then nothing is written).
 */
export async function queueWebhookEvent(trx: Transaction<Database>, boss: WebhookBoss, input: QueueWebhookEventInput): Promise<string[]> {
  const organisationId = input.organisationId ?? DEFAULT_ORGANISATION_ID;
  const endpoints = await trx
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('organisation_id', '=', organisationId)
    .where('active', '=', true)
    .where(sql<boolean>`${input.event} = ANY(events)`)
    .execute();
  if (endpoints.length === 0) return [];
  const payload = await eventPayload(trx, input);
  const rows = await trx
    .insertInto('webhook_deliveries')
    .values(endpoints.map((e) => ({ endpoint_id: e.id, event: input.event, payload: JSON.stringify(payload) })))
    .returning('id')
    .execute();
  const db = fromKysely(trx);
  for (const row of rows) await boss.send(WEBHOOK_QUEUE, { deliveryId: row.id } satisfies WebhookJobData, { db });
  return rows.map((r) => r.id);
}

async function eventPayload(trx: Transaction<Database>, input: QueueWebhookEventInput): Promise<Record<string, unknown>> {
  const t = await trx
    .selectFrom('tickets')
    .select(['id', 'number', 'subject', 'status', 'priority', 'channel', 'tags', 'customer_id', 'assignee_agent_id', 'team_id', 'created_at', 'updated_at'])
    .where('id', '=', input.ticketId)
    .executeTakeFirstOrThrow();
  const ticket = {
    id: t.id,
    number: Number(t.number),
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    channel: t.channel,
    tags: t.tags,
    customerId: t.customer_id,
    assigneeAgentId: t.assignee_agent_id,
    teamId: t.team_id,
    createdAt: new Date(t.created_at).toISOString(),
    updatedAt: new Date(t.updated_at).toISOString(),
  };
  let message: Record<string, unknown> | undefined;
  if (input.messageId) {
    const m = await trx
      .selectFrom('messages')
      .select(['id', 'visibility', 'author_type', 'channel', 'body_text', 'created_at'])
      .where('id', '=', input.messageId)
      .executeTakeFirstOrThrow();
    message = { id: m.id, visibility: m.visibility, authorType: m.author_type, channel: m.channel, body: m.body_text.slice(0, 10_000), createdAt: new Date(m.created_at).toISOString() };
  }
  return { event: input.event, occurredAt: new Date().toISOString(), data: { ticket, ...(message ? { message } : {}), ...(input.changed ? { changed: input.changed } : {}), ...(input.text !== undefined ? { text: input.text } : {}) } };
}

/** The body an endpoint of `kind` receives for the stored event payload. */
export function shapeFor(kind: WebhookEndpointKind, payload: Record<string, any>, ticketUrlBase?: string): unknown {
  if (kind === 'generic') return payload;
  const t = payload.data?.ticket ?? {};
  const headline = describe(payload);
  const link = ticketUrlBase ? `${ticketUrlBase.replace(/\/$/, '')}/tickets/${t.id}` : undefined;
  if (kind === 'slack') {
    return { text: link ? `${headline} <${link}|open>` : headline };
  }
  return {
    '@type': 'MessageCard',
    '@context': 'https://schema.org/extensions',
    summary: headline,
    themeColor: t.priority === 'urgent' ? 'D13438' : t.priority === 'high' ? 'FF8C00' : '0078D7',
    title: headline,
    sections: [
      {
        facts: [
          { name: 'Status', value: String(t.status) },
          { name: 'Priority', value: String(t.priority) },
          { name: 'Channel', value: String(t.channel) },
        ],
        ...(payload.data?.message ? { text: String(payload.data.message.body).slice(0, 2000) } : {}),
      },
    ],
    ...(link ? { potentialAction: [{ '@type': 'OpenUri', name: 'Open ticket', targets: [{ os: 'default', uri: link }] }] } : {}),
  };
}

function describe(payload: Record<string, any>): string {
  const t = payload.data?.ticket ?? {};
  const ref = `#${t.number} ${t.subject}`;
  switch (payload.event) {
    case 'ticket.created':
      return `New ticket ${ref} (${t.priority}, via ${t.channel})`;
    case 'ticket.updated':
      return `Ticket ${ref} updated: ${(payload.data?.changed ?? []).join(', ') || 'changed'} (status ${t.status})`;
    case 'message.created':
      return `New ${payload.data?.message?.authorType ?? ''} message on ${ref}`.replace('  ', ' ');
    case 'workflow.notification':
      return `${String(payload.data?.text ?? '')} (${ref})`;
    default:
      return `${payload.event} ${ref}`;
  }
}

export interface DeliverOptions {
  /** This is the last attempt pg-boss will make: a failure marks the delivery failed instead of throwing. */
  lastAttempt: boolean;
  timeoutMs?: number;
  ticketUrlBase?: string;
  /** Decrypts the endpoint's secret (stored encrypted at rest; legacy plaintext is read as is). */
  secrets?: SecretBox;
}

/** One attempt. Throws on failure (so pg-boss retries) unless it was the last attempt. */
export async function deliverWebhook(db: Kysely<Database>, deliveryId: string, options: DeliverOptions): Promise<'delivered' | 'failed' | 'skipped'> {
  const row = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .select(['d.id', 'd.status', 'd.event', 'd.payload', 'e.url', 'e.kind', 'e.secret', 'e.active'])
    .where('d.id', '=', deliveryId)
    .executeTakeFirst();
  if (!row || row.status !== 'pending') return 'skipped';
  if (!row.active) {
    await db.updateTable('webhook_deliveries').set({ status: 'failed', last_error: 'endpoint is inactive' }).where('id', '=', deliveryId).execute();
    return 'failed';
  }
  const body = JSON.stringify(shapeFor(row.kind, row.payload as Record<string, unknown>, options.ticketUrlBase));
  let status: number | null = null;
  let error: string | null = null;
  let permanent = false;
  try {
    const response = await guardedFetch(row.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Flowdesk-Webhooks/1',
        [SIGNATURE_HEADER]: signatureHeader(openSecret(options.secrets, row.secret, 'webhook_endpoints.secret'), body),
        [DELIVERY_HEADER]: row.id,
        [EVENT_HEADER]: row.event,
      },
      body,
    });
    status = response.status;
    await response.body?.cancel().catch(() => undefined);
    if (status < 200 || status >= 300) error = `HTTP ${status}`;
  } catch (e) {
    // A private destination stays private: fail the delivery now instead of retrying it for hours.
    permanent = e instanceof OutboundBlockedError;
    error = ((e as Error).name === 'TimeoutError' ? 'timed out' : (e as Error).message).slice(0, 500);
  }
  const ok = error === null;
  await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      last_status: status,
      last_error: error,
      status: ok ? 'delivered' : options.lastAttempt || permanent ? 'failed' : 'pending',
      ...(ok ? { delivered_at: new Date() } : {}),
    }))
    .where('id', '=', deliveryId)
    .execute();
  if (!ok && !options.lastAttempt && !permanent) throw new Error(`webhook delivery ${deliveryId} failed: ${error}`);
  return ok ? 'delivered' : 'failed';
}

/** Re-queues a failed delivery (a fresh series of attempts). */
export async function retryDelivery(db: Kysely<Database>, boss: WebhookBoss, deliveryId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const updated = await trx.updateTable('webhook_deliveries').set({ status: 'pending' }).where('id', '=', deliveryId).where('status', '=', 'failed').returning('id').executeTakeFirst();
    if (!updated) return false;
    await boss.send(WEBHOOK_QUEUE, { deliveryId } satisfies WebhookJobData, { db: fromKysely(trx) });
    return true;
  });
}
