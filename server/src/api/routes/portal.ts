// The customer portal: sign-in by emailed magic link, then the customer's own tickets, their public
// replies, new tickets and replies. Customers never see internal notes, assignees or other customers'
// tickets; the ticket scope (auth/scope.ts) is the customer's, so every read below is filtered by it.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { recordAudit } from '../../audit/index.ts';
import type { AccountMailer } from '../../auth/mailer.ts';
import { principalOf, scopeOf } from '../../auth/plugin.ts';
import { ticketVisible } from '../../auth/scope.ts';
import { createSession } from '../../auth/sessions.ts';
import { consumeSingleUseToken, issueSingleUseToken, normaliseEmail } from '../../auth/service.ts';
import { DEFAULT_ORGANISATION_ID } from '../../db/tables/ticketing.ts';
import type { Ticket } from '../../db/types.ts';
import type { Message } from '../../db/tables/ticketing.ts';
import { notFound } from '../../errors.ts';
import { addMessage, createTicket, survivorOf } from '../../ticketing/index.ts';
import { Email, SessionInfoSchema } from '../auth-schemas.ts';
import { toSessionInfo } from '../auth-serialize.ts';
import type { ApiDeps } from '../deps.ts';
import { decodeKeyset, encodeKeyset } from '../repos/keyset.ts';
import { listThread, listTickets, findTicket } from '../repos/tickets.repo.ts';
import { DateTime, DEFAULT_PAGE_SIZE, IdParams, Nullable, Uuid, withErrors } from '../schemas.ts';
import { setSessionCookies } from './auth.ts';
import { requestMeta } from './security-common.ts';
import { sendAttachment } from '../attachment-response.ts';
import { rejectNul, ticketingContext, withRequestPaths } from './ticketing-common.ts';
import { registerRateLimits } from '../rate-limit.ts';

const tags = ['portal'];

export interface PortalRouteOptions extends Pick<ApiDeps, 'db' | 'runtime' | 'logger'> {
  mailer: AccountMailer;
  publicUrl: string;
  cookieSecure: boolean;
  rateLimitMax?: number;
  rateLimitWindowMs?: number;
}

