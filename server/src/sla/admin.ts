// Administration of an organisation's business-hours calendars and SLA policies: list, read, create,
// replace, delete. Every function works inside ONE organisation (the caller's): a row of another
// organisation is "not found" exactly like a row that does not exist, so ids cannot be read, changed or
// probed across tenants. Every change writes its audit entry (sla.calendar.* / sla.policy.*) in the
// transaction of the change, so both commit or roll back together.
//
// Error pointers are relative to the input ("/name", "/calendarId", "/weeklyHours/mon/0/1"); the REST
// routes prefix them with "/body" (withRequestPaths).
import type { Transaction } from 'kysely';
import { canonicalJson, recordAudit, type AuditEntry } from '../audit/index.ts';
import type { Database } from '../db/types.ts';
import type { CalendarRow, SlaConditions, SlaPolicyRow, SlaTargets } from '../db/tables/sla.ts';
import { conflict, invalidInput, notFound } from '../errors.ts';
import { calendarIssues, type BusinessCalendar } from './business-hours.ts';
import { calendarSelection, DEFAULT_PAUSE_STATUSES, inTransaction, type SlaExecutor } from './service.ts';

/** Who changes what where: the organisation worked in, and the audit actor, IP and user agent. */
export type SlaChangeOrigin = Pick<AuditEntry, 'organisationId' | 'actor' | 'ip' | 'userAgent'>;

export interface CalendarInput {
  name: string;
  timezone: string;
  weeklyHours: BusinessCalendar['weeklyHours'];
  holidays: string[];
}

export interface PolicyInput {
  name: string;
  /** null or absent: the clocks run 24/7. Must be a calendar of the same organisation. */
  calendarId?: string | null;
  active?: boolean;
  position?: number;
  targets: SlaTargets;
  pauseStatuses?: string[];
  conditions?: SlaConditions | null;
}

/** Audit action names. */
export const SLA_AUDIT_ACTIONS = {
  calendarCreated: 'sla.calendar.created',
  calendarUpdated: 'sla.calendar.updated',
  calendarDeleted: 'sla.calendar.deleted',
  policyCreated: 'sla.policy.created',
  policyUpdated: 'sla.policy.updated',
  policyDeleted: 'sla.policy.deleted',
} as const;

const nameTaken = (what: string, name: string) => conflict(`a ${what} named ${JSON.stringify(name)} already exists in this organisation`, [{ path: '/name', message: '/name: is already used' }]);

// ---- audit details: the configuration only (no personal data), and for a change only what changed ----

type Details = Record<string, unknown>;

const calendarDetails = (row: Pick<CalendarRow, 'name' | 'timezone' | 'weekly_hours' | 'holidays'>): Details => ({
  name: row.name,
  timezone: row.timezone,
  weeklyHours: row.weekly_hours,
  holidays: row.holidays,
});

const policyDetails = (row: SlaPolicyRow): Details => ({
  name: row.name,
  calendarId: row.calendar_id,
  active: row.active,
  position: row.position,
  targets: row.targets,
  pauseStatuses: row.pause_statuses,
  conditions: row.conditions ?? null,
});

/** The fields that differ (compared as canonical JSON: jsonb does not keep key order); null when none do. */
function changedFields(before: Details, after: Details): { before: Details; after: Details } | null {
  const keys = Object.keys(after).filter((key) => canonicalJson(before[key] ?? null) !== canonicalJson(after[key] ?? null));
  if (keys.length === 0) return null;
  return { before: Object.fromEntries(keys.map((k) => [k, before[k]])), after: Object.fromEntries(keys.map((k) => [k, after[k]])) };
}

// ---- calendars ----

/** The meaning of a calendar (known IANA zone, start < end, no overlaps, real dates); 400 listing every problem. */
function checkCalendar(input: CalendarInput): void {
  const issues = calendarIssues({ timezone: input.timezone, weeklyHours: input.weeklyHours, holidays: input.holidays });
  if (issues.length === 0) return;
  const details = issues.map((i) => ({ path: i.path, message: `${i.path}: ${i.message}` }));
  const more = details.length > 1 ? ` (and ${details.length - 1} more problem${details.length > 2 ? 's' : ''})` : '';
  throw invalidInput(`${details[0]!.message}${more}`, details);
}

export function listCalendars(db: SlaExecutor, organisationId: string): Promise<CalendarRow[]> {
  return db.selectFrom('calendars').select(calendarSelection()).where('organisation_id', '=', organisationId).orderBy('name').execute();
}

