// Organisation settings that belong to security: secrets (SMTP password, AI API keys...) stored encrypted
// and never returned, the retention policy, and the monthly AI budget (server/src/ai/usage.ts). Admin only
// (settings.manage); every change is audited as settings.changed, without secret values.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { recordAudit } from '../../audit/index.ts';
import { FlowdeskError, notFound } from '../../errors.ts';
import { organisationSecretContext } from '../../secrets/index.ts';
import { MICRO, budgetStatus } from '../../ai/usage.ts';
import type { ApiDeps } from '../deps.ts';
import { DateTime, Nullable, withErrors } from '../schemas.ts';
import { rejectNul } from './ticketing-common.ts';
import { auditOrigin } from './security-common.ts';
import { organisationOf } from './ticketing-common.ts';

const tags = ['security'];

const SECRET_NAME = '^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+$';
const SecretParams = Type.Object(
  { name: Type.String({ minLength: 3, maxLength: 100, pattern: SECRET_NAME, description: 'Dotted lower-case name, e.g. smtp.password or ai.anthropic_api_key' }) },
  { additionalProperties: false },
);
const SecretSchema = Type.Object({ name: Type.String(), updatedAt: DateTime() }, { additionalProperties: false });
const PutSecretBody = Type.Object({ value: Type.String({ minLength: 1, maxLength: 10_000, description: 'The secret; stored encrypted, never returned' }) }, { additionalProperties: false });
const RetentionSchema = Type.Object(
  { closedTicketDays: Nullable(Type.Integer({ minimum: 1, maximum: 36_500, description: 'Resolved/closed tickets older than this are purged daily; null keeps them forever' })) },
  { additionalProperties: false },
);

const AiBudgetBody = Type.Object(
  {
    monthlyUsd: Nullable(
      Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000, description: 'Monthly (UTC calendar month) spending limit of LLM providers in USD; null = no limit' }),
    ),
  },
  { additionalProperties: false },
);
const AiBudgetSchema = Type.Object(
  {
    monthlyUsd: Nullable(Type.Number()),
    spentThisMonthUsd: Type.Number({ description: 'Recorded LLM cost since the 1st of this month (UTC)' }),
    exceeded: Type.Boolean({ description: 'When true, nodes asking for an LLM provider are answered by the local provider' }),
  },
  { additionalProperties: false },
);

