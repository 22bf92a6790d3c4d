// AI models of the organisation: the latest model per task and field with its training metrics and the
// agents' corrections recorded since (GET /api/ai/models); retraining a classify model from those
// corrections as a background job (POST /api/ai/retrain → 202, GET /api/ai/trainings/:id; the nightly job
// does the same for every field with new feedback); what the AI nodes cost (GET /api/ai/usage); and which
// providers are configured (GET /api/ai/providers).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DEFAULT_ANTHROPIC_MODEL, anthropicOptionsFromEnv } from '@flowdesk/ai';
import { ANTHROPIC_KEY_SECRET } from '../../ai/executor.ts';
import { listModels } from '../../ai/retrain.ts';
import { getTraining, listTrainings, requestRetrain, type Training } from '../../ai/trainings.ts';
import { budgetStatus, usageReport } from '../../ai/usage.ts';
import { recordAudit } from '../../audit/index.ts';
import { invalidInput, notFound } from '../../errors.ts';
import type { ApiDeps } from '../deps.ts';
import { DateTime, Nullable, StringEnum, Uuid, withErrors } from '../schemas.ts';
import { rejectNul } from './ticketing-common.ts';
import { auditOrigin } from './security-common.ts';
import { organisationOf } from './ticketing-common.ts';

const tags = ['ai'];
const Metrics = Type.Record(Type.String(), Type.Unknown(), { description: 'Training report: mode, examples, labels, validation accuracy and ECE, source; after a retrain also `retrain` (strategy, corrections, learned, skipped, accuracy on the corrected texts before/after, ms)' });
const FieldName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'The ticket field the classify model predicts, e.g. category or priority' });

const ModelSchema = Type.Object(
  {
    id: Type.String(),
    task: Type.Union([Type.Literal('classify'), Type.Literal('sentiment')]),
    field: Type.String({ description: "'' for sentiment" }),
    mode: Type.String(),
    trainedAt: DateTime(),
    metrics: Metrics,
    feedbackSince: Type.Integer({ description: 'Corrections recorded since this model was trained' }),
    previousVersions: Type.Integer({ description: 'Older models of this task and field kept as history' }),
    versions: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          mode: Type.String(),
          trainedAt: DateTime(),
          examples: Nullable(Type.Integer()),
          validationAccuracy: Nullable(Type.Number({ description: 'On the held-out validation split at training time' })),
          origin: Type.String({ description: 'trained, retrain:incremental or retrain:full' }),
        },
        { additionalProperties: false },
      ),
      { description: 'The newest versions (at most 10), the active one first' },
    ),
  },
  { additionalProperties: false },
);
const RetrainBody = Type.Object(
  {
    field: FieldName,
    force: Type.Optional(Type.Boolean({ description: 'Retrain on all corrections even when none is newer than the model' })),
  },
  { additionalProperties: false },
);
const TrainingSchema = Type.Object(
  {
    id: Type.String(),
    field: Type.String(),
    force: Type.Boolean(),
    status: StringEnum(['queued', 'running', 'succeeded', 'failed'] as const),
    progress: Type.Number({ minimum: 0, maximum: 1, description: 'Fraction done; updated at most every ~500 ms while running' }),
    stage: Nullable(Type.String({ description: 'queued, loading, training:<lr|svm|calibrate|embed|...>, storing, done, failed' })),
    baseModelId: Nullable(Type.String({ description: 'The model the training started from' })),
    modelId: Nullable(Type.String({ description: 'The model it stored (null until it succeeded, or when there was nothing new)' })),
    retrained: Nullable(Type.Boolean({ description: 'Succeeded: whether a new model was stored' })),
    reason: Nullable(Type.String({ description: 'Succeeded without a new model: why' })),
    newFeedback: Nullable(Type.Integer({ description: 'Corrections newer than the base model' })),
    metrics: Nullable(Metrics),
    error: Nullable(Type.String({ description: 'Failed: what went wrong' })),
    createdAt: DateTime(),
    startedAt: Nullable(DateTime()),
    finishedAt: Nullable(DateTime()),
  },
  { additionalProperties: false },
);
const TrainingResponse = Type.Object({ training: TrainingSchema }, { additionalProperties: false });

const serializeTraining = (t: Training) => ({
  ...t,
  createdAt: t.createdAt.toISOString(),
  startedAt: t.startedAt?.toISOString() ?? null,
  finishedAt: t.finishedAt?.toISOString() ?? null,
});

