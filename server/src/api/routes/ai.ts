// AI models of the organisation: the latest model per task and field with its training metrics and the
// agents' corrections recorded since (GET /api/ai/models), and retraining a classify model from those
// corrections (POST /api/ai/retrain; the nightly job does the same for every field with new feedback).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { retrainField, listModels } from '../../ai/retrain.ts';
import { recordAudit } from '../../audit/index.ts';
import { FlowdeskError } from '../../errors.ts';
import type { ApiDeps } from '../deps.ts';
import { DateTime, Nullable, withErrors } from '../schemas.ts';
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
const RetrainResponse = Type.Object(
  {
    field: Type.String(),
    retrained: Type.Boolean(),
    reason: Type.Optional(Type.String({ description: 'Why no model was stored' })),
    baseModelId: Nullable(Type.String()),
    modelId: Nullable(Type.String()),
    newFeedback: Type.Integer({ description: 'Corrections newer than the base model' }),
    metrics: Type.Optional(Metrics),
  },
  { additionalProperties: false },
);

export const aiRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db' | 'logger'>> = async (app, { db, logger }) => {
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
      return { models: models.map((m) => ({ ...m, trainedAt: m.trainedAt.toISOString() })) };
    },
  );

  app.post(
    '/retrain',
    {
      config: { access: 'settings.manage' },
      schema: {
        tags,
        summary: 'Retrain a classify model from feedback',
        description:
          'Learns the agents\' corrections of the field (ai_feedback) into a new model when corrections arrived since the latest model was trained (or with force). ' +
          'The new model is stored and answers from the next AI node on; the old one is kept. 404 when the field has no classify model. ' +
          'retrained:false with a reason when there was nothing new.',
        body: RetrainBody,
        response: withErrors({ 200: RetrainResponse }),
      },
    },
    async (request) => {
      const origin = auditOrigin(request);
      const { field, force } = request.body;
      const result = await retrainField(db, origin.organisationId, field, { force: force === true, logger });
      if (!result.baseModelId) throw new FlowdeskError('FD_NOT_FOUND', 404, result.reason ?? `no classify model for field "${field}"`, [{ path: '/body/field', message: `/body/field: no classify model for "${field}"` }]);
      if (result.retrained) {
        const retrain = result.metrics?.retrain as { strategy?: string; corrections?: number } | undefined;
        await recordAudit(db, { ...origin, action: 'ai.model.retrained', target: { type: 'ai_model', id: result.modelId }, before: { modelId: result.baseModelId }, after: { modelId: result.modelId, field, strategy: retrain?.strategy, corrections: retrain?.corrections } });
      }
      return result;
    },
  );
};
