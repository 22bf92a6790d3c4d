// JSON Schemas (TypeBox) of the ticketing routes: tickets, messages, customers, teams and agents, KB,
// macros, the public web form. Inputs closed (additionalProperties: false), outputs list exactly what we publish.
import { Type, type Static } from 'typebox';
import { DateTime, JsonObject, Nullable, NullableUuidInput, StringEnum, Uuid } from './schemas.ts';

export const TICKET_STATUSES = ['open', 'pending', 'waiting_customer', 'on_hold', 'resolved', 'closed', 'cancelled'] as const;
export const CHANNELS = ['api', 'email', 'portal', 'web_form', 'chat', 'phone', 'social', 'webhook'] as const;
export const PRIORITY_VALUES = ['low', 'normal', 'high', 'urgent'] as const;

const Tag = Type.String({ minLength: 1, maxLength: 100 });
const Tags = (description: string) => Type.Array(Tag, { maxItems: 100, uniqueItems: true, description });
const Cursor = Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'Opaque cursor from a previous page (nextCursor)' }));
const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Page size, 1..200 (default 50)' }));

// ---- attachments ----
export const AttachmentInputSchema = Type.Object(
  {
    filename: Type.String({ minLength: 1, maxLength: 255 }),
    contentType: Type.String({ minLength: 3, maxLength: 200, description: 'MIME type; must be on the allow-list (see docs/ticketing.md)' }),
    contentBase64: Type.String({ description: 'The file, base64-encoded. At most 10 MiB per file, 25 MiB per message, 10 files.' }),
  },
  { additionalProperties: false },
);
export const AttachmentSchema = Type.Object(
  { id: Uuid(), filename: Type.String(), contentType: Type.String(), sizeBytes: Type.Integer(), sha256: Type.String(), createdAt: DateTime() },
  { additionalProperties: false },
);

