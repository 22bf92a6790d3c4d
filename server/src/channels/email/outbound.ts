// Outbound email, durable in three steps:
//  1. A trigger (migration 0005) writes an outbound_emails row 'pending' for every public agent/system
//     message on an email ticket, in the transaction that inserts the message. Nothing in the ticketing
//     services knows about email, and no reply can be committed without its outbox row.
//  2. The dispatcher (every worker process, each poll interval) claims pending rows with
//     FOR UPDATE SKIP LOCKED, marks them 'queued' and inserts one pg-boss job per row in the same
//     transaction.
//  3. The job handler renders the mail with threading headers and sends it over SMTP (FLOWDESK_SMTP_URL),
//     or, without a URL, captures it (status 'captured', raw source kept, GET /api/dev/outbox). Failures
//     are retried by pg-boss; the last attempt marks the row 'failed'.
// Delivery is at-least-once: a crash between the SMTP "250" and the status update sends the mail again
// with the same Message-ID, which mail clients treat as the same message.
import type { Kysely } from 'kysely';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type { Job, PgBoss } from 'pg-boss';
import { fromKysely } from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../../db/types.ts';
import { EMAIL_OUTBOUND_QUEUE } from '../../runtime/queues.ts';
import type { EmailConfig } from './config.ts';

export { EMAIL_OUTBOUND_QUEUE };

export interface OutboundJobData {
  outboundId: string;
}

export interface OutboundDeps {
  db: Kysely<Database>;
  boss: PgBoss;
  logger: Logger;
  email: EmailConfig;
}

/** Moves pending outbox rows into pg-boss jobs (one transaction). Returns how many. */
export async function dispatchPending(deps: Pick<OutboundDeps, 'db' | 'boss'>, limit = 50): Promise<number> {
  return deps.db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('outbound_emails').select('id').where('status', '=', 'pending').orderBy('created_at').limit(limit).forUpdate().skipLocked().execute();
    if (rows.length === 0) return 0;
    await trx.updateTable('outbound_emails').set({ status: 'queued' }).where('id', 'in', rows.map((r) => r.id)).execute();
    await deps.boss.insert(EMAIL_OUTBOUND_QUEUE, rows.map((r) => ({ data: { outboundId: r.id } satisfies OutboundJobData })), { db: fromKysely(trx) });
    return rows.length;
  });
}

/** Polls the outbox every `intervalMs` until stopped. */
export function startDispatcher(deps: OutboundDeps, intervalMs: number): { stop(): Promise<void> } {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const tick = async () => {
    try {
      while (!stopped && (await dispatchPending(deps)) > 0);
    } catch (error) {
      deps.logger.warn({ err: error }, 'email outbox dispatch failed; retrying');
    }
  };
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return; // a slow database must not pile up ticks
    busy = true;
    running = running.then(tick).finally(() => {
      busy = false;
    });
  }, intervalMs);
  running = running.then(tick);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

let transportCache: { url: string; transport: Transporter } | null = null;
function smtpTransport(url: string): Transporter {
  if (transportCache?.url !== url) transportCache = { url, transport: nodemailer.createTransport(url) };
  return transportCache.transport;
}
const captureTransport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'crlf' });

export interface RenderedEmail {
  to: string;
  subject: string;
  messageId: string;
  inReplyTo: string | null;
  references: string[];
}

