// SLA administration and reading: business-hours calendars and SLA policies (CRUD), and a ticket's SLA
// (due times, remaining business time, pause, breaches). Structure is checked by the route schemas
// (closed objects); a calendar's meaning (known IANA zone, start < end, no overlaps, real dates) by the
// SLA module, both reported with JSON pointers under /body.
// Everything works in the signed-in principal's organisation: another organisation's calendar or policy is
// a 404 like an unknown id, and every change is audited (sla.calendar.* / sla.policy.*) in its transaction.
import { scopeOf } from '../../auth/plugin.ts';
import { ticketVisible } from '../../auth/scope.ts';
import { findTicket } from '../repos/tickets.repo.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/types.ts';
import type { CalendarRow, SlaPolicyRow } from '../../db/tables/sla.ts';
import { notFound } from '../../errors.ts';
import {
  createCalendar,
  createPolicy,
  deleteCalendar,
  deletePolicy,
  getCalendar,
  getPolicy,
  listCalendars,
  listPolicies,
  updateCalendar,
  updatePolicy,
} from '../../sla/admin.ts';
import { WEEKDAYS } from '../../sla/business-hours.ts';
import { getTicketSla, type MetricView } from '../../sla/service.ts';
import { DateTime, IdParams, Nullable, NullableUuidInput, StringEnum, Uuid, withErrors } from '../schemas.ts';
import { auditOrigin } from './security-common.ts';
import { organisationOf, rejectNul, withRequestPaths } from './ticketing-common.ts';

const TIME_PATTERN = '^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$';
const DATE_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';
const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
const PAUSABLE_STATUSES = ['open', 'pending', 'waiting_customer', 'on_hold'] as const;
const MAX_MINUTES = 366 * 24 * 60;

// ---- schemas ----

