// Webhooks: the signed inbound hook (POST /api/hooks/:sourceId, public and rate-limited), CRUD for inbound
// sources and outbound endpoints, and the outbound delivery log with manual retry. Secrets are returned
// once, on create. See docs/channels.md "Webhooks".
import { outboundUrlProblem } from '../../net/outbound-guard.ts';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { conflict, invalidInput, notFound } from '../../errors.ts';
import {
  PRESET_NAMES,
  WEBHOOK_EVENTS,
  WebhookMappingSchema,
  newSecret,
  receiveWebhook,
  resolveMapping,
  retryDelivery,
  type MappingPreset,
  type WebhookMapping,
} from '../../channels/webhooks/index.ts';
import type { WebhookDelivery, WebhookEndpoint, WebhookSource } from '../../db/tables/webhooks.ts';
import type { ApiDeps } from '../deps.ts';
import { sealSecret, type SecretBox } from '../../secrets/index.ts';
import { DateTime, IdParams, Nullable, StringEnum, Uuid, withErrors } from '../schemas.ts';
import { organisationOf, rejectNul, ticketingContext } from './ticketing-common.ts';
import { registerRateLimits } from '../rate-limit.ts';

/** The endpoint URL must be one we may call: http(s), no credentials, not a private address (SSRF). */
function checkOutboundUrl(url: string | undefined): void {
  if (url === undefined) return;
  const problem = outboundUrlProblem(url);
  if (problem) throw invalidInput(`/body/url: ${problem}`, [{ path: '/body/url', message: `/body/url: ${problem}` }]);
}

export interface WebhookRouteOptions {
  /** Inbound deliveries per source and client IP per window (default 300 a minute). */
  rateLimitMax?: number;
  rateLimitWindowMs?: number;
  /** Unix seconds (tests inject a clock for the signature tolerance). */
  nowSeconds?: () => number;
  /** Encrypts the HMAC secrets at rest (see server/src/secrets). */
  secrets?: SecretBox;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());
const Secret = Type.String({ minLength: 16, maxLength: 200, pattern: '^[\\x21-\\x7e]+$', description: 'HMAC secret; generated when omitted. Returned only on create.' });
const PartialMapping = Type.Partial(WebhookMappingSchema, { additionalProperties: false });

const SourceSchema = Type.Object(
  { id: Uuid(), name: Type.String(), url: Type.String({ description: 'Path to POST signed deliveries to' }), mapping: Type.Unknown(), active: Type.Boolean(), createdAt: DateTime(), updatedAt: DateTime() },
  { additionalProperties: false },
);
const EndpointSchema = Type.Object(
  { id: Uuid(), url: Type.String(), kind: StringEnum(['generic', 'slack', 'teams'] as const), events: Type.Array(Type.String()), active: Type.Boolean(), createdAt: DateTime(), updatedAt: DateTime() },
  { additionalProperties: false },
);
const DeliverySchema = Type.Object(
  {
    id: Uuid(),
    endpointId: Uuid(),
    event: Type.String(),
    payload: Type.Unknown(),
    status: StringEnum(['pending', 'delivered', 'failed'] as const),
    attempts: Type.Integer(),
    lastStatus: Nullable(Type.Integer()),
    lastError: Nullable(Type.String()),
    createdAt: DateTime(),
    deliveredAt: Nullable(DateTime()),
  },
  { additionalProperties: false },
);

const toSource = (s: WebhookSource) => ({ id: s.id, name: s.name, url: `/api/hooks/${s.id}`, mapping: s.mapping, active: s.active, createdAt: iso(s.created_at)!, updatedAt: iso(s.updated_at)! });
const toEndpoint = (e: WebhookEndpoint) => ({ id: e.id, url: e.url, kind: e.kind, events: e.events, active: e.active, createdAt: iso(e.created_at)!, updatedAt: iso(e.updated_at)! });
const toDelivery = (d: WebhookDelivery) => ({
  id: d.id,
  endpointId: d.endpoint_id,
  event: d.event,
  payload: d.payload,
  status: d.status,
  attempts: d.attempts,
  lastStatus: d.last_status,
  lastError: d.last_error,
  createdAt: iso(d.created_at)!,
  deliveredAt: iso(d.delivered_at),
});

const CreateSourceBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), preset: Type.Optional(StringEnum(PRESET_NAMES)), mapping: Type.Optional(PartialMapping), secret: Type.Optional(Secret), active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const UpdateSourceBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), preset: Type.Optional(StringEnum(PRESET_NAMES)), mapping: Type.Optional(PartialMapping), active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const HttpUrl = Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 });
const Events = Type.Array(StringEnum(WEBHOOK_EVENTS), { minItems: 1, uniqueItems: true });
const CreateEndpointBody = Type.Object(
  { url: HttpUrl, kind: Type.Optional(StringEnum(['generic', 'slack', 'teams'] as const)), events: Events, secret: Type.Optional(Secret), active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
const UpdateEndpointBody = Type.Object({ url: Type.Optional(HttpUrl), events: Type.Optional(Events), active: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
const DeliveriesQuery = Type.Object(
  { status: Type.Optional(StringEnum(['pending', 'delivered', 'failed'] as const)), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })) },
  { additionalProperties: false },
);
const DeliveryParams = Type.Object({ id: Uuid(), deliveryId: Uuid() }, { additionalProperties: false });

export const webhookRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db' | 'runtime' | 'logger'> & WebhookRouteOptions> = async (app, options) => {
  const { db } = options;
  const ctx = ticketingContext(options);

  // ---- inbound: raw body (the signature covers the exact bytes), own rate limit ----
  await app.register(async (plain) => {
    const hooks = plain.withTypeProvider<TypeBoxTypeProvider>();
    hooks.removeContentTypeParser('application/json');
    hooks.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    await registerRateLimits(hooks);
    hooks.post(
      '/hooks/:sourceId',
      {
        config: {
          access: 'public',
          rateLimit: {
            max: options.rateLimitMax ?? 300,
            timeWindow: options.rateLimitWindowMs ?? 60_000,
            keyGenerator: (request) => `${(request.params as { sourceId?: string }).sourceId ?? ''}|${request.ip}`,
          },
        },
        schema: {
          tags: ['webhooks'],
          summary: 'Receive a signed inbound webhook',
          description:
            'Public. JSON body signed with `X-Flowdesk-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` and a unique `X-Flowdesk-Delivery`. ' +
            '401 FD_BAD_SIGNATURE (missing/bad/stale), 409 FD_REPLAYED, 400 when the mapping cannot use the body (path points into the body), 413 over 1 MiB, 429 rate-limited.',
          params: Type.Object({ sourceId: Uuid() }, { additionalProperties: false }),
          response: withErrors({
            201: Type.Object(
              { action: StringEnum(['created', 'appended'] as const), ticket: Type.Object({ id: Uuid(), number: Type.Integer() }, { additionalProperties: false }), messageId: Uuid(), customerId: Nullable(Uuid()) },
              { additionalProperties: false },
            ),
          }),
        },
      },
      async (request, reply) => {
        const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const result = await receiveWebhook(ctx, { sourceId: request.params.sourceId, headers: request.headers, rawBody, nowSeconds: options.nowSeconds?.(), secrets: options.secrets });
        return reply.code(201).send(result);
      },
    );
  });

  // ---- everything else: ordinary JSON routes ----
  await app.register(async (plain) => {
    const admin = plain.withTypeProvider<TypeBoxTypeProvider>();
    admin.addHook('preValidation', rejectNul);
    const tags = ['webhooks'];

    async function loadSource(request: FastifyRequest, id: string) {
      const row = await db.selectFrom('webhook_sources').selectAll().where('id', '=', id).where('organisation_id', '=', organisationOf(request)).executeTakeFirst();
      if (!row) throw notFound('webhook source', id);
      return row;
    }
    async function loadEndpoint(request: FastifyRequest, id: string) {
      const row = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('organisation_id', '=', organisationOf(request)).executeTakeFirst();
      if (!row) throw notFound('webhook endpoint', id);
      return row;
    }
    const SourceResponse = Type.Object({ source: SourceSchema }, { additionalProperties: false });
    const EndpointResponse = Type.Object({ endpoint: EndpointSchema }, { additionalProperties: false });

    admin.post(
      '/webhook-sources',
      {
        config: { access: 'integrations.manage' },
        schema: {
          tags,
          summary: 'Create an inbound webhook source',
          description: 'A preset (phone-call-summary, social-message), a preset with mapping overrides, or a complete mapping. The secret is returned only here.',
          body: CreateSourceBody,
          response: withErrors({ 201: Type.Object({ source: SourceSchema, secret: Type.String() }, { additionalProperties: false }) }),
        },
      },
      async (request, reply) => {
        const b = request.body;
        const mapping = resolveMapping(b.preset as MappingPreset | undefined, b.mapping as Partial<WebhookMapping> | undefined);
        const secret = b.secret ?? newSecret();
        const exists = await db.selectFrom('webhook_sources').select('id').where('organisation_id', '=', organisationOf(request)).where('name', '=', b.name).executeTakeFirst();
        if (exists) throw conflict(`a webhook source named ${JSON.stringify(b.name)} already exists`, [{ path: '/body/name', message: '/body/name: is already used' }]);
        const row = await db
          .insertInto('webhook_sources')
          .values({ organisation_id: organisationOf(request), name: b.name, secret: sealSecret(options.secrets, secret, 'webhook_sources.secret'), mapping: JSON.stringify(mapping), active: b.active ?? true })
          .returningAll()
          .executeTakeFirstOrThrow();
        return reply.code(201).send({ source: toSource(row), secret });
      },
    );
    admin.get('/webhook-sources', { config: { access: 'integrations.manage' }, schema: { tags, summary: 'List inbound webhook sources', response: withErrors({ 200: Type.Object({ sources: Type.Array(SourceSchema) }, { additionalProperties: false }) }) } }, async (request) => {
      const rows = await db.selectFrom('webhook_sources').selectAll().where('organisation_id', '=', organisationOf(request)).orderBy('name').limit(1000).execute();
      return { sources: rows.map(toSource) };
    });
    admin.get('/webhook-sources/:id', { config: { access: 'integrations.manage' }, schema: { tags, summary: 'Get an inbound webhook source', params: IdParams, response: withErrors({ 200: SourceResponse }) } }, async (request) => ({
      source: toSource(await loadSource(request, request.params.id)),
    }));
    admin.patch(
      '/webhook-sources/:id',
      { config: { access: 'integrations.manage' }, schema: { tags, summary: 'Change an inbound webhook source', description: 'A preset and/or mapping replaces the mapping.', params: IdParams, body: UpdateSourceBody, response: withErrors({ 200: SourceResponse }) } },
      async (request) => {
        await loadSource(request, request.params.id);
        const b = request.body;
        const mapping = b.preset !== undefined || b.mapping !== undefined ? resolveMapping(b.preset as MappingPreset | undefined, b.mapping as Partial<WebhookMapping> | undefined) : undefined;
        const row = await db
          .updateTable('webhook_sources')
          .set({ ...(b.name !== undefined ? { name: b.name } : {}), ...(b.active !== undefined ? { active: b.active } : {}), ...(mapping ? { mapping: JSON.stringify(mapping) } : {}), updated_at: new Date() })
          .where('id', '=', request.params.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        return { source: toSource(row) };
      },
    );
    admin.delete('/webhook-sources/:id', { config: { access: 'integrations.manage' }, schema: { tags, summary: 'Delete an inbound webhook source', params: IdParams, response: withErrors({ 204: Type.Null() }) } }, async (request, reply) => {
      await loadSource(request, request.params.id);
      await db.deleteFrom('webhook_sources').where('id', '=', request.params.id).execute();
      return reply.code(204).send(null);
    });

    admin.post(
      '/webhook-endpoints',
      {
        config: { access: 'integrations.manage' },
        schema: {
          tags,
          summary: 'Create an outbound webhook endpoint',
          description: 'kind generic (signed event JSON), slack ({text}) or teams (MessageCard). The secret is returned only here.',
          body: CreateEndpointBody,
          response: withErrors({ 201: Type.Object({ endpoint: EndpointSchema, secret: Type.String() }, { additionalProperties: false }) }),
        },
      },
      async (request, reply) => {
        const b = request.body;
        checkOutboundUrl(b.url);
        const secret = b.secret ?? newSecret();
        const row = await db
          .insertInto('webhook_endpoints')
          .values({ organisation_id: organisationOf(request), url: b.url, kind: b.kind ?? 'generic', secret: sealSecret(options.secrets, secret, 'webhook_endpoints.secret'), events: [...b.events], active: b.active ?? true })
          .returningAll()
          .executeTakeFirstOrThrow();
        return reply.code(201).send({ endpoint: toEndpoint(row), secret });
      },
    );
    admin.get('/webhook-endpoints', { config: { access: 'integrations.manage' }, schema: { tags, summary: 'List outbound webhook endpoints', response: withErrors({ 200: Type.Object({ endpoints: Type.Array(EndpointSchema) }, { additionalProperties: false }) }) } }, async (request) => {
      const rows = await db.selectFrom('webhook_endpoints').selectAll().where('organisation_id', '=', organisationOf(request)).orderBy('created_at').limit(1000).execute();
      return { endpoints: rows.map(toEndpoint) };
    });
    admin.get('/webhook-endpoints/:id', { config: { access: 'integrations.manage' }, schema: { tags, summary: 'Get an outbound webhook endpoint', params: IdParams, response: withErrors({ 200: EndpointResponse }) } }, async (request) => ({
      endpoint: toEndpoint(await loadEndpoint(request, request.params.id)),
    }));
    admin.patch('/webhook-endpoints/:id', { config: { access: 'integrations.manage' }, schema: { tags, summary: 'Change an outbound webhook endpoint', params: IdParams, body: UpdateEndpointBody, response: withErrors({ 200: EndpointResponse }) } }, async (request) => {
      await loadEndpoint(request, request.params.id);
      const b = request.body;
      checkOutboundUrl(b.url);
      const row = await db
        .updateTable('webhook_endpoints')
        .set({ ...(b.url !== undefined ? { url: b.url } : {}), ...(b.events !== undefined ? { events: [...b.events] } : {}), ...(b.active !== undefined ? { active: b.active } : {}), updated_at: new Date() })
        .where('id', '=', request.params.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return { endpoint: toEndpoint(row) };
    });
    admin.delete('/webhook-endpoints/:id', { config: { access: 'integrations.manage' }, schema: { tags, summary: 'Delete an outbound webhook endpoint and its log', params: IdParams, response: withErrors({ 204: Type.Null() }) } }, async (request, reply) => {
      await loadEndpoint(request, request.params.id);
      await db.deleteFrom('webhook_endpoints').where('id', '=', request.params.id).execute();
      return reply.code(204).send(null);
    });
    admin.get(
      '/webhook-endpoints/:id/deliveries',
      { config: { access: 'integrations.manage' }, schema: { tags, summary: 'The delivery log of an endpoint (newest first)', params: IdParams, querystring: DeliveriesQuery, response: withErrors({ 200: Type.Object({ deliveries: Type.Array(DeliverySchema) }, { additionalProperties: false }) }) } },
      async (request) => {
        await loadEndpoint(request, request.params.id);
        let query = db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', request.params.id);
        if (request.query.status) query = query.where('status', '=', request.query.status);
        const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(request.query.limit ?? 50).execute();
        return { deliveries: rows.map(toDelivery) };
      },
    );
    admin.post(
      '/webhook-endpoints/:id/deliveries/:deliveryId/retry',
      { config: { access: 'integrations.manage' }, schema: { tags, summary: 'Retry a failed delivery', description: '409 unless the delivery failed.', params: DeliveryParams, response: withErrors({ 202: Type.Object({ delivery: DeliverySchema }, { additionalProperties: false }) }) } },
      async (request, reply) => {
        await loadEndpoint(request, request.params.id);
        const found = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', request.params.deliveryId).where('endpoint_id', '=', request.params.id).executeTakeFirst();
        if (!found) throw notFound('delivery', request.params.deliveryId);
        if (!(await retryDelivery(db, options.runtime.boss, found.id))) throw conflict(`delivery ${found.id} is ${found.status}; only a failed delivery can be retried`);
        const row = await db.selectFrom('webhook_deliveries').selectAll().where('id', '=', found.id).executeTakeFirstOrThrow();
        return reply.code(202).send({ delivery: toDelivery(row) });
      },
    );
  });
};