/** Sends (or captures) one outbox row. `finalAttempt`: a failure marks the row failed instead of throwing. */
export async function sendOutbound(deps: OutboundDeps, outboundId: string, finalAttempt = false): Promise<void> {
  const { db, email } = deps;
  const row = await db.selectFrom('outbound_emails').selectAll().where('id', '=', outboundId).executeTakeFirst();
  if (!row || row.status === 'sent' || row.status === 'captured' || row.status === 'failed') return;
  const message = await db.selectFrom('messages').selectAll().where('id', '=', row.message_id).executeTakeFirstOrThrow();
  const ticket = await db.selectFrom('tickets').select(['id', 'number', 'subject', 'customer_id']).where('id', '=', row.ticket_id).executeTakeFirstOrThrow();
  const fail = async (reason: string) => {
    await db.updateTable('outbound_emails').set({ status: 'failed', last_error: reason, attempts: row.attempts + 1 }).where('id', '=', row.id).execute();
    deps.logger.warn({ outboundId, reason }, 'outbound email failed for good');
  };

  // The recipient: the address the customer last wrote from on this ticket, else their oldest email identity.
  const lastFrom = await db
    .selectFrom('messages')
    .select('from_address')
    .where('ticket_id', '=', ticket.id)
    .where('author_type', '=', 'customer')
    .where('from_address', 'is not', null)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  let to: string | null = lastFrom?.from_address ?? null;
  if (!to && ticket.customer_id) {
    const customer = await db.selectFrom('customers').select(['id', 'merged_into']).where('id', '=', ticket.customer_id).executeTakeFirst();
    const customerId = customer?.merged_into ?? customer?.id;
    if (customerId) {
      const identity = await db.selectFrom('customer_identities').select('value').where('customer_id', '=', customerId).where('kind', '=', 'email').orderBy('created_at').executeTakeFirst();
      to = identity?.value ?? null;
    }
  }
  if (!to) return fail('the ticket has no customer with an email address');

  // Threading: In-Reply-To the customer's last mail before this message; References the thread's ids.
  const earlier = await db
    .selectFrom('messages')
    .select(['email_message_id', 'author_type'])
    .where('ticket_id', '=', ticket.id)
    .where('email_message_id', 'is not', null)
    .where('id', '!=', message.id)
    .where('created_at', '<=', message.created_at)
    .orderBy('created_at')
    .execute();
  const lastCustomer = [...earlier].reverse().find((m) => m.author_type === 'customer');
  const inReplyTo = lastCustomer?.email_message_id ?? earlier.at(-1)?.email_message_id ?? null;
  const references = earlier.map((m) => m.email_message_id!).slice(-20);
  const messageId = message.email_message_id ?? `<${message.id}@${email.domain}>`;
  if (!message.email_message_id) await db.updateTable('messages').set({ email_message_id: messageId }).where('id', '=', message.id).where('email_message_id', 'is', null).execute();
  const base = ticket.subject.replace(/\s*\[#\d+\]\s*/g, ' ').trim();
  const subject = `${/^re:/i.test(base) ? base : `Re: ${base}`} [#${ticket.number}]`;

  const attachments = await db.selectFrom('attachments').select(['filename', 'content_type', 'content', 'content_id']).where('message_id', '=', message.id).execute();
  const mail: SendMailOptions = {
    from: { name: email.fromName, address: email.fromAddress },
    to,
    subject,
    messageId,
    ...(inReplyTo ? { inReplyTo } : {}),
    ...(references.length > 0 ? { references } : {}),
    text: message.body_text,
    ...(message.body_html ? { html: message.body_html } : {}),
    // RFC 3834: we answer automatically-processed mail; other systems must not auto-reply to us.
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All', 'X-Flowdesk-Ticket': String(ticket.number) },
    attachments: attachments.map((a) => ({ filename: a.filename, contentType: a.content_type, content: a.content, ...(a.content_id ? { cid: a.content_id } : {}) })),
  };
  const rendered = { to_address: to, subject, message_id_header: messageId, in_reply_to: inReplyTo, references };
  try {
    const captured = await captureTransport.sendMail(mail);
    const raw = (captured.message as Buffer).toString('utf8');
    if (email.smtpUrl) await smtpTransport(email.smtpUrl).sendMail(mail);
    await db
      .updateTable('outbound_emails')
      .set({ ...rendered, raw, status: email.smtpUrl ? 'sent' : 'captured', attempts: row.attempts + 1, last_error: null, sent_at: new Date() })
      .where('id', '=', row.id)
      .execute();
    deps.logger.info({ outboundId, ticketId: ticket.id, to, messageId, captured: !email.smtpUrl }, email.smtpUrl ? 'email sent' : 'email captured (no FLOWDESK_SMTP_URL)');
  } catch (error) {
    const reason = (error as Error).message;
    if (finalAttempt) return fail(reason);
    await db.updateTable('outbound_emails').set({ ...rendered, attempts: row.attempts + 1, last_error: reason }).where('id', '=', row.id).execute();
    throw error;
  }
}

/** The pg-boss handler: retried by pg-boss; the last attempt records the failure instead of throwing. */
export async function handleOutboundJob(deps: OutboundDeps, job: Job<OutboundJobData>, retryLimit: number): Promise<void> {
  await sendOutbound(deps, job.data.outboundId, job.retryCount >= retryLimit);
}
