// Inbound email: an SMTP listener (smtp-server) on loopback behind the organisation's MTA. Every message
// is read whole (up to maxMessageBytes), checked, parsed with mailparser and turned into a ticket or a
// reply *before* the SMTP "250" is given, so an accepted mail is stored and a rejected one left nothing
// behind. The MTA keeps and retries a mail we answer with 4xx (our database is down), and bounces one we
// answer with 5xx (oversize 552, malformed 554, unusable content 550).
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { DEFAULT_ORGANISATION_ID } from '../../db/tables/ticketing.ts';
import { FlowdeskError } from '../../errors.ts';
import {
  addMessage,
  createTicket,
  DEFAULT_ATTACHMENT_LIMITS,
  normaliseIdentity,
  resolveCustomer,
  survivorOf,
  type AttachmentInput,
  type TicketingContext,
} from '../../ticketing/index.ts';
import { emailConfigFromEnv, type EmailConfig } from './config.ts';
import { cleanSubject, loopReason, malformedReason, noNul, normaliseMessageId, parsedProblem, stripQuotedHistory, threadIds, ticketToken } from './mime.ts';

export const DEFAULT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
/** Body text kept per message (Postgres tsvector has a 1 MB limit; nobody reads more in a help desk). */
const MAX_BODY_CHARS = 200_000;

export interface SmtpIntakeOptions {
  ctx: TicketingContext;
  host?: string;
  port?: number;
  maxMessageBytes?: number;
  /** Our domain and From address (loop detection). Defaults: emailConfigFromEnv(). */
  email?: EmailConfig;
  organisationId?: string;
}

export interface SmtpIntake {
  server: SMTPServer;
  host: string;
  port: number;
  close(): Promise<void>;
}

export type IntakeOutcome =
  | { kind: 'created'; ticketId: string; messageId: string }
  | { kind: 'replied'; ticketId: string; messageId: string; matchedBy: 'message-id' | 'subject-token' }
  | { kind: 'duplicate'; messageId: string }
  | { kind: 'dropped'; reason: string };

/** An SMTP reply error: smtp-server sends `responseCode message`. */
export class SmtpReject extends Error {
  readonly responseCode: number;
  constructor(code: number, message: string) {
    super(message);
    this.responseCode = code;
  }
}