// ---- customers ----
export const CustomerRefInput = Type.Object(
  {
    email: Type.Optional(Type.String({ minLength: 3, maxLength: 320 })),
    phone: Type.Optional(Type.String({ minLength: 3, maxLength: 40, description: 'E.164, e.g. +442079460958' })),
    handle: Type.Optional(Type.String({ minLength: 3, maxLength: 240, description: '"network:name", e.g. "twitter:@ana"' })),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    language: Type.Optional(Type.String({ minLength: 2, maxLength: 35 })),
  },
  { additionalProperties: false, description: 'Who the ticket is from; at least one of email, phone, handle. Resolved to one customer.' },
);
export const IdentitySchema = Type.Object(
  { id: Uuid(), kind: StringEnum(['email', 'phone', 'handle', 'portal']), value: Type.String(), verified: Type.Boolean(), createdAt: DateTime() },
  { additionalProperties: false },
);
export const CustomerSchema = Type.Object(
  {
    id: Uuid(),
    name: Nullable(Type.String()),
    language: Nullable(Type.String()),
    mergedInto: Nullable(Uuid()),
    identities: Type.Array(IdentitySchema),
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  { additionalProperties: false },
);
export type CustomerDto = Static<typeof CustomerSchema>;
export const CreateCustomerBody = CustomerRefInput;
export const AddIdentityBody = Type.Object(
  { kind: StringEnum(['email', 'phone', 'handle', 'portal']), value: Type.String({ minLength: 1, maxLength: 320 }), verified: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);
export const MergeBody = Type.Object({ mergedId: Uuid({ description: 'The customer folded into this one' }) }, { additionalProperties: false });
export const ListCustomersQuery = Type.Object(
  { q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Name or identity value (prefix, case-insensitive)' })), limit: Limit, cursor: Cursor },
  { additionalProperties: false },
);

// ---- tickets ----
export const TicketFullSchema = Type.Object(
  {
    id: Uuid(),
    number: Type.Integer({ description: 'Human-friendly number, shown as #1042' }),
    subject: Type.String(),
    body: Type.String(),
    status: Type.String(),
    priority: Type.String(),
    channel: Type.String(),
    fields: JsonObject(),
    tags: Type.Array(Type.String()),
    customerId: Nullable(Uuid()),
    assigneeAgentId: Nullable(Uuid()),
    teamId: Nullable(Uuid()),
    firstRespondedAt: Nullable(DateTime()),
    resolvedAt: Nullable(DateTime()),
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  { additionalProperties: false },
);
export type TicketFullDto = Static<typeof TicketFullSchema>;

export const MessageSchema = Type.Object(
  {
    id: Uuid(),
    visibility: StringEnum(['public', 'internal']),
    authorType: StringEnum(['customer', 'agent', 'system']),
    authorCustomerId: Nullable(Uuid()),
    authorAgentId: Nullable(Uuid()),
    channel: Type.String(),
    bodyText: Type.String(),
    bodyHtml: Nullable(Type.String()),
    emailMessageId: Nullable(Type.String()),
    inReplyTo: Nullable(Type.String()),
    references: Type.Array(Type.String()),
    attachments: Type.Array(AttachmentSchema),
    createdAt: DateTime(),
  },
  { additionalProperties: false },
);
export type MessageDto = Static<typeof MessageSchema>;

export const CreateTicketFullBody = Type.Object(
  {
    subject: Type.String({ minLength: 1, maxLength: 500 }),
    body: Type.Optional(Type.String({ maxLength: 100_000 })),
    priority: Type.Optional(StringEnum(PRIORITY_VALUES)),
    channel: Type.Optional(StringEnum(CHANNELS, { description: 'Intake channel (default api)' })),
    customer: Type.Optional(CustomerRefInput),
    customerId: Type.Optional(Uuid({ description: 'An existing customer (instead of customer)' })),
    fields: Type.Optional(JsonObject({ description: "Custom fields, validated against the organisation's ticket fields schema" })),
    tags: Type.Optional(Tags('Tags')),
    attachments: Type.Optional(Type.Array(AttachmentInputSchema, { maxItems: 10 })),
  },
  { additionalProperties: false },
);

export const UpdateTicketBody = Type.Object(
  {
    subject: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    status: Type.Optional(StringEnum(TICKET_STATUSES)),
    priority: Type.Optional(StringEnum(PRIORITY_VALUES)),
    assigneeAgentId: Type.Optional(NullableUuidInput({ description: 'Agent id; null unassigns' })),
    teamId: Type.Optional(NullableUuidInput({ description: 'Team id; null clears' })),
    tags: Type.Optional(Tags('Replaces the tags')),
    addTags: Type.Optional(Tags('Tags to add')),
    removeTags: Type.Optional(Tags('Tags to remove')),
    fields: Type.Optional(JsonObject({ description: 'Merged into the custom fields; null removes a field' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const AddMessageBody = Type.Object(
  {
    body: Type.String({ minLength: 1, maxLength: 100_000 }),
    bodyHtml: Type.Optional(Type.String({ maxLength: 500_000 })),
    visibility: Type.Optional(StringEnum(['public', 'internal'], { description: 'public reply (default) or internal note' })),
    authorType: Type.Optional(StringEnum(['agent', 'customer', 'system'], { description: 'Default agent' })),
    authorAgentId: Type.Optional(Uuid()),
    authorCustomerId: Type.Optional(Uuid()),
    channel: Type.Optional(StringEnum(CHANNELS)),
    attachments: Type.Optional(Type.Array(AttachmentInputSchema, { maxItems: 10 })),
  },
  { additionalProperties: false },
);

export const ListTicketsQuery = Type.Object(
  {
    status: Type.Optional(StringEnum(TICKET_STATUSES)),
    priority: Type.Optional(StringEnum(PRIORITY_VALUES)),
    channel: Type.Optional(StringEnum(CHANNELS)),
    assigneeAgentId: Type.Optional(Uuid()),
    unassigned: Type.Optional(Type.Boolean({ description: 'true: only tickets nobody is assigned to (not with assigneeAgentId)' })),
    teamId: Type.Optional(Uuid()),
    customerId: Type.Optional(Uuid()),
    tag: Type.Optional(Tag),
    createdFrom: Type.Optional(DateTime({ description: 'Created at or after' })),
    createdTo: Type.Optional(DateTime({ description: 'Created before' })),
    limit: Limit,
    cursor: Cursor,
  },
  { additionalProperties: false },
);
export const SearchQuery = Type.Object(
  { q: Type.String({ minLength: 1, maxLength: 500, description: 'Web-search syntax: words, "quoted phrases", -excluded, or' }), limit: Limit, cursor: Cursor },
  { additionalProperties: false },
);
export const TicketHitSchema = Type.Object(
  { ticket: TicketFullSchema, rank: Type.Number(), snippet: Type.String({ description: 'Matching text with <mark>…</mark> around the terms' }) },
  { additionalProperties: false },
);

/** A ticket's SLA clocks in a list: due times, when met, when breached (null: no target, not yet). */
export const TicketSlaSummarySchema = Type.Object(
  {
    ticketId: Uuid(),
    firstResponseDueAt: Nullable(DateTime()),
    resolutionDueAt: Nullable(DateTime()),
    firstResponseMetAt: Nullable(DateTime()),
    resolutionMetAt: Nullable(DateTime()),
    firstResponseBreachedAt: Nullable(DateTime()),
    resolutionBreachedAt: Nullable(DateTime()),
    paused: Type.Boolean({ description: 'The clocks stand still (a waiting status)' }),
  },
  { additionalProperties: false },
);

export const TicketAttachmentParams = Type.Object({ id: Uuid(), attachmentId: Uuid() }, { additionalProperties: false });
export const TicketMacroParams = Type.Object({ id: Uuid(), macroId: Uuid() }, { additionalProperties: false });
export const ApplyMacroBody = Type.Object({ authorAgentId: Type.Optional(Uuid()) }, { additionalProperties: false });

// ---- teams and agents ----
export const TeamSchema = Type.Object({ id: Uuid(), name: Type.String(), agentIds: Type.Array(Uuid()), createdAt: DateTime() }, { additionalProperties: false });
export const CreateTeamBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), agentIds: Type.Optional(Type.Array(Uuid(), { maxItems: 500, uniqueItems: true })) },
  { additionalProperties: false },
);
export const UpdateTeamBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), agentIds: Type.Optional(Type.Array(Uuid(), { maxItems: 500, uniqueItems: true, description: 'Replaces the members' })) },
  { additionalProperties: false, minProperties: 1 },
);
const Skills = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 100, uniqueItems: true });
export const AgentSchema = Type.Object(
  {
    id: Uuid(),
    name: Type.String(),
    email: Type.String(),
    skills: Type.Array(Type.String()),
    capacity: Type.Integer(),
    active: Type.Boolean(),
    calendarId: Nullable(Uuid()),
    teamIds: Type.Array(Uuid()),
    createdAt: DateTime(),
  },
  { additionalProperties: false },
);
export const CreateAgentBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.String({ minLength: 3, maxLength: 320 }),
    skills: Type.Optional(Skills),
    capacity: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    active: Type.Optional(Type.Boolean()),
    calendarId: Type.Optional(NullableUuidInput({ description: 'Working hours (a business-hours calendar); null: always available' })),
    teamIds: Type.Optional(Type.Array(Uuid(), { maxItems: 100, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export const UpdateAgentBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    skills: Type.Optional(Skills),
    capacity: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    active: Type.Optional(Type.Boolean()),
    calendarId: Type.Optional(NullableUuidInput({ description: 'Working hours (a business-hours calendar); null: always available' })),
    teamIds: Type.Optional(Type.Array(Uuid(), { maxItems: 100, uniqueItems: true, description: 'Replaces the memberships' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

// ---- knowledge base ----
export const KbArticleSchema = Type.Object(
  {
    id: Uuid(),
    title: Type.String(),
    bodyMarkdown: Type.String(),
    category: Nullable(Type.String()),
    language: Type.String(),
    status: StringEnum(['draft', 'published']),
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  { additionalProperties: false },
);
export const CreateKbBody = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 300 }),
    bodyMarkdown: Type.String({ maxLength: 200_000 }),
    category: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
    language: Type.Optional(Type.String({ minLength: 2, maxLength: 35 })),
    status: Type.Optional(StringEnum(['draft', 'published'])),
  },
  { additionalProperties: false },
);
export const UpdateKbBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    bodyMarkdown: Type.Optional(Type.String({ maxLength: 200_000 })),
    category: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
    language: Type.Optional(Type.String({ minLength: 2, maxLength: 35 })),
    status: Type.Optional(StringEnum(['draft', 'published'])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const ListKbQuery = Type.Object(
  { status: Type.Optional(StringEnum(['draft', 'published'])), category: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), limit: Limit, cursor: Cursor },
  { additionalProperties: false },
);
export const KbHitSchema = Type.Object({ article: KbArticleSchema, rank: Type.Number(), snippet: Type.String() }, { additionalProperties: false });

// ---- macros ----
export const MacroSchema = Type.Object(
  { id: Uuid(), name: Type.String(), body: Type.String(), actions: Type.Array(Type.Unknown()), createdAt: DateTime() },
  { additionalProperties: false },
);
export const CreateMacroBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    body: Type.String({ maxLength: 20_000, description: 'Canned reply; {{ticket.*}} and {{customer.name}} are filled in. Empty: no reply, only actions.' }),
    actions: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 50, description: 'Action steps (setFields, addTags, removeTags, assign, setStatus); not http or reply' })),
  },
  { additionalProperties: false },
);
export const UpdateMacroBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    body: Type.Optional(Type.String({ maxLength: 20_000 })),
    actions: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 50 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

// ---- public web form ----
export const PublicTicketBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    email: Type.String({ minLength: 3, maxLength: 320 }),
    subject: Type.String({ minLength: 1, maxLength: 500 }),
    body: Type.String({ minLength: 1, maxLength: 50_000 }),
    fields: Type.Optional(JsonObject()),
  },
  { additionalProperties: false },
);
