// Workflows: validate, create and edit drafts, publish immutable versions, read versions.
import { recordAudit } from '../../audit/index.ts';
import { auditOrigin } from './security-common.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { conflict, FlowdeskError, notFound, invalidInput } from '../../errors.ts';
import type { ApiDeps } from '../deps.ts';
import { requirePublishableDraft, requireValidDefinition, validateDefinition } from '../definitions.ts';
import * as repo from '../repos/workflows.repo.ts';
import {
  DefinitionBody,
  IdParams,
  PublishBody,
  Uuid,
  ValidationResultSchema,
  VersionDetailSchema,
  VersionSummarySchema,
  WorkflowDetailSchema,
  WorkflowSummarySchema,
  withErrors,
} from '../schemas.ts';
import { iso, toVersionSummary, toWorkflowDetail, toWorkflowSummary } from '../serialize.ts';

const tags = ['workflows'];
const PUBLISH_ATTEMPTS = 3;

export const workflowRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db'>> = async (app, { db }) => {
  app.post(
    '/validate',
    {
      config: { access: 'workflows.read' },
      schema: {
        tags,
        summary: 'Validate a workflow definition',
        description: 'The validation service: an invalid definition is a 200 answer with valid=false and every issue with a JSON pointer.',
        body: DefinitionBody,
        response: withErrors({ 200: ValidationResultSchema }),
      },
    },
    async (request) => validateDefinition(request.body.definition),
  );

  app.post(
    '/',
    {
      config: { access: 'workflows.write' },
      schema: {
        tags,
        summary: 'Create a workflow (as a draft)',
        body: DefinitionBody,
        response: withErrors({ 201: Type.Object({ workflow: WorkflowDetailSchema }, { additionalProperties: false }) }),
      },
    },
    async (request, reply) => {
      const definition = requireValidDefinition(request.body.definition);
      const row = await repo.insertWorkflow(db, { key: definition.key, name: definition.name, draft: definition });
      if (!row) {
        throw conflict(`a workflow with key ${JSON.stringify(definition.key)} already exists`, [
          { path: '/body/definition/key', message: '/body/definition/key: is already used by another workflow' },
        ]);
      }
      return reply.code(201).send({ workflow: toWorkflowDetail({ ...row, latest_version: null }, []) });
    },
  );

  app.get(
    '/',
    {
      config: { access: 'workflows.read' },
      schema: {
        tags,
        summary: 'List workflows with their latest published version number',
        response: withErrors({ 200: Type.Object({ workflows: Type.Array(WorkflowSummarySchema) }, { additionalProperties: false }) }),
      },
    },
    async () => ({ workflows: (await repo.listWorkflows(db)).map(toWorkflowSummary) }),
  );

  app.get(
    '/:id',
    {
      config: { access: 'workflows.read' },
      schema: {
        tags,
        summary: 'Get a workflow: its draft and its published versions',
        params: IdParams,
        response: withErrors({ 200: Type.Object({ workflow: WorkflowDetailSchema }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const row = await repo.findWorkflow(db, request.params.id);
      if (!row) throw notFound('workflow', request.params.id);
      return { workflow: toWorkflowDetail(row, await repo.listVersions(db, row.id)) };
    },
  );

  app.put(
    '/:id/draft',
    {
      config: { access: 'workflows.write' },
      schema: {
        tags,
        summary: "Replace a workflow's draft",
        description: 'Published versions are not affected; the key of a workflow never changes.',
        params: IdParams,
        body: DefinitionBody,
        response: withErrors({ 200: Type.Object({ workflow: WorkflowDetailSchema }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const { id } = request.params;
      const definition = requireValidDefinition(request.body.definition);
      const existing = await repo.findWorkflow(db, id);
      if (!existing) throw notFound('workflow', id);
      if (definition.key !== existing.key) {
        throw invalidInput(`the definition key must stay ${JSON.stringify(existing.key)}`, [
          { path: '/body/definition/key', message: `/body/definition/key: must equal the workflow's key ${JSON.stringify(existing.key)}` },
        ]);
      }
      const row = await repo.updateDraft(db, id, { name: definition.name, draft: definition });
      if (!row) throw notFound('workflow', id);
      return { workflow: toWorkflowDetail({ ...row, latest_version: existing.latest_version }, await repo.listVersions(db, id)) };
    },
  );

  app.post(
    '/:id/publish',
    {
      config: { access: 'workflows.publish' },
      schema: {
        tags,
        summary: 'Publish the draft as a new immutable version',
        description: 'Re-validates the draft and inserts version max+1. Running runs stay on the version they started with.',
        params: IdParams,
        body: PublishBody,
        response: withErrors({ 201: Type.Object({ version: VersionSummarySchema }, { additionalProperties: false }) }),
      },
      // The body is optional: a POST without one means "no note".
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const note = request.body.note ?? null;
      for (let attempt = 1; ; attempt++) {
        try {
          const version = await db.transaction().execute(async (trx) => {
            // The row lock serialises publishes of one workflow; the unique (workflow_id, version)
            // constraint stays the last line of defence.
            const workflow = await repo.lockWorkflow(trx, id);
            if (!workflow) throw notFound('workflow', id);
            const definition = requirePublishableDraft(workflow.draft);
            const published = await repo.insertNextVersion(trx, { workflowId: id, definition, note });
            await recordAudit(trx, {
              ...auditOrigin(request),
              action: 'workflow.published',
              target: { type: 'workflow', id },
              after: { key: workflow.key, version: published.version, versionId: published.id, note },
            });
            return published;
          });
          return reply.code(201).send({ version: toVersionSummary(version) });
        } catch (err) {
          const unique = (err as { code?: unknown }).code === '23505';
          if (!unique) throw err;
          if (attempt >= PUBLISH_ATTEMPTS) throw conflict('another publish of this workflow is in progress; retry');
        }
      }
    },
  );

  app.post(
    '/:id/rollback',
    {
      config: { access: 'workflows.publish' },
      schema: {
        tags,
        summary: 'Roll back: publish an earlier version again, as a new version',
        description:
          'Copies version `version` into the draft and publishes it as version max+1 (history stays append-only). Running runs stay on the version they started with; new tickets get the rolled-back behaviour. Audited as workflow.rolled_back.',
        params: IdParams,
        body: Type.Object(
          { version: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'The version to bring back' }), note: Type.Optional(Type.String({ maxLength: 2000 })) },
          { additionalProperties: false },
        ),
        response: withErrors({ 201: Type.Object({ version: VersionSummarySchema }, { additionalProperties: false }) }),
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const version = await db.transaction().execute(async (trx) => {
        const workflow = await repo.lockWorkflow(trx, id);
        if (!workflow) throw notFound('workflow', id);
        const source = await repo.findVersion(trx, id, request.body.version);
        if (!source) {
          throw new FlowdeskError('FD_NOT_FOUND', 404, `workflow ${JSON.stringify(workflow.key)} has no version ${request.body.version}`, [
            { path: '/body/version', message: '/body/version: no such published version' },
          ]);
        }
        const note = request.body.note ?? `Rollback to version ${source.version}`;
        await trx.updateTable('workflows').set({ draft: JSON.stringify(source.definition), updated_at: new Date() }).where('id', '=', id).execute();
        const published = await repo.insertNextVersion(trx, { workflowId: id, definition: source.definition, note });
        await recordAudit(trx, {
          ...auditOrigin(request),
          action: 'workflow.rolled_back',
          target: { type: 'workflow', id },
          before: { version: source.version },
          after: { key: workflow.key, version: published.version, versionId: published.id, note },
        });
        return published;
      });
      return reply.code(201).send({ version: toVersionSummary(version) });
    },
  );

  app.get(
    '/:id/versions/:version',
    {
      config: { access: 'workflows.read' },
      schema: {
        tags,
        summary: 'Get one published version (immutable)',
        params: Type.Object({ id: Uuid(), version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) }, { additionalProperties: false }),
        response: withErrors({ 200: Type.Object({ version: VersionDetailSchema }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const { id, version } = request.params;
      const row = await repo.findVersion(db, id, version);
      if (!row) throw notFound('workflow version', `${id}@${version}`);
      return {
        version: {
          id: row.id,
          workflowId: row.workflow_id,
          key: row.key,
          version: row.version,
          note: row.note,
          publishedAt: iso(row.published_at),
          definition: row.definition,
        },
      };
    },
  );
};