export async function createSmtpIntake(options: SmtpIntakeOptions): Promise<SmtpIntake> {
  const host = options.host ?? '127.0.0.1';
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const email = options.email ?? emailConfigFromEnv();
  const log = options.ctx.logger.child({ component: 'smtp-intake' });
  const server = new SMTPServer({
    name: email.domain,
    banner: 'Flowdesk mail intake',
    size: maxBytes,
    authOptional: true,
    // Loopback behind a real MTA: that MTA does TLS and authentication towards the internet.
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxBytes) chunks.push(chunk);
      });
      stream.on('error', (err) => callback(err));
      stream.on('end', () => {
        if (stream.sizeExceeded || size > maxBytes) {
          log.info({ size, maxBytes }, 'mail rejected: too large');
          callback(new SmtpReject(552, `5.3.4 Message too big: the limit is ${maxBytes} bytes`));
          return;
        }
        intakeMessage(options.ctx, Buffer.concat(chunks), { email, organisationId: options.organisationId, envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '' })
          .then((outcome) => {
            log.info({ outcome }, 'mail accepted');
            callback(null, outcome.kind === 'dropped' ? `2.0.0 Accepted (not answered: ${outcome.reason})` : `2.0.0 Accepted (${outcome.kind})`);
          })
          .catch((error: unknown) => {
            if (error instanceof SmtpReject) {
              log.info({ code: error.responseCode, reason: error.message }, 'mail rejected');
              callback(error);
            } else {
              // Database or bug: a temporary failure, so the sending MTA keeps the mail and retries.
              log.error({ err: error }, 'mail intake failed; answered 451 so the sender retries');
              callback(new SmtpReject(451, '4.3.0 Temporary failure, please retry'));
            }
          });
      });
    },
  });
  server.on('error', (err) => log.warn({ err }, 'SMTP server error'));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address() as AddressInfo;
  return {
    server,
    host,
    port: address.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Turns one raw RFC 5322 message into a ticket / reply / nothing. Throws SmtpReject (5xx) for mail that
 * must bounce; other errors are temporary (4xx). Exported for the fuzz test and benchmarks.
 */
export async function intakeMessage(
  ctx: TicketingContext,
  raw: Buffer,
  options: { email?: EmailConfig; organisationId?: string; envelopeFrom?: string } = {},
): Promise<IntakeOutcome> {
  const email = options.email ?? emailConfigFromEnv();
  const organisationId = options.organisationId ?? DEFAULT_ORGANISATION_ID;
  const malformed = malformedReason(raw);
  if (malformed) throw new SmtpReject(554, `5.6.0 Malformed message: ${malformed}`);
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(raw, { skipHtmlToText: false, skipTextToHtml: true, skipImageLinks: true, maxHtmlLengthToParse: 5 * 1024 * 1024 });
  } catch (error) {
    throw new SmtpReject(554, `5.6.0 Malformed MIME: ${(error as Error).message}`.slice(0, 200));
  }
  const problem = parsedProblem(parsed, raw);
  if (problem) throw new SmtpReject(554, `5.6.0 Malformed message: ${problem}`);

  const own = [email.fromAddress];
  const envelopeFrom = (options.envelopeFrom ?? '').toLowerCase();
  const loop = loopReason(parsed, own) ?? (envelopeFrom && own.includes(envelopeFrom) ? 'envelope sender is our own address' : null);
  if (loop) return { kind: 'dropped', reason: loop };

  const sender = parsed.from!.value.find((a) => a.address && a.address.includes('@'))!;
  let senderAddress: string;
  try {
    senderAddress = normaliseIdentity('email', noNul(sender.address!));
  } catch {
    throw new SmtpReject(550, '5.1.7 The From address is not a valid email address');
  }
  const senderName = noNul(sender.name ?? '').trim().slice(0, 200) || undefined;
  const messageId = normaliseMessageId(parsed.messageId);

  if (messageId) {
    const seen = await ctx.db.selectFrom('messages').select('id').where('organisation_id', '=', organisationId).where('email_message_id', '=', messageId).executeTakeFirst();
    if (seen) return { kind: 'duplicate', messageId };
  }

  const rawSubject = noNul(parsed.subject ?? '').trim();
  const fullText = truncate(noNul(parsed.text ?? '').trim());
  const bodyHtml = typeof parsed.html === 'string' && parsed.html.length > 0 ? truncate(noNul(parsed.html)) : undefined;
  const { attachments, notes } = collectAttachments(parsed);
  const ids = threadIds(parsed);
  const headers = { emailMessageId: messageId ?? undefined, inReplyTo: normaliseMessageId(parsed.inReplyTo) ?? undefined, references: ids.slice().reverse() };

  try {
    // 1. Threading by Message-ID: In-Reply-To first, then References from the newest.
    let target: { ticketId: string; matchedBy: 'message-id' | 'subject-token' } | null = null;
    if (ids.length > 0) {
      const rows = await ctx.db
        .selectFrom('messages')
        .select(['ticket_id', 'email_message_id'])
        .where('organisation_id', '=', organisationId)
        .where('email_message_id', 'in', ids)
        .execute();
      for (const id of ids) {
        const hit = rows.find((r) => r.email_message_id === id);
        if (hit) {
          target = { ticketId: hit.ticket_id, matchedBy: 'message-id' };
          break;
        }
      }
    }
    // 2. The "[#1042]" token, only when the sender is the ticket's customer (numbers are guessable).
    const token = target ? null : ticketToken(rawSubject);
    if (token) {
      const ticket = await ctx.db.selectFrom('tickets').select(['id', 'customer_id']).where('organisation_id', '=', organisationId).where('number', '=', token).executeTakeFirst();
      if (ticket?.customer_id) {
        const owner = await survivorOf(ctx.db, ticket.customer_id);
        const identity = await ctx.db
          .selectFrom('customer_identities')
          .select('customer_id')
          .where('organisation_id', '=', organisationId)
          .where('kind', '=', 'email')
          .where('value', '=', senderAddress)
          .executeTakeFirst();
        const senderCustomer = identity ? await survivorOf(ctx.db, identity.customer_id) : undefined;
        if (owner && senderCustomer && owner.id === senderCustomer.id) target = { ticketId: ticket.id, matchedBy: 'subject-token' };
      }
    }

    if (target) {
      const { customer } = await resolveCustomer(ctx.db, { organisationId, identities: [{ kind: 'email', value: senderAddress }], ...(senderName ? { name: senderName } : {}) });
      const text = withNotes(stripQuotedHistory(fullText), notes);
      const result = await addMessage(ctx, {
        ticketId: target.ticketId,
        visibility: 'public',
        authorType: 'customer',
        authorCustomerId: customer.id,
        channel: 'email',
        bodyText: text || '(no text)',
        ...(bodyHtml ? { bodyHtml } : {}),
        ...headers,
        fromAddress: senderAddress,
        attachments,
      });
      return { kind: 'replied', ticketId: target.ticketId, messageId: result.message.id, matchedBy: target.matchedBy };
    }

    const result = await createTicket(ctx, {
      organisationId,
      subject: (cleanSubject(rawSubject) || '(no subject)').slice(0, 500),
      body: withNotes(fullText, notes) || '(no text)',
      channel: 'email',
      customer: { identities: [{ kind: 'email', value: senderAddress }], ...(senderName ? { name: senderName } : {}) },
      message: { ...headers, ...(bodyHtml ? { bodyHtml } : {}), fromAddress: senderAddress, attachments },
    });
    return { kind: 'created', ticketId: result.ticket.id, messageId: result.message.id };
  } catch (error) {
    if (isUniqueViolation(error) && messageId) return { kind: 'duplicate', messageId };
    if (error instanceof FlowdeskError) {
      if (error.statusCode === 413) throw new SmtpReject(552, `5.3.4 ${error.message}`.slice(0, 300));
      if (error.statusCode >= 400 && error.statusCode < 500) throw new SmtpReject(550, `5.6.0 ${error.message}`.slice(0, 300));
    }
    throw error;
  }
}

