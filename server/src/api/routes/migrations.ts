// Run migration: move the unfinished runs of one published version to another version of the same workflow,
// with an explicit state mapping (old node id -> new node id) that is validated and previewed (how many runs,
// at which nodes, going where) before it is applied, and audited once applied. Never a side effect of
// publishing. Each run moves in its own transaction through the runtime (Runtime.migrateRun), which keeps
// the durability rules of every other event (see docs/architecture.md, "Run migration").
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { migrationTargetProblem } from '@flowdesk/engine';
import type { WorkflowDefinition } from '@flowdesk/schema';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { recordAudit } from '../../audit/index.ts';
import type { Database, Run, WorkflowVersion } from '../../db/types.ts';
import { conflict, FlowdeskError, invalidInput, notFound, type ErrorDetail } from '../../errors.ts';
import type { ApiDeps, ApiRuntime } from '../deps.ts';
import * as repo from '../repos/workflows.repo.ts';
import { pointerSegment } from '../errors.ts';
import { IdParams, withErrors } from '../schemas.ts';
import { auditOrigin } from './security-common.ts';

const tags = ['workflows'];

/** What the routes need from the runtime beyond ApiRuntime (the server's Runtime has it). */
interface RunMigrator {
  migrateRun(
    runId: string,
    input: { fromVersionId: string; toVersionId: string; fromVersion: number; toVersion: number; mapping: Readonly<Record<string, string>> },
  ): Promise<{ run: Run }>;
}

