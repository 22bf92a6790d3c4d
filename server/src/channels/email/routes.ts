// GET /api/dev/outbox: the captured outbound mail (development: no FLOWDESK_SMTP_URL). Registered by
// `flowdesk start` only in capture mode; the demo shows replies here instead of sending them.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/types.ts';

export const devOutboxRoutes: FastifyPluginAsync<{ db: Kysely<Database> }> = async (app: FastifyInstance, opts) => {
  app.get<{ Querystring: { ticketId?: string; limit?: number } }>(
    '/',
    {
      config: { access: 'integrations.manage' },
      schema: {
        tags: ['email'],
        summary: 'Outbound email captured in development (newest first)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ticketId: { type: 'string', format: 'uuid' }, limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
        },
      },
    },
    async (request) => {
      let q = opts.db.selectFrom('outbound_emails').selectAll().orderBy('created_at', 'desc').limit(request.query.limit ?? 50);
      if (request.query.ticketId) q = q.where('ticket_id', '=', request.query.ticketId);
      const rows = await q.execute();
      return {
        emails: rows.map((r) => ({
          id: r.id,
          ticketId: r.ticket_id,
          messageId: r.message_id,
          status: r.status,
          to: r.to_address,
          subject: r.subject,
          messageIdHeader: r.message_id_header,
          inReplyTo: r.in_reply_to,
          references: r.references,
          attempts: r.attempts,
          lastError: r.last_error,
          createdAt: r.created_at.toISOString(),
          sentAt: r.sent_at?.toISOString() ?? null,
          raw: r.raw,
        })),
      };
    },
  );
};