function truncate(text: string): string {
  return text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}\n[... truncated]` : text;
}

function withNotes(text: string, notes: string[]): string {
  return notes.length === 0 ? text : `${text}\n\n${notes.join('\n')}`.trim();
}

/**
 * Attachments (inline parts keep their Content-ID for cid: references). A type outside the allow-list or
 * beyond the count limit is not stored; the body says so instead of the whole mail bouncing. A file over
 * the size limit bounces the mail (552) through prepareAttachments.
 */
function collectAttachments(parsed: ParsedMail): { attachments: AttachmentInput[]; notes: string[] } {
  const attachments: AttachmentInput[] = [];
  const notes: string[] = [];
  for (const a of parsed.attachments ?? []) {
    const contentType = (a.contentType || 'application/octet-stream').toLowerCase();
    const filename = noNul(a.filename || (a.contentId ? `inline-${a.contentId.replace(/[<>]/g, '')}` : 'attachment'));
    if (!DEFAULT_ATTACHMENT_LIMITS.allowedTypes.includes(contentType)) {
      notes.push(`[attachment ${JSON.stringify(filename)} (${noNul(contentType)}) not kept: type not allowed]`);
      continue;
    }
    if (attachments.length >= DEFAULT_ATTACHMENT_LIMITS.maxCount) {
      notes.push(`[attachment ${JSON.stringify(filename)} not kept: more than ${DEFAULT_ATTACHMENT_LIMITS.maxCount} attachments]`);
      continue;
    }
    const contentId = a.contentId ? noNul(a.contentId).replace(/^<|>$/g, '') : undefined;
    attachments.push({ filename, contentType, content: a.content, ...(contentId ? { contentId } : {}) });
  }
  return { attachments, notes };
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string; cause?: { code?: string } } | null;
  return Boolean(e && (e.code === '23505' || e.cause?.code === '23505') && (e.constraint ?? 'messages_email_message_id_key') === 'messages_email_message_id_key');
}
