// The agent's side of a ticket's workflow runs: the runs of a ticket, their open human steps (task and
// approval nodes) with what the agent needs to act on them — the node's form (JSON Schema + UI schema from
// the workflow version the run is pinned to), its actions, the approval's votes so far — and the submission
// of one, which the server turns into the run event (task.submit / approval.vote) with the signed-in user as
// actor. Routes: server/src/api/routes/tickets.ts (GET /:id/runs, GET /:id/tasks, POST /:id/tasks/:taskId).
import type { Kysely, Transaction } from 'kysely';
import { Type, type Static } from 'typebox';
import type { Database } from '../db/types.ts';
import { invalidInput } from '../errors.ts';
import { compileFieldsSchema, fieldErrors } from '../ticketing/fields.ts';
import { DateTime, JsonObject, Nullable, StringEnum, Uuid } from './schemas.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** Task ids are the key of the effect that opened them: `<run id>:<sequence>:<effect index>`. */
export const TASK_ID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}:[0-9]{1,10}:[0-9]{1,6}$';

export const TicketTaskParams = Type.Object(
  { id: Uuid(), taskId: Type.String({ pattern: TASK_ID_PATTERN, maxLength: 60, description: 'A task id from GET /api/tickets/{id}/tasks' }) },
  { additionalProperties: false },
);