const PortalTicketSchema = Type.Object(
  { id: Uuid(), number: Type.String(), subject: Type.String(), status: Type.String(), priority: Type.String(), channel: Type.String(), createdAt: DateTime(), updatedAt: DateTime() },
  { additionalProperties: false },
);
const PortalMessageSchema = Type.Object(
  {
    id: Uuid(),
    from: Type.Union([Type.Literal('you'), Type.Literal('support')]),
    body: Type.String(),
    createdAt: DateTime(),
    attachments: Type.Array(Type.Object({ id: Uuid(), filename: Type.String(), contentType: Type.String(), sizeBytes: Type.Integer() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
const Body = () => Type.String({ minLength: 1, maxLength: 100_000 });

function toPortalTicket(t: Ticket) {
  return { id: t.id, number: t.number, subject: t.subject, status: t.status, priority: t.priority, channel: t.channel, createdAt: t.created_at.toISOString(), updatedAt: t.updated_at.toISOString() };
}

export const portalRoutes: FastifyPluginAsyncTypebox<PortalRouteOptions> = async (app, options) => {
  const { db, mailer } = options;
  const ctx = ticketingContext(options);
  app.addHook('preValidation', rejectNul);
  await registerRateLimits(app);
  const limited = { rateLimit: { max: options.rateLimitMax ?? 10, timeWindow: options.rateLimitWindowMs ?? 60_000 } };

  async function ownTicket(request: FastifyRequest, id: string): Promise<Ticket> {
    const ticket = await findTicket(db, id);
    if (!ticket || !ticketVisible(scopeOf(request), ticket)) throw notFound('ticket', id);
    return ticket;
  }

  app.post(
    '/magic-link',
    {
      config: { access: 'public', ...limited },
      schema: {
        tags,
        summary: 'Email a one-time sign-in link to a customer',
        description: 'Always 202 (no account discovery). A link is sent when the address belongs to a customer who has written to us; it works once, for 15 minutes.',
        body: Type.Object({ email: Email() }, { additionalProperties: false }),
        response: withErrors({ 202: Type.Object({ accepted: Type.Literal(true) }, { additionalProperties: false }) }),
      },
    },
    async (request, reply) => {
      const email = normaliseEmail(request.body.email);
      const organisationId = DEFAULT_ORGANISATION_ID;
      const identity = await db.selectFrom('customer_identities').select('customer_id').where('organisation_id', '=', organisationId).where('kind', '=', 'email').where('value', '=', email).executeTakeFirst();
      const customer = identity ? await survivorOf(db, identity.customer_id) : undefined;
      if (customer) {
        let user = await db.selectFrom('users').selectAll().where('organisation_id', '=', organisationId).where('customer_id', '=', customer.id).where('email', '=', email).executeTakeFirst();
        user ??= await db
          .insertInto('users')
          .values({ organisation_id: organisationId, email, name: customer.name, role: 'customer', customer_id: customer.id })
          .onConflict((oc) => oc.columns(['organisation_id', 'email']).doNothing())
          .returningAll()
          .executeTakeFirst();
        if (user && user.role === 'customer' && !user.disabled) {
          const token = await issueSingleUseToken(db, user.id, 'magic_link');
          await mailer.send({ to: email, subject: 'Your sign-in link', text: `Open this link to see your support requests:\n${options.publicUrl}/portal?token=${token}\n\nIt works once, for 15 minutes. If you did not ask for it, ignore this message.` });
        }
      }
      return reply.code(202).send({ accepted: true });
    },
  );

  app.post(
    '/session',
    {
      config: { access: 'public', ...limited },
      schema: {
        tags,
        summary: 'Exchange a magic-link token for a portal session',
        body: Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }) }, { additionalProperties: false }),
        response: withErrors({ 200: SessionInfoSchema }),
      },
    },
    async (request, reply) => {
      const user = await consumeSingleUseToken(db, request.body.token, 'magic_link');
      const session = await createSession(db, user.id, requestMeta(request));
      await db.updateTable('users').set({ last_login_at: new Date() }).where('id', '=', user.id).execute();
      await recordAudit(db, { organisationId: user.organisation_id, actor: { type: 'user', id: user.id }, action: 'auth.login', target: { type: 'user', id: user.id }, after: { method: 'magic_link' }, ...requestMeta(request) });
      setSessionCookies(reply, session, options.cookieSecure);
      return toSessionInfo(user, session.csrfToken);
    },
  );

  app.get(
    '/tickets',
    {
      config: { access: 'portal' },
      schema: {
        tags,
        summary: 'My tickets (newest first)',
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })), cursor: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
        response: withErrors({ 200: Type.Object({ tickets: Type.Array(PortalTicketSchema), nextCursor: Nullable(Type.String()) }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const limit = request.query.limit ?? DEFAULT_PAGE_SIZE;
      const rows = await listTickets(db, { scope: scopeOf(request), after: request.query.cursor ? decodeKeyset(request.query.cursor) : undefined, limit });
      const page = rows.slice(0, limit);
      return { tickets: page.map(toPortalTicket), nextCursor: rows.length > limit ? encodeKeyset(page[page.length - 1]!) : null };
    },
  );

  app.post(
    '/tickets',
    {
      config: { access: 'portal', ...limited },
      schema: {
        tags,
        summary: 'Open a new ticket',
        body: Type.Object({ subject: Type.String({ minLength: 1, maxLength: 500 }), body: Body() }, { additionalProperties: false }),
        response: withErrors({ 201: Type.Object({ ticket: PortalTicketSchema }, { additionalProperties: false }) }),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const result = await withRequestPaths(
        () => createTicket(ctx, { organisationId: principal.organisationId, subject: request.body.subject, body: request.body.body, channel: 'portal', customerId: principal.customerId! }),
        '/body',
      );
      return reply.code(201).send({ ticket: toPortalTicket(result.ticket) });
    },
  );

  app.get(
    '/tickets/:id',
    {
      config: { access: 'portal' },
      schema: {
        tags,
        summary: 'One of my tickets with its public conversation',
        params: IdParams,
        response: withErrors({ 200: Type.Object({ ticket: PortalTicketSchema, messages: Type.Array(PortalMessageSchema) }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const ticket = await ownTicket(request, request.params.id);
      const { messages, attachments } = await listThread(db, ticket.id);
      const visible = messages.filter((m: Message) => m.visibility === 'public');
      return {
        ticket: toPortalTicket(ticket),
        messages: visible.map((m) => ({
          id: m.id,
          from: m.author_type === 'customer' ? ('you' as const) : ('support' as const),
          body: m.body_text,
          createdAt: m.created_at.toISOString(),
          attachments: attachments.filter((a) => a.message_id === m.id).map((a) => ({ id: a.id, filename: a.filename, contentType: a.content_type, sizeBytes: a.size_bytes })),
        })),
      };
    },
  );

  app.get(
    '/tickets/:id/attachments/:attachmentId',
    {
      config: { access: 'portal' },
      schema: {
        tags,
        summary: 'Download an attachment of a public message of one of my tickets',
        description: 'Always a download (Content-Disposition: attachment, nosniff). Attachments of internal notes are never served here.',
        params: Type.Object({ id: Uuid(), attachmentId: Uuid() }, { additionalProperties: false }),
        response: withErrors({ 200: Type.Unsafe({ type: 'string', format: 'binary', description: 'The file' }) }),
      },
    },
    async (request, reply) => {
      const ticket = await ownTicket(request, request.params.id);
      const file = await db
        .selectFrom('attachments as a')
        .innerJoin('messages as m', 'm.id', 'a.message_id')
        .select(['a.filename', 'a.content_type', 'a.size_bytes', 'a.sha256', 'a.content'])
        .where('a.id', '=', request.params.attachmentId)
        .where('m.ticket_id', '=', ticket.id)
        .where('m.visibility', '=', 'public')
        .executeTakeFirst();
      if (!file) throw notFound('attachment', request.params.attachmentId);
      return sendAttachment(reply, file);
    },
  );

  app.post(
    '/tickets/:id/replies',
    {
      config: { access: 'portal', ...limited },
      schema: {
        tags,
        summary: 'Reply to one of my tickets',
        description: 'Reopens a ticket that was waiting for you and resumes workflows waiting for your reply.',
        params: IdParams,
        body: Type.Object({ body: Body() }, { additionalProperties: false }),
        response: withErrors({ 201: Type.Object({ ticket: PortalTicketSchema }, { additionalProperties: false }) }),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      await ownTicket(request, request.params.id);
      const result = await withRequestPaths(
        () => addMessage(ctx, { ticketId: request.params.id, visibility: 'public', authorType: 'customer', authorCustomerId: principal.customerId!, channel: 'portal', bodyText: request.body.body }),
        '/body',
      );
      return reply.code(201).send({ ticket: toPortalTicket(result.ticket) });
    },
  );
};