export const settingsRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db' | 'secrets'>> = async (app, { db, secrets }) => {
  app.addHook('preValidation', rejectNul);

  app.get(
    '/secrets',
    {
      config: { access: 'settings.manage' },
      schema: { tags, summary: 'List organisation secrets (names only)', description: 'Values are never returned.', response: withErrors({ 200: Type.Object({ secrets: Type.Array(SecretSchema) }, { additionalProperties: false }) }) },
    },
    async (request) => {
      const rows = await db.selectFrom('organisation_secrets').select(['name', 'updated_at']).where('organisation_id', '=', organisationOf(request)).orderBy('name').execute();
      return { secrets: rows.map((r) => ({ name: r.name, updatedAt: new Date(r.updated_at).toISOString() })) };
    },
  );

  app.put(
    '/secrets/:name',
    {
      config: { access: 'settings.manage' },
      schema: {
        tags,
        summary: 'Set an organisation secret',
        description: 'Encrypted with the master key (AES-256-GCM) before it is stored. 503 FD_SECRETS_UNAVAILABLE when the server has no master key.',
        params: SecretParams,
        body: PutSecretBody,
        response: withErrors({ 200: Type.Object({ secret: SecretSchema }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      if (!secrets) throw new FlowdeskError('FD_SECRETS_UNAVAILABLE', 503, 'secrets cannot be stored: the server has no master key configured (FLOWDESK_MASTER_KEY)');
      const origin = auditOrigin(request);
      const { name } = request.params;
      const value = secrets.encrypt(request.body.value, organisationSecretContext(origin.organisationId, name));
      const row = await db.transaction().execute(async (trx) => {
        const existed = await trx.selectFrom('organisation_secrets').select('name').where('organisation_id', '=', origin.organisationId).where('name', '=', name).executeTakeFirst();
        const saved = await trx
          .insertInto('organisation_secrets')
          .values({ organisation_id: origin.organisationId, name, value })
          .onConflict((oc) => oc.columns(['organisation_id', 'name']).doUpdateSet({ value, updated_at: new Date() }))
          .returning(['name', 'updated_at'])
          .executeTakeFirstOrThrow();
        await recordAudit(trx, { ...origin, action: 'settings.changed', target: { type: 'secret', id: name }, before: { set: !!existed }, after: { set: true } });
        return saved;
      });
      return { secret: { name: row.name, updatedAt: new Date(row.updated_at).toISOString() } };
    },
  );

  app.delete(
    '/secrets/:name',
    { config: { access: 'settings.manage' }, schema: { tags, summary: 'Delete an organisation secret', params: SecretParams, response: withErrors({ 204: Type.Null() }) } },
    async (request, reply) => {
      const origin = auditOrigin(request);
      await db.transaction().execute(async (trx) => {
        const deleted = await trx.deleteFrom('organisation_secrets').where('organisation_id', '=', origin.organisationId).where('name', '=', request.params.name).executeTakeFirst();
        if (Number(deleted.numDeletedRows) === 0) throw notFound('secret', request.params.name);
        await recordAudit(trx, { ...origin, action: 'settings.changed', target: { type: 'secret', id: request.params.name }, before: { set: true }, after: { set: false } });
      });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/retention',
    { config: { access: 'settings.manage' }, schema: { tags, summary: 'Get the retention policy', response: withErrors({ 200: RetentionSchema }) } },
    async (request) => {
      const org = await db.selectFrom('organisations').select('retention_closed_days').where('id', '=', organisationOf(request)).executeTakeFirstOrThrow();
      return { closedTicketDays: org.retention_closed_days };
    },
  );

  app.put(
    '/retention',
    {
      config: { access: 'settings.manage' },
      schema: {
        tags,
        summary: 'Set the retention policy',
        description: 'closedTicketDays: resolved/closed tickets resolved longer ago are purged (with messages, attachments, runs and history) by the daily retention job; null keeps everything.',
        body: RetentionSchema,
        response: withErrors({ 200: RetentionSchema }),
      },
    },
    async (request) => {
      const origin = auditOrigin(request);
      const days = request.body.closedTicketDays;
      await db.transaction().execute(async (trx) => {
        const before = await trx.selectFrom('organisations').select('retention_closed_days').where('id', '=', origin.organisationId).forUpdate().executeTakeFirstOrThrow();
        await trx.updateTable('organisations').set({ retention_closed_days: days }).where('id', '=', origin.organisationId).execute();
        if (before.retention_closed_days !== days) {
          await recordAudit(trx, { ...origin, action: 'settings.changed', target: { type: 'retention', id: origin.organisationId }, before: { closedTicketDays: before.retention_closed_days }, after: { closedTicketDays: days } });
        }
      });
      return { closedTicketDays: days };
    },
  );

  app.get(
    '/ai-budget',
    { config: { access: 'settings.manage' }, schema: { tags, summary: 'Get the monthly AI budget', response: withErrors({ 200: AiBudgetSchema }) } },
    async (request) => {
      const status = await budgetStatus(db, organisationOf(request));
      return { monthlyUsd: status.monthlyUsd, spentThisMonthUsd: status.spentThisMonthUsd, exceeded: status.exceeded };
    },
  );

  app.put(
    '/ai-budget',
    {
      config: { access: 'settings.manage' },
      schema: {
        tags,
        summary: 'Set the monthly AI budget',
        description:
          'When the organisation\'s recorded LLM cost this calendar month (UTC) reaches monthlyUsd, AI nodes that ask for an LLM provider (anthropic) are answered by the local provider, ' +
          'and their result explains why (fallback.reason). null removes the limit.',
        body: AiBudgetBody,
        response: withErrors({ 200: AiBudgetSchema }),
      },
    },
    async (request) => {
      const origin = auditOrigin(request);
      const usd = request.body.monthlyUsd;
      const micro = usd === null ? null : Math.round(usd * MICRO);
      if (micro !== null && micro < 1) throw new FlowdeskError('FD_INVALID_INPUT', 400, 'monthlyUsd must be at least 0.000001', [{ path: '/body/monthlyUsd', message: '/body/monthlyUsd: must be at least 0.000001' }]);
      await db.transaction().execute(async (trx) => {
        const before = await trx.selectFrom('ai_settings').select('monthly_budget_micro_usd').where('organisation_id', '=', origin.organisationId).forUpdate().executeTakeFirst();
        await trx
          .insertInto('ai_settings')
          .values({ organisation_id: origin.organisationId, monthly_budget_micro_usd: micro })
          .onConflict((oc) => oc.column('organisation_id').doUpdateSet({ monthly_budget_micro_usd: micro, updated_at: new Date() }))
          .execute();
        const previous = before?.monthly_budget_micro_usd == null ? null : Number(before.monthly_budget_micro_usd) / MICRO;
        if (previous !== (micro === null ? null : micro / MICRO)) {
          await recordAudit(trx, { ...origin, action: 'settings.changed', target: { type: 'ai_budget', id: origin.organisationId }, before: { monthlyUsd: previous }, after: { monthlyUsd: micro === null ? null : micro / MICRO } });
        }
      });
      const status = await budgetStatus(db, origin.organisationId);
      return { monthlyUsd: status.monthlyUsd, spentThisMonthUsd: status.spentThisMonthUsd, exceeded: status.exceeded };
    },
  );
};