const Figures = {
  calls: Type.Integer(),
  inputTokens: Type.Integer(),
  outputTokens: Type.Integer(),
  costUsd: Type.Number({ description: 'Sum of the priced calls, USD (stored in micro-dollars)' }),
  fallbacks: Type.Integer({ description: 'Calls answered by the local provider instead of the one asked for' }),
  errors: Type.Integer(),
  unpricedCalls: Type.Integer({ description: 'Calls of a model without a known price (not in costUsd)' }),
  avgLatencyMs: Type.Number(),
};
const GROUP_BY = ['day', 'provider', 'model', 'node'] as const;
const UsageQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date', description: 'First UTC day (YYYY-MM-DD); default 29 days before `to`' })),
    to: Type.Optional(Type.String({ format: 'date', description: 'Last UTC day, included (YYYY-MM-DD); default today' })),
    groupBy: Type.Optional(StringEnum(GROUP_BY, { description: 'Breakdown in `groups`; default provider' })),
  },
  { additionalProperties: false },
);
const UsageResponse = Type.Object(
  {
    from: Type.String({ format: 'date' }),
    to: Type.String({ format: 'date' }),
    groupBy: StringEnum(GROUP_BY),
    totals: Type.Object(Figures, { additionalProperties: false }),
    groups: Type.Array(Type.Object({ key: Type.String({ description: 'Day, provider, model or node id' }), ...Figures }, { additionalProperties: false })),
    series: Type.Array(
      Type.Object(
        {
          day: Type.String({ format: 'date' }),
          ...Figures,
          providers: Type.Array(Type.Object({ provider: Type.String(), calls: Type.Integer() }, { additionalProperties: false }), { description: 'Calls per provider asked for that day' }),
        },
        { additionalProperties: false },
      ),
      { description: 'One entry per UTC day of the range, days without calls included' },
    ),
    budget: Type.Object(
      {
        monthlyUsd: Nullable(Type.Number({ description: 'The monthly LLM budget (PUT /api/settings/ai-budget); null = none' })),
        spentThisMonthUsd: Type.Number(),
        exceeded: Type.Boolean({ description: 'LLM nodes are answered by the local provider until the month ends or the budget is raised' }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
const MAX_USAGE_DAYS = 366;

const ProvidersResponse = Type.Object(
  {
    defaultProvider: Type.String({ description: 'Provider of nodes without a provider param (FLOWDESK_AI_PROVIDER, else local)' }),
    providers: Type.Array(
      Type.Object(
        {
          name: StringEnum(['local', 'anthropic'] as const),
          configured: Type.Boolean(),
          source: Nullable(StringEnum(['builtin', 'organisation', 'server'] as const, { description: 'builtin (local), the organisation secret ai.anthropic_api_key, or the server environment' })),
          model: Nullable(Type.String({ description: 'Default model (Anthropic)' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const aiRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db' | 'runtime'>> = async (app, { db, runtime }) => {
  app.addHook('preValidation', rejectNul);

  app.get(
    '/models',
    {
      config: { access: 'workflows.read' },
      schema: {
        tags,
        summary: 'List the AI models',
        description: 'The latest model per task and field (older ones are history), its metrics, and how many agent corrections arrived since it was trained.',
        response: withErrors({ 200: Type.Object({ models: Type.Array(ModelSchema) }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const models = await listModels(db, organisationOf(request));
      return { models: models.map((m) => ({ ...m, trainedAt: m.trainedAt.toISOString(), versions: m.versions.map((v) => ({ ...v, trainedAt: v.trainedAt.toISOString() })) })) };
    },
  );

  app.post(
    '/retrain',
    {
      config: { access: 'settings.manage' },
      schema: {
        tags,
        summary: 'Start retraining a classify model from feedback',
        description:
          'Queues a background training that learns the agents\' corrections of the field (ai_feedback) into a new model when corrections arrived since the latest model was trained (or with force), ' +
          'and answers 202 with the training; follow it with GET /api/ai/trainings/{id}. The new model answers from the next AI node on; the old one is kept. ' +
          '404 when the field has no classify model; 409 while a training of the field is queued or running.',
        body: RetrainBody,
        response: withErrors({ 202: TrainingResponse }),
      },
    },
    async (request, reply) => {
      const origin = auditOrigin(request);
      const { field, force } = request.body;
      const training = await requestRetrain(db, runtime.boss, { organisationId: origin.organisationId, field, force: force === true, requestedBy: request.principal?.userId ?? null });
      await recordAudit(db, { ...origin, action: 'ai.training.requested', target: { type: 'ai_training', id: training.id }, after: { field, force: force === true, baseModelId: training.baseModelId } });
      return reply.code(202).send({ training: serializeTraining(training) });
    },
  );

  app.get(
    '/trainings',
    {
      config: { access: 'settings.manage' },
      schema: {
        tags,
        summary: 'List recent trainings',
        description: 'The organisation\'s most recent trainings, newest first.',
        querystring: Type.Object(
          { field: Type.Optional(FieldName), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) },
          { additionalProperties: false },
        ),
        response: withErrors({ 200: Type.Object({ trainings: Type.Array(TrainingSchema) }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const trainings = await listTrainings(db, organisationOf(request), { ...(request.query.field && { field: request.query.field }), limit: request.query.limit ?? 20 });
      return { trainings: trainings.map(serializeTraining) };
    },
  );

  app.get(
    '/trainings/:id',
    {
      config: { access: 'settings.manage' },
      schema: {
        tags,
        summary: 'Get a training',
        description: 'Status (queued, running, succeeded, failed), progress, the stored model and its validation metrics, or the error.',
        params: Type.Object({ id: Uuid() }, { additionalProperties: false }),
        response: withErrors({ 200: TrainingResponse }),
      },
    },
    async (request) => {
      const training = await getTraining(db, organisationOf(request), request.params.id);
      if (!training) throw notFound('training', request.params.id);
      return { training: serializeTraining(training) };
    },
  );

  app.get(
    '/usage',
    {
      config: { access: 'settings.manage' },
      schema: {
        tags,
        summary: 'AI usage and cost',
        description:
          'Calls, tokens, cost (USD), fallbacks and errors of the organisation\'s AI nodes between two UTC days (both included, at most 366 days): totals, a breakdown by day, provider, model or node, ' +
          'a per-day series with calls per provider, and the monthly budget status.',
        querystring: UsageQuery,
        response: withErrors({ 200: UsageResponse }),
      },
    },
    async (request) => {
      const organisationId = organisationOf(request);
      const day = (value: string) => new Date(`${value}T00:00:00Z`);
      const today = new Date().toISOString().slice(0, 10);
      const to = request.query.to ?? today;
      const toExclusive = new Date(day(to).getTime() + 86_400_000);
      const from = request.query.from ?? new Date(day(to).getTime() - 29 * 86_400_000).toISOString().slice(0, 10);
      if (Number.isNaN(day(from).getTime()) || Number.isNaN(day(to).getTime())) throw invalidInput('from and to must be calendar dates (YYYY-MM-DD)', [{ path: '/querystring/from', message: '/querystring/from: not a date' }]);
      if (day(from) > day(to)) throw invalidInput(`from (${from}) is after to (${to})`, [{ path: '/querystring/from', message: '/querystring/from: must not be after to' }]);
      if ((toExclusive.getTime() - day(from).getTime()) / 86_400_000 > MAX_USAGE_DAYS) {
        throw invalidInput(`the range is longer than ${MAX_USAGE_DAYS} days`, [{ path: '/querystring/from', message: `/querystring/from: at most ${MAX_USAGE_DAYS} days before to` }]);
      }
      const groupBy = request.query.groupBy ?? 'provider';
      const [report, budget] = await Promise.all([usageReport(db, organisationId, { from: day(from), to: toExclusive }, groupBy), budgetStatus(db, organisationId)]);
      return { from, to, groupBy, ...report, budget: { monthlyUsd: budget.monthlyUsd, spentThisMonthUsd: budget.spentThisMonthUsd, exceeded: budget.exceeded } };
    },
  );

  app.get(
    '/providers',
    {
      config: { access: 'settings.manage' },
      schema: {
        tags,
        summary: 'AI provider configuration',
        description: 'Which providers can answer AI nodes for this organisation: the local one always; Anthropic when the organisation secret ai.anthropic_api_key or the server\'s FLOWDESK_ANTHROPIC_API_KEY is set (the key is never returned).',
        response: withErrors({ 200: ProvidersResponse }),
      },
    },
    async (request) => {
      const own = await db.selectFrom('organisation_secrets').select('name').where('organisation_id', '=', organisationOf(request)).where('name', '=', ANTHROPIC_KEY_SECRET).executeTakeFirst();
      const server = anthropicOptionsFromEnv(process.env);
      const model = own || server ? (server?.model ?? (process.env.FLOWDESK_ANTHROPIC_MODEL?.trim() || DEFAULT_ANTHROPIC_MODEL)) : null;
      return {
        defaultProvider: process.env.FLOWDESK_AI_PROVIDER?.trim() || 'local',
        providers: [
          { name: 'local' as const, configured: true, source: 'builtin' as const, model: null },
          { name: 'anthropic' as const, configured: Boolean(own || server), source: own ? ('organisation' as const) : server ? ('server' as const) : null, model },
        ],
      };
    },
  );
};
