// The public web form / portal intake: no authentication, rate-limited per client IP. GET /form describes
// the form as a JSON Schema (the fixed fields plus the organisation's custom fields) so an embeddable form
// can render and pre-validate it; POST /tickets opens a ticket (channel web_form) for the customer the
// email resolves to. Customer portal login and "my tickets" arrive with the security issue.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { createTicket, organisationFieldsSchema } from '../../ticketing/index.ts';
import type { ApiDeps } from '../deps.ts';
import { Uuid, withErrors } from '../schemas.ts';
import { PublicTicketBody } from '../ticketing-schemas.ts';
import { organisationOf, rejectNul, ticketingContext, withRequestPaths } from './ticketing-common.ts';
import { registerRateLimits } from '../rate-limit.ts';

const tags = ['public'];

export interface WebFormOptions {
  /** Ticket submissions per IP per window (default 10 a minute). */
  rateLimitMax?: number;
  rateLimitWindowMs?: number;
}

export const webFormRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db' | 'runtime' | 'logger'> & WebFormOptions> = async (app, options) => {
  app.addHook('preValidation', rejectNul);
  const ctx = ticketingContext(options);
  await registerRateLimits(app);

  app.get(
    '/form',
    {
      config: { access: 'public', rateLimit: { max: 120, timeWindow: 60_000 } },
      schema: {
        tags,
        summary: 'The public ticket form',
        description: 'A JSON Schema (draft 2020-12 compatible) of the form: name, email, subject, body and the organisation’s custom fields under `fields`.',
        response: withErrors({ 200: Type.Object({ schema: Type.Unknown() }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const fields = (await organisationFieldsSchema(options.db, organisationOf(request))) ?? { type: 'object' };
      return {
        schema: {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          title: 'Contact support',
          type: 'object',
          additionalProperties: false,
          required: ['email', 'subject', 'body'],
          properties: {
            name: { type: 'string', title: 'Your name', minLength: 1, maxLength: 200 },
            email: { type: 'string', title: 'Email', format: 'email', maxLength: 320 },
            subject: { type: 'string', title: 'Subject', minLength: 1, maxLength: 500 },
            body: { type: 'string', title: 'How can we help?', minLength: 1, maxLength: 50_000 },
            fields: { title: 'Details', ...fields },
          },
        },
      };
    },
  );

  app.post(
    '/tickets',
    {
      config: { access: 'public', rateLimit: { max: options.rateLimitMax ?? 10, timeWindow: options.rateLimitWindowMs ?? 60_000 } },
      schema: {
        tags,
        summary: 'Submit the public form',
        description: 'Opens a ticket (channel web_form) for the customer the email resolves to. Rate-limited per IP (429 FD_RATE_LIMITED).',
        body: PublicTicketBody,
        response: withErrors({ 201: Type.Object({ ticket: Type.Object({ id: Uuid(), number: Type.Integer(), status: Type.String() }, { additionalProperties: false }) }, { additionalProperties: false }) }),
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await withRequestPaths(
        () =>
          createTicket(ctx, {
            organisationId: organisationOf(request),
            subject: b.subject,
            body: b.body,
            channel: 'web_form',
            customer: { identities: [{ kind: 'email', value: b.email }], name: b.name },
            fields: b.fields,
          }),
        '/body',
        { '/customer/identities/0/value': '/body/email' },
      );
      // The public answer says only what the submitter needs: no customer record, no workflow internals.
      return reply.code(201).send({ ticket: { id: result.ticket.id, number: Number(result.ticket.number), status: result.ticket.status } });
    },
  );
};