export const TicketTaskSchema = Type.Object(
  {
    id: Type.String({ description: '<run id>:<sequence>:<effect index>' }),
    runId: Uuid(),
    workflowId: Uuid(),
    workflowKey: Type.String(),
    workflowVersion: Type.Integer(),
    nodeId: Type.String(),
    nodeName: Nullable(Type.String()),
    visit: Type.Integer(),
    kind: StringEnum(['task', 'approval']),
    title: Type.String(),
    assignee: Type.Unknown({ description: 'Who the step is for: the task node\'s assignee, or the approval node\'s list of approvers' }),
    createdAt: DateTime(),
    form: Nullable(
      Type.Object(
        {
          key: Type.String(),
          title: Nullable(Type.String()),
          schema: JsonObject({ description: 'JSON Schema of the data the task submits' }),
          uiSchema: Nullable(JsonObject({ description: 'JSON Forms layout' })),
        },
        { additionalProperties: false, description: "The task node's form, from the run's workflow version; null for approvals and tasks without a form" },
      ),
    ),
    actions: Type.Array(Type.Object({ id: Type.String(), label: Type.String() }, { additionalProperties: false }), { description: 'A task\'s buttons (each an outcome); empty for approvals' }),
    approval: Nullable(
      Type.Object(
        {
          required: Type.Integer({ description: 'Approvals needed' }),
          rejectionsToReject: Type.Integer({ description: 'Rejections that end it as rejected' }),
          votes: Type.Array(Type.Object({ approver: Type.String(), decision: StringEnum(['approve', 'reject']) }, { additionalProperties: false })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type TicketTaskDto = Static<typeof TicketTaskSchema>;

export const SubmitTaskBody = Type.Object(
  {
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Task: the action (outcome) chosen' })),
    data: Type.Optional(JsonObject({ description: "Task: the form's data, validated against the form's JSON Schema" })),
    decision: Type.Optional(StringEnum(['approve', 'reject'], { description: 'Approval: the vote' })),
    comment: Type.Optional(Type.String({ maxLength: 10_000, description: 'Approval: a comment kept with the vote in the run history' })),
  },
  { additionalProperties: false, description: 'A task takes action (+ data); an approval takes decision (+ comment).' },
);
export type SubmitTaskInput = Static<typeof SubmitTaskBody>;

interface NodeLike {
  id: string;
  kind: string;
  name?: string;
  params?: Record<string, unknown>;
}
interface DefinitionLike {
  nodes?: NodeLike[];
  forms?: Record<string, { title?: string; schema?: Record<string, unknown>; uiSchema?: Record<string, unknown> }>;
}

export interface OpenTaskRow {
  id: string;
  run_id: string;
  node_id: string;
  visit: number;
  kind: 'task' | 'approval';
  title: string;
  assignee: unknown;
  created_at: Date;
  workflow_id: string;
  workflow_key: string;
  workflow_version: number;
  definition: unknown;
  snapshot: unknown;
}

/** The open tasks of the ticket's runs, oldest first, with the definition and snapshot of their run. */
export async function listOpenTasks(db: Executor, ticketId: string, taskId?: string): Promise<OpenTaskRow[]> {
  let query = db
    .selectFrom('tasks as k')
    .innerJoin('runs as r', 'r.id', 'k.run_id')
    .innerJoin('workflow_versions as v', 'v.id', 'r.workflow_version_id')
    .innerJoin('workflows as w', 'w.id', 'v.workflow_id')
    .select(['k.id', 'k.run_id', 'k.node_id', 'k.visit', 'k.kind', 'k.title', 'k.assignee', 'k.created_at', 'w.id as workflow_id', 'w.key as workflow_key', 'v.version as workflow_version', 'v.definition', 'r.snapshot'])
    .where('r.ticket_id', '=', ticketId)
    .where('k.status', '=', 'open');
  if (taskId !== undefined) query = query.where('k.id', '=', taskId);
  return (await query.orderBy('k.created_at', 'asc').orderBy('k.id', 'asc').execute()) as OpenTaskRow[];
}

function nodeOf(definition: unknown, nodeId: string): NodeLike | undefined {
  return (definition as DefinitionLike | null)?.nodes?.find((n) => n?.id === nodeId);
}

export function toTicketTask(row: OpenTaskRow): TicketTaskDto {
  const node = nodeOf(row.definition, row.node_id);
  const params = node?.params ?? {};
  const forms = (row.definition as DefinitionLike | null)?.forms ?? {};
  const formKey = row.kind === 'task' && typeof params.form === 'string' ? params.form : null;
  const form = formKey ? forms[formKey] : undefined;
  const votes = ((row.snapshot as { context?: { votes?: Record<string, Record<string, string>> } } | null)?.context?.votes ?? {})[row.node_id] ?? {};
  return {
    id: row.id,
    runId: row.run_id,
    workflowId: row.workflow_id,
    workflowKey: row.workflow_key,
    workflowVersion: row.workflow_version,
    nodeId: row.node_id,
    nodeName: typeof node?.name === 'string' ? node.name : null,
    visit: row.visit,
    kind: row.kind,
    title: row.title,
    assignee: row.assignee,
    createdAt: new Date(row.created_at).toISOString(),
    form: formKey && form?.schema ? { key: formKey, title: form.title ?? null, schema: form.schema, uiSchema: form.uiSchema ?? null } : null,
    actions: row.kind === 'task' && Array.isArray(params.actions) ? (params.actions as { id: string; label: string }[]).map((a) => ({ id: String(a.id), label: String(a.label) })) : [],
    approval:
      row.kind === 'approval'
        ? {
            required: typeof params.required === 'number' ? params.required : 1,
            rejectionsToReject: typeof params.rejectionsToReject === 'number' ? params.rejectionsToReject : 1,
            votes: Object.entries(votes)
              .filter((e): e is [string, 'approve' | 'reject'] => e[1] === 'approve' || e[1] === 'reject')
              .map(([approver, decision]) => ({ approver, decision })),
          }
        : null,
  };
}

const bad = (path: string, message: string) => invalidInput(`${path}: ${message}`, [{ path, message: `${path}: ${message}` }]);

/**
 * The run event a submission becomes, after checking the body against the task: a task needs one of its
 * actions and form data valid against its form's schema (each problem at /body/data/<field>); an approval
 * needs a decision. `actor` is the signed-in user, never taken from the body.
 */
export function taskEvent(task: TicketTaskDto, body: SubmitTaskInput, actor: string) {
  if (task.kind === 'approval') {
    if (body.action !== undefined) throw bad('/body/action', 'an approval takes decision, not action');
    if (body.data !== undefined) throw bad('/body/data', 'an approval takes no form data');
    if (body.decision === undefined) throw bad('/body/decision', 'is required for an approval ("approve" or "reject")');
    return {
      type: 'approval.vote' as const,
      nodeId: task.nodeId,
      visit: task.visit,
      approver: actor,
      decision: body.decision,
      ...(body.comment?.trim() ? { comment: body.comment.trim() } : {}),
    };
  }
  if (body.decision !== undefined) throw bad('/body/decision', 'a task takes action, not decision');
  if (body.comment !== undefined) throw bad('/body/comment', 'a task takes no comment: put it in the form data');
  if (body.action === undefined) throw bad('/body/action', `is required (one of: ${task.actions.map((a) => a.id).join(', ')})`);
  if (!task.actions.some((a) => a.id === body.action)) throw bad('/body/action', `must be one of: ${task.actions.map((a) => JSON.stringify(a.id)).join(', ')}`);
  const data = body.data ?? {};
  if (task.form) {
    const validate = compileFieldsSchema(task.form.schema);
    if (!validate(data)) {
      const details = fieldErrors(validate.errors, '/body/data');
      const more = details.length > 1 ? ` (and ${details.length - 1} more problem${details.length > 2 ? 's' : ''})` : '';
      throw invalidInput(`${details[0]?.message ?? '/body/data: is invalid'}${more}`, details);
    }
  }
  return { type: 'task.submit' as const, nodeId: task.nodeId, visit: task.visit, action: body.action, data, actor };
}
