// Inbound webhooks: a signed JSON delivery from a phone system, chat or social integration becomes a
// ticket (or a message on the ticket of the same external id). Order of checks, each before any write:
// source exists and is active (404) -> signature and timestamp (401) -> delivery id present (400) ->
// not seen before (409) -> JSON and mapping (400 with a pointer into the payload). Only then is the
// receipt recorded (its unique keys settle concurrent replays) and the ticket written; if the ticket
// work fails the receipt is removed again, so a sender may retry the same delivery.
import { sql, type Transaction } from 'kysely';
import type { Database } from '../../db/types.ts';
import { FlowdeskError, invalidInput } from '../../errors.ts';
import { addMessage, createTicket, resolveCustomer, type TicketingContext } from '../../ticketing/index.ts';
import { toRequestPaths } from '../../api/routes/ticketing-common.ts';
import { applyMapping, type WebhookMapping } from './mapping.ts';
import { DELIVERY_HEADER, SIGNATURE_HEADER, verifySignature } from './signature.ts';
import { openSecret, type SecretBox } from '../../secrets/index.ts';

export interface InboundRequest {
  sourceId: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** Unix seconds (injected in tests). */
  nowSeconds?: number;
  /** Decrypts the source's secret (stored encrypted at rest; legacy plaintext is read as is). */
  secrets?: SecretBox;
}

export interface InboundResult {
  action: 'created' | 'appended';
  ticket: { id: string; number: number };
  messageId: string;
  customerId: string | null;
}

const unauthorized = (reason: string) => new FlowdeskError('FD_BAD_SIGNATURE', 401, `webhook signature rejected: ${reason}`, [{ path: `/headers/${SIGNATURE_HEADER}`, message: `/headers/${SIGNATURE_HEADER}: ${reason}` }]);
const replayed = () => new FlowdeskError('FD_REPLAYED', 409, 'this delivery was already received (same X-Flowdesk-Delivery or same signature)', [{ path: `/headers/${DELIVERY_HEADER}`, message: `/headers/${DELIVERY_HEADER}: was already received` }]);

export async function receiveWebhook(ctx: TicketingContext, request: InboundRequest): Promise<InboundResult> {
  const source = await ctx.db.selectFrom('webhook_sources').selectAll().where('id', '=', request.sourceId).executeTakeFirst();
  if (!source || !source.active) throw new FlowdeskError('FD_NOT_FOUND', 404, `webhook source ${JSON.stringify(request.sourceId)} does not exist or is inactive`);

  const verdict = verifySignature(openSecret(request.secrets, source.secret, 'webhook_sources.secret'), request.headers[SIGNATURE_HEADER], request.rawBody, request.nowSeconds);
  if (!verdict.ok) throw unauthorized(verdict.reason);

  const nonce = request.headers[DELIVERY_HEADER];
  if (typeof nonce !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(nonce)) {
    const path = `/headers/${DELIVERY_HEADER}`;
    throw invalidInput(`${path}: is required (1..200 visible ASCII characters, unique per delivery)`, [{ path, message: `${path}: is required (1..200 visible ASCII characters, unique per delivery)` }]);
  }
  const seen = await ctx.db
    .selectFrom('webhook_receipts')
    .select('id')
    .where('source_id', '=', source.id)
    .where((eb) => eb.or([eb('nonce', '=', nonce), eb('signature', '=', verdict.signature)]))
    .executeTakeFirst();
  if (seen) throw replayed();

  let payload: unknown;
  try {
    payload = JSON.parse(request.rawBody.toString('utf8'));
  } catch {
    throw new FlowdeskError('FD_MALFORMED_JSON', 400, 'the request body is not valid JSON', [{ path: '/body', message: '/body: is not valid JSON' }]);
  }
  const mapped = applyMapping(source.mapping as WebhookMapping, payload);

  // Service error paths -> pointers into the payload.
  const rewrite: Record<string, string> = {};
  mapped.identities.forEach((identity, i) => {
    rewrite[`/customer/identities/${i}/value`] = `/body${identity.pointer}`;
    rewrite[`/identities/${i}/value`] = `/body${identity.pointer}`;
  });
  const identities = mapped.identities.map(({ kind, value }) => ({ kind, value }));

  // The receipt (replay protection) is written in the ticket's own transaction: a crash cannot leave a
  // receipt without its ticket (the retry refused as a replay) or a ticket without its receipt (a replay
  // accepted twice). Two concurrent deliveries of one nonce: the second insert finds the first's row and
  // its whole transaction rolls back as a replay.
  const recordReceipt = async (trx: Transaction<Database>, created: { ticketId: string; messageId: string }, externalRef?: string) => {
    const receipt = await trx
      .insertInto('webhook_receipts')
      .values({ source_id: source.id, nonce, signature: verdict.signature, ticket_id: created.ticketId, message_id: created.messageId })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!receipt) throw replayed();
    if (externalRef) await trx.insertInto('webhook_ticket_refs').values({ source_id: source.id, external_id: externalRef, ticket_id: created.ticketId }).onConflict((oc) => oc.doNothing()).execute();
  };

  try {
    const result = await withExternalIdLock(ctx, source.id, mapped.externalId, async () => {
      const ref = mapped.externalId
        ? await ctx.db.selectFrom('webhook_ticket_refs').select('ticket_id').where('source_id', '=', source.id).where('external_id', '=', mapped.externalId).executeTakeFirst()
        : undefined;
      if (ref) {
        const { customer } = await resolveCustomer(ctx.db, { organisationId: source.organisation_id, identities, name: mapped.name });
        const added = await addMessage(ctx, {
          ticketId: ref.ticket_id,
          visibility: 'public',
          authorType: 'customer',
          authorCustomerId: customer.id,
          channel: mapped.channel,
          bodyText: mapped.body,
          withinTransaction: (trx, created) => recordReceipt(trx, created),
        });
        return { action: 'appended' as const, ticket: { id: added.ticket.id, number: Number(added.ticket.number) }, messageId: added.message.id, customerId: customer.id };
      }
      const created = await createTicket(ctx, {
        organisationId: source.organisation_id,
        subject: mapped.subject,
        body: mapped.body,
        channel: mapped.channel,
        priority: mapped.priority as 'low' | 'normal' | 'high' | 'urgent' | undefined,
        tags: mapped.tags,
        customer: { identities, name: mapped.name },
        withinTransaction: (trx, ids) => recordReceipt(trx, ids, mapped.externalId),
      });
      return { action: 'created' as const, ticket: { id: created.ticket.id, number: Number(created.ticket.number) }, messageId: created.message.id, customerId: created.customer?.id ?? null };
    });
    return result;
  } catch (error) {
    throw toRequestPaths(error, '/body', rewrite);
  }
}

/** Serialises deliveries of one (source, external id) with a session advisory lock, so two concurrent first deliveries cannot open two tickets. */
async function withExternalIdLock<T>(ctx: TicketingContext, sourceId: string, externalId: string | undefined, work: () => Promise<T>): Promise<T> {
  if (!externalId) return work();
  return ctx.db.connection().execute(async (conn) => {
    const key = `flowdesk.webhook:${sourceId}:${externalId}`;
    await sql`SELECT pg_advisory_lock(hashtextextended(${key}, 0))`.execute(conn);
    try {
      return await work();
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtextextended(${key}, 0))`.execute(conn);
    }
  });
}