/** The organisation's calendar; 404 when it does not exist or belongs to another organisation. */
export async function getCalendar(db: SlaExecutor, organisationId: string, id: string): Promise<CalendarRow> {
  const row = await db.selectFrom('calendars').select(calendarSelection()).where('id', '=', id).where('organisation_id', '=', organisationId).executeTakeFirst();
  if (!row) throw notFound('calendar', id);
  return row;
}

/** getCalendar, locking the row until the transaction ends (no concurrent change or reference meanwhile). */
async function lockCalendar(trx: Transaction<Database>, organisationId: string, id: string): Promise<CalendarRow> {
  const row = await trx.selectFrom('calendars').select(calendarSelection()).where('id', '=', id).where('organisation_id', '=', organisationId).forUpdate().executeTakeFirst();
  if (!row) throw notFound('calendar', id);
  return row;
}

export async function createCalendar(executor: SlaExecutor, origin: SlaChangeOrigin, input: CalendarInput): Promise<CalendarRow> {
  checkCalendar(input);
  return inTransaction(executor, async (trx) => {
    const now = new Date();
    const inserted = await trx
      .insertInto('calendars')
      .values({ organisation_id: origin.organisationId, name: input.name, timezone: input.timezone, weekly_hours: JSON.stringify(input.weeklyHours), holidays: input.holidays, created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['organisation_id', 'name']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) throw nameTaken('calendar', input.name);
    const row = await getCalendar(trx, origin.organisationId, inserted.id);
    await recordAudit(trx, { ...origin, action: SLA_AUDIT_ACTIONS.calendarCreated, target: { type: 'calendar', id: row.id }, after: calendarDetails(row) });
    return row;
  });
}

/** Replaces a calendar. Existing tickets keep their due times until they next change. */
export async function updateCalendar(executor: SlaExecutor, origin: SlaChangeOrigin, id: string, input: CalendarInput): Promise<CalendarRow> {
  checkCalendar(input);
  return inTransaction(executor, async (trx) => {
    const before = await lockCalendar(trx, origin.organisationId, id);
    const clash = await trx.selectFrom('calendars').select('id').where('organisation_id', '=', origin.organisationId).where('name', '=', input.name).where('id', '<>', id).executeTakeFirst();
    if (clash) throw nameTaken('calendar', input.name);
    await trx
      .updateTable('calendars')
      .set({ name: input.name, timezone: input.timezone, weekly_hours: JSON.stringify(input.weeklyHours), holidays: input.holidays, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
    const after = await getCalendar(trx, origin.organisationId, id);
    const changed = changedFields(calendarDetails(before), calendarDetails(after));
    if (changed) await recordAudit(trx, { ...origin, action: SLA_AUDIT_ACTIONS.calendarUpdated, target: { type: 'calendar', id }, ...changed });
    return after;
  });
}

/** Deletes a calendar no SLA policy and no agent uses (409 otherwise). */
export async function deleteCalendar(executor: SlaExecutor, origin: SlaChangeOrigin, id: string): Promise<void> {
  await inTransaction(executor, async (trx) => {
    // The lock makes a policy or agent that is being pointed at this calendar wait, then see it gone.
    const before = await lockCalendar(trx, origin.organisationId, id);
    const policy = await trx.selectFrom('sla_policies').select('name').where('calendar_id', '=', id).executeTakeFirst();
    if (policy) throw conflict(`calendar is used by SLA policy ${JSON.stringify(policy.name)}`);
    const agent = await trx.selectFrom('agents').select('name').where('calendar_id', '=', id).executeTakeFirst();
    if (agent) throw conflict(`calendar is the working hours of agent ${JSON.stringify(agent.name)}`);
    await trx.deleteFrom('calendars').where('id', '=', id).execute();
    await recordAudit(trx, { ...origin, action: SLA_AUDIT_ACTIONS.calendarDeleted, target: { type: 'calendar', id }, before: calendarDetails(before) });
  });
}

// ---- policies ----

/** The organisation's policies in the order they are tried (position, then age). */
export function listPolicies(db: SlaExecutor, organisationId: string): Promise<SlaPolicyRow[]> {
  return db.selectFrom('sla_policies').selectAll().where('organisation_id', '=', organisationId).orderBy('position').orderBy('created_at').orderBy('id').execute();
}

/** The organisation's policy; 404 when it does not exist or belongs to another organisation. */
export async function getPolicy(db: SlaExecutor, organisationId: string, id: string): Promise<SlaPolicyRow> {
  const row = await db.selectFrom('sla_policies').selectAll().where('id', '=', id).where('organisation_id', '=', organisationId).executeTakeFirst();
  if (!row) throw notFound('SLA policy', id);
  return row;
}

async function lockPolicy(trx: Transaction<Database>, organisationId: string, id: string): Promise<SlaPolicyRow> {
  const row = await trx.selectFrom('sla_policies').selectAll().where('id', '=', id).where('organisation_id', '=', organisationId).forUpdate().executeTakeFirst();
  if (!row) throw notFound('SLA policy', id);
  return row;
}

/** The policy's calendar must be one of the organisation's; locked (key share) so it cannot be deleted meanwhile. */
async function checkPolicyCalendar(trx: Transaction<Database>, organisationId: string, calendarId: string | null | undefined): Promise<void> {
  if (!calendarId) return;
  const found = await trx.selectFrom('calendars').select('id').where('id', '=', calendarId).where('organisation_id', '=', organisationId).forKeyShare().executeTakeFirst();
  if (!found) {
    throw invalidInput(`calendar ${JSON.stringify(calendarId)} does not exist in this organisation`, [{ path: '/calendarId', message: '/calendarId: no such calendar in this organisation' }]);
  }
}

function policyValues(input: PolicyInput) {
  return {
    name: input.name,
    calendar_id: input.calendarId ?? null,
    active: input.active ?? true,
    position: input.position ?? 0,
    targets: JSON.stringify(input.targets),
    pause_statuses: input.pauseStatuses ?? [...DEFAULT_PAUSE_STATUSES],
    conditions: input.conditions ? JSON.stringify(input.conditions) : null,
  };
}

export async function createPolicy(executor: SlaExecutor, origin: SlaChangeOrigin, input: PolicyInput): Promise<SlaPolicyRow> {
  return inTransaction(executor, async (trx) => {
    await checkPolicyCalendar(trx, origin.organisationId, input.calendarId);
    const now = new Date();
    const row = await trx
      .insertInto('sla_policies')
      .values({ organisation_id: origin.organisationId, ...policyValues(input), created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['organisation_id', 'name']).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw nameTaken('policy', input.name);
    await recordAudit(trx, { ...origin, action: SLA_AUDIT_ACTIONS.policyCreated, target: { type: 'sla_policy', id: row.id }, after: policyDetails(row) });
    return row;
  });
}

/** Replaces a policy. Tickets pick up the change when they next change; timers already scheduled stay until then. */
export async function updatePolicy(executor: SlaExecutor, origin: SlaChangeOrigin, id: string, input: PolicyInput): Promise<SlaPolicyRow> {
  return inTransaction(executor, async (trx) => {
    const before = await lockPolicy(trx, origin.organisationId, id);
    await checkPolicyCalendar(trx, origin.organisationId, input.calendarId);
    const clash = await trx.selectFrom('sla_policies').select('id').where('organisation_id', '=', origin.organisationId).where('name', '=', input.name).where('id', '<>', id).executeTakeFirst();
    if (clash) throw nameTaken('policy', input.name);
    const after = await trx.updateTable('sla_policies').set({ ...policyValues(input), updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    const changed = changedFields(policyDetails(before), policyDetails(after));
    if (changed) await recordAudit(trx, { ...origin, action: SLA_AUDIT_ACTIONS.policyUpdated, target: { type: 'sla_policy', id }, ...changed });
    return after;
  });
}

/** Deletes a policy no ticket has used (409 otherwise: deactivate it instead, its history refers to it). */
export async function deletePolicy(executor: SlaExecutor, origin: SlaChangeOrigin, id: string): Promise<void> {
  await inTransaction(executor, async (trx) => {
    const before = await lockPolicy(trx, origin.organisationId, id);
    const used =
      (await trx.selectFrom('ticket_sla').select('ticket_id').where('policy_id', '=', id).executeTakeFirst()) ??
      (await trx.selectFrom('sla_breaches').select('ticket_id').where('policy_id', '=', id).executeTakeFirst());
    if (used) throw conflict('tickets have used this policy: set active to false instead of deleting it');
    await trx.deleteFrom('sla_policies').where('id', '=', id).execute();
    await recordAudit(trx, { ...origin, action: SLA_AUDIT_ACTIONS.policyDeleted, target: { type: 'sla_policy', id }, before: policyDetails(before) });
  });
}