const VersionNumber = (description: string) => Type.Integer({ minimum: 1, maximum: 2_147_483_647, description });
const migrationFields = {
  fromVersion: VersionNumber('The version whose unfinished runs move'),
  toVersion: VersionNumber('The version they move to'),
  mapping: Type.Optional(
    Type.Record(Type.String(), Type.String({ maxLength: 64 }), {
      maxProperties: 1000,
      description: 'Old node id -> node id of toVersion. A node not listed keeps its id (it must exist in toVersion).',
    }),
  ),
};
const MigrationBody = Type.Object(migrationFields, { additionalProperties: false });
const ApplyBody = Type.Object(
  { ...migrationFields, confirm: Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'The run count the preview answered' }) },
  { additionalProperties: false },
);
const Problem = Type.Object({ path: Type.String(), message: Type.String() }, { additionalProperties: false });
const PreviewSchema = Type.Object(
  {
    runs: Type.Integer({ description: 'Unfinished runs on fromVersion' }),
    byState: Type.Array(
      Type.Object(
        {
          from: Type.String({ description: 'Node of fromVersion the runs are at' }),
          to: Type.Union([Type.String(), Type.Null()], { description: 'Node of toVersion they would be re-entered at (null: unmapped)' }),
          runs: Type.Integer(),
        },
        { additionalProperties: false },
      ),
    ),
    problems: Type.Array(Problem, { description: 'Why the migration cannot be applied as asked (empty: it can)' }),
  },
  { additionalProperties: false },
);
const ApplySchema = Type.Object(
  {
    migrated: Type.Integer(),
    failed: Type.Array(Type.Object({ runId: Type.String(), error: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

interface MigrationInput {
  fromVersion: number;
  toVersion: number;
  mapping?: Record<string, string> | undefined;
}

interface Plan {
  workflowKey: string;
  from: WorkflowVersion;
  to: WorkflowVersion;
  mapping: Record<string, string>;
  runs: number;
  byState: { from: string; to: string | null; runs: number }[];
  problems: ErrorDetail[];
}


/**
 * Validates the request and counts the runs it would move. An invalid body (unknown versions, mapping keys
 * that are not nodes of fromVersion, targets that are not non-trigger nodes of toVersion) throws 4xx;
 * runs at a node that would have no target are problems of the plan.
 */
async function planMigration(db: Kysely<Database>, workflowId: string, body: MigrationInput): Promise<Plan> {
  const workflow = await repo.findWorkflow(db, workflowId);
  if (!workflow) throw notFound('workflow', workflowId);
  const version = async (n: number, field: string) => {
    const row = await repo.findVersion(db, workflowId, n);
    if (!row) {
      throw new FlowdeskError('FD_NOT_FOUND', 404, `workflow ${JSON.stringify(workflow.key)} has no version ${n}`, [
        { path: `/body/${field}`, message: `/body/${field}: no such published version` },
      ]);
    }
    return row;
  };
  const from = await version(body.fromVersion, 'fromVersion');
  const to = await version(body.toVersion, 'toVersion');
  if (from.version === to.version) {
    throw invalidInput('toVersion must differ from fromVersion', [{ path: '/body/toVersion', message: '/body/toVersion: must differ from fromVersion' }]);
  }
  const oldDef = from.definition as WorkflowDefinition;
  const newDef = to.definition as WorkflowDefinition;
  const oldNodes = new Set(oldDef.nodes.map((n) => n.id));
  const newNodes = new Set(newDef.nodes.map((n) => n.id));
  const mapping = body.mapping ?? {};

  const invalid: ErrorDetail[] = [];
  for (const [oldId, newId] of Object.entries(mapping)) {
    const path = `/body/mapping/${pointerSegment(oldId)}`;
    if (!oldNodes.has(oldId)) invalid.push({ path, message: `${path}: version ${from.version} has no node ${JSON.stringify(oldId)}` });
    const problem = migrationTargetProblem(newDef, newId);
    if (problem) invalid.push({ path, message: `${path}: ${problem.replace(/^workflow "[^"]*"/, `version ${to.version}`)}` });
  }
  if (invalid.length > 0) throw invalidInput('the mapping is invalid', invalid);

  const counts = await db
    .selectFrom('runs')
    .select(['state', (eb) => eb.fn.countAll<string>().as('runs')])
    .where('workflow_version_id', '=', from.id)
    .where('status', '<>', 'completed')
    .groupBy('state')
    .orderBy('state')
    .execute();
  const byState: Plan['byState'] = [];
  const problems: ErrorDetail[] = [];
  let runs = 0;
  for (const row of counts) {
    const n = Number(row.runs);
    runs += n;
    const target = Object.hasOwn(mapping, row.state) ? mapping[row.state]! : row.state;
    const problem = migrationTargetProblem(newDef, target);
    if (problem) {
      const path = `/body/mapping/${pointerSegment(row.state)}`;
      problems.push({
        path,
        message: `${path}: ${n} run${n === 1 ? ' is' : 's are'} at node ${JSON.stringify(row.state)}, ${
          newNodes.has(target) ? `which is the trigger of version ${to.version}` : `which version ${to.version} does not have`
        }: map it to a node of version ${to.version}`,
      });
    }
    byState.push({ from: row.state, to: problem ? null : target, runs: n });
  }
  return { workflowKey: workflow.key, from, to, mapping, runs, byState, problems };
}

const RunCountsSchema = Type.Object(
  {
    versions: Type.Array(
      Type.Object(
        {
          version: Type.Integer(),
          runs: Type.Integer({ description: 'Unfinished runs (running, waiting or stuck) on this version' }),
          byState: Type.Array(Type.Object({ state: Type.String({ description: 'Node the runs are at' }), runs: Type.Integer() }, { additionalProperties: false })),
        },
        { additionalProperties: false },
      ),
      { description: 'Versions with at least one unfinished run, oldest first' },
    ),
  },
  { additionalProperties: false },
);

export const migrationRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db'> & { runtime: ApiRuntime }> = async (app, { db, runtime }) => {
  app.get(
    '/:id/run-counts',
    {
      config: { access: 'workflows.read' },
      schema: {
        tags,
        summary: 'Unfinished runs per version and node (what a migration could move)',
        description:
          'For each published version of the workflow that has unfinished runs (running, waiting or stuck): how many, and at which node. ' +
          'Counts only, no run or ticket data. The designer\'s "Move runs" page starts from it.',
        params: IdParams,
        response: withErrors({ 200: RunCountsSchema }),
      },
    },
    async (request) => {
      const workflow = await repo.findWorkflow(db, request.params.id);
      if (!workflow) throw notFound('workflow', request.params.id);
      const rows = await db
        .selectFrom('runs')
        .innerJoin('workflow_versions', 'workflow_versions.id', 'runs.workflow_version_id')
        .select(['workflow_versions.version', 'runs.state', (eb) => eb.fn.countAll<string>().as('runs')])
        .where('workflow_versions.workflow_id', '=', workflow.id)
        .where('runs.status', '<>', 'completed')
        .groupBy(['workflow_versions.version', 'runs.state'])
        .orderBy('workflow_versions.version')
        .orderBy('runs.state')
        .execute();
      const versions = new Map<number, { version: number; runs: number; byState: { state: string; runs: number }[] }>();
      for (const row of rows) {
        let entry = versions.get(row.version);
        if (!entry) versions.set(row.version, (entry = { version: row.version, runs: 0, byState: [] }));
        entry.runs += Number(row.runs);
        entry.byState.push({ state: row.state, runs: Number(row.runs) });
      }
      return { versions: [...versions.values()] };
    },
  );

  app.post(
    '/:id/migrations/preview',
    {
      config: { access: 'workflows.publish' },
      schema: {
        tags,
        summary: 'Preview moving the unfinished runs of one version to another',
        description:
          'Counts the unfinished runs on fromVersion by current node and where the mapping (identity by default) would re-enter them in toVersion. An invalid body is a 400 with details; runs at a node that has no target are `problems` of a 200 preview. Changes nothing.',
        params: IdParams,
        body: MigrationBody,
        response: withErrors({ 200: PreviewSchema }),
      },
    },
    async (request) => {
      const plan = await planMigration(db, request.params.id, request.body);
      return { runs: plan.runs, byState: plan.byState, problems: plan.problems };
    },
  );

  app.post(
    '/:id/migrations',
    {
      config: { access: 'workflows.publish' },
      schema: {
        tags,
        summary: 'Move the unfinished runs of one version to another (explicit, previewed, audited)',
        description:
          'Same body as the preview plus `confirm`, the run count the preview answered: 409 when the count changed or the preview has problems. Each run moves in its own transaction (row lock; re-entered at its target node with that node\'s effects; history entry run.migrated; open tasks of the old version cancelled). One audit entry workflow.runs_migrated.',
        params: IdParams,
        body: ApplyBody,
        response: withErrors({ 200: ApplySchema }),
      },
    },
    async (request) => {
      const { id } = request.params;
      const migrator = runtime as ApiRuntime & Partial<RunMigrator>;
      if (typeof migrator.migrateRun !== 'function') throw new FlowdeskError('FD_INTERNAL', 500, 'this server runtime cannot migrate runs');
      const plan = await planMigration(db, id, request.body);
      if (plan.problems.length > 0) throw conflict('the mapping leaves runs without a target node: preview again and map them', plan.problems);
      if (plan.runs !== request.body.confirm) {
        throw conflict(`${plan.runs} runs are on version ${plan.from.version} now, the preview counted ${request.body.confirm}: preview again`, [
          { path: '/body/confirm', message: `/body/confirm: must be ${plan.runs}, the current number of unfinished runs on version ${plan.from.version}` },
        ]);
      }
      const runs = await db
        .selectFrom('runs')
        .select('id')
        .where('workflow_version_id', '=', plan.from.id)
        .where('status', '<>', 'completed')
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      let migrated = 0;
      const failed: { runId: string; error: string }[] = [];
      const input = { fromVersionId: plan.from.id, toVersionId: plan.to.id, fromVersion: plan.from.version, toVersion: plan.to.version, mapping: plan.mapping };
      for (const { id: runId } of runs) {
        try {
          await migrator.migrateRun(runId, input);
          migrated += 1;
        } catch (error) {
          failed.push({ runId, error: error instanceof Error ? error.message : String(error) });
        }
      }
      await recordAudit(db, {
        ...auditOrigin(request),
        action: 'workflow.runs_migrated',
        target: { type: 'workflow', id },
        before: { version: plan.from.version, versionId: plan.from.id },
        after: {
          key: plan.workflowKey,
          version: plan.to.version,
          versionId: plan.to.id,
          mapping: plan.mapping,
          byState: plan.byState,
          runs: runs.length,
          migrated,
          failed: failed.length,
        },
      });
      request.log.info({ workflowId: id, fromVersion: plan.from.version, toVersion: plan.to.version, migrated, failed: failed.length }, 'runs migrated');
      return { migrated, failed };
    },
  );
};
