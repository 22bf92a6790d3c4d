// The API's shared JSON Schemas, built with TypeBox so every route's TypeScript types come from the same
// object Fastify validates with (inputs) and serializes with (outputs). Inputs are closed
// (additionalProperties: false); outputs list exactly the fields we publish, nothing internal.
import { Type, type Static, type TSchema } from 'typebox';

/** Canonical hyphenated UUID. ajv's `uuid` format also accepts a `urn:uuid:` prefix Postgres would reject. */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const Uuid = (options: { description?: string } = {}) => Type.String({ format: 'uuid', pattern: UUID_PATTERN, ...options });
export const DateTime = (options: { description?: string } = {}) => Type.String({ format: 'date-time', ...options });
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** A closed set of strings as one `enum` (one clear error, "must be one of: ..."), not an anyOf of consts. */
export const StringEnum = <const T extends readonly string[]>(values: T, options: { description?: string } = {}) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
/** Input: a UUID or null, as one schema so a bad value yields one error. */
export const NullableUuidInput = (options: { description?: string } = {}) =>
  Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'uuid', pattern: UUID_PATTERN, ...options });
/** Any JSON object (free-form facts, custom fields). */
export const JsonObject = (options: { description?: string } = {}) => Type.Record(Type.String(), Type.Unknown(), options);

// ---- errors ----
export const ErrorDetailSchema = Type.Object(
  {
    path: Type.String({ description: 'JSON pointer to the offending field, prefixed by the request part, e.g. /body/definition/nodes/0/kind' }),
    message: Type.String(),
  },
  { additionalProperties: false },
);
export const ErrorResponseSchema = Type.Object(
  {
    error: Type.Object(
      {
        code: Type.String({ description: 'Stable machine-readable code, e.g. FD_INVALID_INPUT' }),
        message: Type.String(),
        details: Type.Array(ErrorDetailSchema),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, title: 'Error', description: 'Every error the API returns has this shape.' },
);
export type ErrorResponse = Static<typeof ErrorResponseSchema>;

/** Adds the shared error shape for every 4xx/5xx to a route's response map. */
export function withErrors<R extends Record<number, TSchema>>(responses: R) {
  return { ...responses, '4xx': ErrorResponseSchema, '5xx': ErrorResponseSchema };
}

// ---- params ----
export const IdParams = Type.Object({ id: Uuid() }, { additionalProperties: false });

// ---- workflows ----
export const DefinitionInput = Type.Unknown({
  description:
    'A workflow definition document (see the WorkflowDefinition component). It is checked by the shared validator, ' +
    'which reports every problem with a JSON pointer.',
});
export const DefinitionBody = Type.Object({ definition: DefinitionInput }, { additionalProperties: false });
export const PublishBody = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 2000, description: 'Release note stored with the version.' })) },
  { additionalProperties: false },
);

export const IssueSchema = Type.Object(
  {
    path: Type.String({ description: 'JSON pointer into the definition' }),
    message: Type.String(),
    severity: StringEnum(['error', 'warning']),
    code: Type.String(),
  },
  { additionalProperties: false },
);
export const ValidationResultSchema = Type.Object(
  { valid: Type.Boolean(), errors: Type.Array(IssueSchema), warnings: Type.Array(IssueSchema) },
  { additionalProperties: false },
);

export const VersionSummarySchema = Type.Object(
  { id: Uuid(), version: Type.Integer(), note: Nullable(Type.String()), publishedAt: DateTime() },
  { additionalProperties: false },
);
export type VersionSummary = Static<typeof VersionSummarySchema>;

const workflowBase = {
  id: Uuid(),
  key: Type.String(),
  name: Type.String(),
  latestVersion: Nullable(Type.Integer({ description: 'Number of the latest published version, null when never published' })),
  createdAt: DateTime(),
  updatedAt: DateTime(),
};
export const WorkflowSummarySchema = Type.Object(workflowBase, { additionalProperties: false });
export type WorkflowSummary = Static<typeof WorkflowSummarySchema>;
export const WorkflowDetailSchema = Type.Object(
  { ...workflowBase, draft: Type.Unknown({ description: 'The editable draft definition' }), versions: Type.Array(VersionSummarySchema) },
  { additionalProperties: false },
);
export type WorkflowDetail = Static<typeof WorkflowDetailSchema>;
export const VersionDetailSchema = Type.Object(
  {
    id: Uuid(),
    workflowId: Uuid(),
    key: Type.String(),
    version: Type.Integer(),
    note: Nullable(Type.String()),
    publishedAt: DateTime(),
    definition: Type.Unknown({ description: 'The immutable published definition' }),
  },
  { additionalProperties: false },
);
export type VersionDetail = Static<typeof VersionDetailSchema>;