const Interval = Type.Tuple([Type.String({ pattern: TIME_PATTERN }), Type.String({ pattern: TIME_PATTERN })], {
  description: '[start, end) local time "HH:MM"; end may be "24:00"; end must be after start (split overnight hours at midnight)',
});
const WeeklyHours = Type.Object(Object.fromEntries(WEEKDAYS.map((d) => [d, Type.Optional(Type.Array(Interval, { maxItems: 24 }))])) as Record<(typeof WEEKDAYS)[number], ReturnType<typeof Type.Optional<ReturnType<typeof Type.Array<typeof Interval>>>>>, {
  additionalProperties: false,
  description: 'Opening hours per weekday (mon..sun); a missing or empty day is closed.',
});
const CalendarBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    timezone: Type.String({ minLength: 1, maxLength: 100, description: 'IANA time zone, e.g. "Europe/Berlin"' }),
    weeklyHours: WeeklyHours,
    holidays: Type.Array(Type.String({ pattern: DATE_PATTERN }), { maxItems: 2000, uniqueItems: true, description: 'Whole local days off, "YYYY-MM-DD"' }),
  },
  { additionalProperties: false },
);
const CalendarSchema = Type.Object(
  {
    id: Uuid(),
    organisationId: Uuid(),
    name: Type.String(),
    timezone: Type.String(),
    weeklyHours: Type.Record(Type.String(), Type.Array(Type.Array(Type.String()))),
    holidays: Type.Array(Type.String()),
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  { additionalProperties: false },
);

const Minutes = Type.Integer({ minimum: 1, maximum: MAX_MINUTES, description: 'Business minutes' });
const Target = Type.Object({ firstResponseMinutes: Type.Optional(Minutes), resolutionMinutes: Type.Optional(Minutes) }, { additionalProperties: false });
const Targets = Type.Object(Object.fromEntries(PRIORITIES.map((p) => [p, Type.Optional(Target)])) as Record<(typeof PRIORITIES)[number], ReturnType<typeof Type.Optional<typeof Target>>>, {
  additionalProperties: false,
  description: 'Targets per ticket priority; a missing priority or metric has no target.',
});
const StringList = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 100, uniqueItems: true });
const Conditions = Type.Object(
  {
    priorities: Type.Optional(Type.Array(StringEnum(PRIORITIES), { minItems: 1, uniqueItems: true })),
    channels: Type.Optional(StringList),
    tagsAny: Type.Optional(StringList),
    teamIds: Type.Optional(Type.Array(Uuid(), { minItems: 1, maxItems: 100, uniqueItems: true })),
  },
  { additionalProperties: false, description: 'Every given list must match the ticket; absent lists match everything.' },
);
const PolicyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    calendarId: Type.Optional(NullableUuidInput({ description: 'Business-hours calendar; null or absent: clocks run 24/7' })),
    active: Type.Optional(Type.Boolean()),
    position: Type.Optional(Type.Integer({ minimum: -1000000, maximum: 1000000, description: 'Lower is tried first' })),
    targets: Targets,
    pauseStatuses: Type.Optional(Type.Array(StringEnum(PAUSABLE_STATUSES), { uniqueItems: true, description: 'Default: waiting_customer, on_hold' })),
    conditions: Type.Optional(Type.Union([Conditions, Type.Null()])),
  },
  { additionalProperties: false },
);
const PolicySchema = Type.Object(
  {
    id: Uuid(),
    organisationId: Uuid(),
    name: Type.String(),
    calendarId: Nullable(Uuid()),
    active: Type.Boolean(),
    position: Type.Integer(),
    targets: Type.Record(Type.String(), Type.Object({ firstResponseMinutes: Type.Optional(Type.Integer()), resolutionMinutes: Type.Optional(Type.Integer()) })),
    pauseStatuses: Type.Array(Type.String()),
    conditions: Nullable(Type.Record(Type.String(), Type.Array(Type.String()))),
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  { additionalProperties: false },
);

const MetricSchema = Type.Object(
  {
    targetMinutes: Nullable(Type.Integer()),
    dueAt: Nullable(DateTime()),
    remainingBusinessMs: Nullable(Type.Integer({ description: 'Negative when overdue; frozen while paused' })),
    metAt: Nullable(DateTime()),
    breachedAt: Nullable(DateTime()),
    status: StringEnum(['none', 'running', 'paused', 'stopped', 'met', 'breached']),
  },
  { additionalProperties: false },
);
const TicketSlaSchema = Type.Object(
  {
    ticketId: Uuid(),
    policy: Nullable(Type.Object({ id: Uuid(), name: Type.String() }, { additionalProperties: false })),
    calendar: Nullable(Type.Object({ id: Uuid(), name: Type.String(), timezone: Type.String() }, { additionalProperties: false })),
    paused: Type.Boolean(),
    pausedSince: Nullable(DateTime()),
    pausedBusinessMs: Type.Integer(),
    firstResponse: MetricSchema,
    resolution: MetricSchema,
    breaches: Type.Array(
      Type.Object(
        { id: Uuid(), metric: StringEnum(['first_response', 'resolution']), dueAt: DateTime(), breachedAt: DateTime(), policyId: Nullable(Uuid()) },
        { additionalProperties: false },
      ),
    ),
    version: Type.Integer(),
  },
  { additionalProperties: false },
);

/** The lists take no parameters: they always list the signed-in user's organisation (organisationId is refused). */
const NoQuery = Type.Object({}, { additionalProperties: false });

// ---- serialisation ----

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

function toCalendar(row: Pick<CalendarRow, 'id' | 'organisation_id' | 'name' | 'timezone' | 'weekly_hours' | 'holidays' | 'created_at' | 'updated_at'>) {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    name: row.name,
    timezone: row.timezone,
    weeklyHours: row.weekly_hours,
    holidays: row.holidays,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function toPolicy(row: SlaPolicyRow) {
  return {
    id: row.id,
    organisationId: row.organisation_id,
    name: row.name,
    calendarId: row.calendar_id,
    active: row.active,
    position: row.position,
    targets: row.targets as Record<string, { firstResponseMinutes?: number; resolutionMinutes?: number }>,
    pauseStatuses: row.pause_statuses,
    conditions: (row.conditions ?? null) as Record<string, string[]> | null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

const toMetric = (m: MetricView) => ({ ...m, dueAt: isoOrNull(m.dueAt), metAt: isoOrNull(m.metAt), breachedAt: isoOrNull(m.breachedAt) });

export interface SlaRouteOptions {
  db: Kysely<Database>;
  /** The clock for remaining-time figures (the runtime's injected clock in tests). */
  now?: () => Date;
}

export const slaRoutes: FastifyPluginAsyncTypebox<SlaRouteOptions> = async (app, { db, now = () => new Date() }) => {
  // A name holding U+0000 (which Postgres text and jsonb cannot store) is a 400 naming the field.
  app.addHook('preValidation', rejectNul);

  // ---- calendars ----
  const calendarTags = ['sla'];

  app.post(
    '/calendars',
    { config: { access: 'sla.write' }, schema: { tags: calendarTags, summary: 'Create a business-hours calendar', description: "In the signed-in user's organisation.", body: CalendarBody, response: withErrors({ 201: Type.Object({ calendar: CalendarSchema }, { additionalProperties: false }) }) } },
    async (request, reply) => {
      const row = await withRequestPaths(() => createCalendar(db, auditOrigin(request), request.body), '/body');
      return reply.code(201).send({ calendar: toCalendar(row) });
    },
  );

  app.get(
    '/calendars',
    { config: { access: 'sla.read' }, schema: { tags: calendarTags, summary: "List the organisation's calendars", querystring: NoQuery, response: withErrors({ 200: Type.Object({ calendars: Type.Array(CalendarSchema) }, { additionalProperties: false }) }) } },
    async (request) => ({ calendars: (await listCalendars(db, organisationOf(request))).map(toCalendar) }),
  );

  app.get(
    '/calendars/:id',
    { config: { access: 'sla.read' }, schema: { tags: calendarTags, summary: 'Get a calendar', description: "404 when it is not one of the organisation's.", params: IdParams, response: withErrors({ 200: Type.Object({ calendar: CalendarSchema }, { additionalProperties: false }) }) } },
    async (request) => ({ calendar: toCalendar(await getCalendar(db, organisationOf(request), request.params.id)) }),
  );

  app.put(
    '/calendars/:id',
    {
      config: { access: 'sla.write' },
      schema: {
        tags: calendarTags,
        summary: 'Replace a calendar',
        description: 'Existing tickets keep their due times until they next change (priority, status...), when they are recomputed with the new hours.',
        params: IdParams,
        body: CalendarBody,
        response: withErrors({ 200: Type.Object({ calendar: CalendarSchema }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const row = await withRequestPaths(() => updateCalendar(db, auditOrigin(request), request.params.id, request.body), '/body');
      return { calendar: toCalendar(row) };
    },
  );

  app.delete(
    '/calendars/:id',
    { config: { access: 'sla.write' }, schema: { tags: calendarTags, summary: 'Delete a calendar that no policy or agent uses', params: IdParams, response: withErrors({ 204: Type.Null() }) } },
    async (request, reply) => {
      await deleteCalendar(db, auditOrigin(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  // ---- policies ----
  const policyTags = ['sla'];

  app.post(
    '/sla-policies',
    { config: { access: 'sla.write' }, schema: { tags: policyTags, summary: 'Create an SLA policy', description: "In the signed-in user's organisation; calendarId must be one of its calendars.", body: PolicyBody, response: withErrors({ 201: Type.Object({ policy: PolicySchema }, { additionalProperties: false }) }) } },
    async (request, reply) => {
      const row = await withRequestPaths(() => createPolicy(db, auditOrigin(request), request.body), '/body');
      return reply.code(201).send({ policy: toPolicy(row) });
    },
  );

  app.get(
    '/sla-policies',
    { config: { access: 'sla.read' }, schema: { tags: policyTags, summary: "List the organisation's SLA policies in the order they are tried", querystring: NoQuery, response: withErrors({ 200: Type.Object({ policies: Type.Array(PolicySchema) }, { additionalProperties: false }) }) } },
    async (request) => ({ policies: (await listPolicies(db, organisationOf(request))).map(toPolicy) }),
  );

  app.get(
    '/sla-policies/:id',
    { config: { access: 'sla.read' }, schema: { tags: policyTags, summary: 'Get an SLA policy', description: "404 when it is not one of the organisation's.", params: IdParams, response: withErrors({ 200: Type.Object({ policy: PolicySchema }, { additionalProperties: false }) }) } },
    async (request) => ({ policy: toPolicy(await getPolicy(db, organisationOf(request), request.params.id)) }),
  );

  app.put(
    '/sla-policies/:id',
    {
      config: { access: 'sla.write' },
      schema: {
        tags: policyTags,
        summary: 'Replace an SLA policy',
        description: 'Tickets pick up the new targets when they next change (priority, status...); timers already scheduled stay until then.',
        params: IdParams,
        body: PolicyBody,
        response: withErrors({ 200: Type.Object({ policy: PolicySchema }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const row = await withRequestPaths(() => updatePolicy(db, auditOrigin(request), request.params.id, request.body), '/body');
      return { policy: toPolicy(row) };
    },
  );

  app.delete(
    '/sla-policies/:id',
    { config: { access: 'sla.write' }, schema: { tags: policyTags, summary: 'Delete an SLA policy no ticket has used (deactivate it otherwise)', params: IdParams, response: withErrors({ 204: Type.Null() }) } },
    async (request, reply) => {
      await deletePolicy(db, auditOrigin(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  // ---- a ticket's SLA ----
  app.get(
    '/tickets/:id/sla',
    {
      config: { access: 'tickets.read' },
      schema: {
        tags: ['sla'],
        summary: "A ticket's SLA: due times, remaining business time, pause and breaches",
        description: 'policy is null when no SLA policy applies; 404 for an unknown ticket.',
        params: IdParams,
        response: withErrors({ 200: Type.Object({ sla: Nullable(TicketSlaSchema) }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const ticket = await findTicket(db, request.params.id);
      if (!ticket || !ticketVisible(scopeOf(request), ticket)) throw notFound('ticket', request.params.id);
      const view = await getTicketSla(db, request.params.id, now());
      if (!view) return { sla: null };
      return {
        sla: {
          ...view,
          pausedSince: isoOrNull(view.pausedSince),
          firstResponse: toMetric(view.firstResponse),
          resolution: toMetric(view.resolution),
          breaches: view.breaches.map((b) => ({ id: b.id, metric: b.metric, dueAt: iso(b.due_at), breachedAt: iso(b.breached_at), policyId: b.policy_id })),
        },
      };
    },
  );
};