// ---- tickets ----
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const PrioritySchema = StringEnum(PRIORITIES);
export const CreateTicketBody = Type.Object(
  {
    subject: Type.String({ minLength: 1, maxLength: 500 }),
    body: Type.Optional(Type.String({ maxLength: 100_000 })),
    priority: Type.Optional(PrioritySchema),
    fields: Type.Optional(JsonObject({ description: 'Custom fields' })),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export const TicketSchema = Type.Object(
  {
    id: Uuid(),
    subject: Type.String(),
    body: Type.String(),
    status: Type.String(),
    priority: Type.String(),
    fields: JsonObject(),
    tags: Type.Array(Type.String()),
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  { additionalProperties: false },
);
export type TicketDto = Static<typeof TicketSchema>;

// ---- runs ----
export const RUN_STATUSES = ['running', 'waiting', 'stuck', 'completed'] as const;
export const RunStatusSchema = StringEnum(RUN_STATUSES);
export const CurrentNodeSchema = Type.Object(
  { id: Type.String(), kind: Type.String(), name: Nullable(Type.String()) },
  { additionalProperties: false, description: 'The node the run is at, looked up in its pinned definition' },
);
export const RunSchema = Type.Object(
  {
    id: Uuid(),
    workflowId: Uuid(),
    workflowKey: Type.String(),
    workflowVersion: Type.Integer(),
    workflowVersionId: Uuid(),
    ticketId: Nullable(Uuid()),
    status: RunStatusSchema,
    state: Type.String({ description: 'Current node id' }),
    currentNode: Nullable(CurrentNodeSchema),
    sequence: Type.Integer({ description: 'Number of applied history entries' }),
    error: Nullable(Type.String()),
    createdAt: DateTime(),
    updatedAt: DateTime(),
    completedAt: Nullable(DateTime()),
  },
  { additionalProperties: false },
);
export type RunDto = Static<typeof RunSchema>;

export const HistoryEntrySchema = Type.Object(
  {
    sequence: Type.Integer(),
    event: Type.Unknown(),
    fromState: Nullable(Type.String()),
    toState: Type.String(),
    effects: Type.Unknown(),
    at: DateTime(),
    recordedAt: DateTime(),
  },
  { additionalProperties: false },
);
export type HistoryEntryDto = Static<typeof HistoryEntrySchema>;

export const StartRunBody = Type.Object(
  {
    workflowVersionId: Type.Optional(Uuid({ description: 'Start on this published version' })),
    workflowId: Type.Optional(Uuid({ description: 'Start on the latest published version of this workflow' })),
    ticketId: Type.Optional(NullableUuidInput({ description: 'Ticket the run works on' })),
    ticket: Type.Optional(JsonObject({ description: 'Ticket facts for the run (merged over the ticket row, if any)' })),
  },
  { additionalProperties: false, description: 'Exactly one of workflowVersionId and workflowId.' },
);

export const DEFAULT_PAGE_SIZE = 50;
export const ListRunsQuery = Type.Object(
  {
    status: Type.Optional(RunStatusSchema),
    workflowId: Type.Optional(Uuid()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Page size, 1..200 (default 50)' })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Opaque cursor from a previous page (nextCursor)' })),
  },
  { additionalProperties: false },
);

// Events: one closed object per type, discriminated on `type` (ajv `discriminator`, OpenAPI oneOf).
const eventBase = {
  at: Type.Optional(DateTime({ description: 'When the event happened; defaults to the time it is received' })),
  ticket: Type.Optional(JsonObject({ description: 'Fresh ticket facts, merged into the run context first' })),
};
const NodeId = Type.String({ minLength: 1, maxLength: 200 });
const Visit = Type.Integer({ minimum: 0 });
export const EffectResultEventSchema = Type.Object(
  {
    type: Type.Literal('effect.result'),
    nodeId: NodeId,
    visit: Visit,
    outcome: Type.String({ minLength: 1, maxLength: 200 }),
    output: Type.Optional(Type.Unknown()),
    error: Type.Optional(Type.String({ maxLength: 10_000 })),
    ...eventBase,
  },
  { additionalProperties: false, title: 'EffectResultEvent' },
);
export const TaskSubmitEventSchema = Type.Object(
  {
    type: Type.Literal('task.submit'),
    nodeId: NodeId,
    visit: Type.Optional(Visit),
    action: Type.String({ minLength: 1, maxLength: 200 }),
    data: Type.Optional(JsonObject()),
    actor: Type.Optional(Type.String({ maxLength: 200 })),
    ...eventBase,
  },
  { additionalProperties: false, title: 'TaskSubmitEvent' },
);
export const ApprovalVoteEventSchema = Type.Object(
  {
    type: Type.Literal('approval.vote'),
    nodeId: NodeId,
    visit: Type.Optional(Visit),
    approver: Type.String({ minLength: 1, maxLength: 200 }),
    decision: StringEnum(['approve', 'reject']),
    comment: Type.Optional(Type.String({ maxLength: 10_000 })),
    ...eventBase,
  },
  { additionalProperties: false, title: 'ApprovalVoteEvent' },
);
export const TimerFiredEventSchema = Type.Object(
  { type: Type.Literal('timer.fired'), nodeId: NodeId, visit: Visit, timerId: Type.String({ minLength: 1, maxLength: 200 }), ...eventBase },
  { additionalProperties: false, title: 'TimerFiredEvent' },
);
export const TicketEventSchema = Type.Object(
  { type: Type.Literal('ticket.event'), name: Type.String({ minLength: 1, maxLength: 200 }), ...eventBase },
  { additionalProperties: false, title: 'TicketEvent' },
);
const eventSchemas = [EffectResultEventSchema, TaskSubmitEventSchema, ApprovalVoteEventSchema, TimerFiredEventSchema, TicketEventSchema] as const;
export const EVENT_TYPES = eventSchemas.map((s) => s.properties.type.const);
type EventUnion = Static<(typeof eventSchemas)[number]>;
/**
 * `oneOf` + `discriminator` instead of TypeBox's `anyOf` union: ajv then checks only the branch named by
 * `type`, so errors point at that branch's fields instead of listing every branch's failures.
 */
export const RunEventBody = Type.Unsafe<EventUnion>({
  type: 'object',
  discriminator: { propertyName: 'type' },
  required: ['type'],
  oneOf: [...eventSchemas],
  description: `A run event; \`type\` is one of ${EVENT_TYPES.join(', ')}.`,
});
export type RunEventInput = EventUnion;
