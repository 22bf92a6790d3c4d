// The SLA engine: which policy applies to a ticket, its due times in business hours, pause/stop
// accounting, and breach timers as pg-boss jobs written in the caller's transaction.
//
// The state of a ticket's SLA (ticket_sla) is RECONCILED from the ticket as it is now, not patched by
// events: applySla/onTicketChanged read the ticket (status, priority, first_responded_at, ...) and the
// stored SLA row, compute what the row must be at `now`, and write it only if it differs. Calling them
// twice, or for a change that does not matter to the SLA, writes nothing. Every write bumps `version` and
// schedules a fresh timer per armed metric; a timer carrying an older version is stale and ignored, so
// moving a due time never needs to find and cancel old jobs.
import { sql, type Kysely, type Transaction } from 'kysely';
import { fromKysely, type PgBoss } from 'pg-boss';
import type { Database } from '../db/types.ts';
import type { CalendarRow, SlaBreachRow, SlaConditions, SlaMetric, SlaPolicyRow, TicketSlaRow } from '../db/tables/sla.ts';
import { notFound } from '../errors.ts';
import { SLA_QUEUE } from '../runtime/queues.ts';
import { ALWAYS_OPEN, addBusinessTime, businessTimeBetween, type BusinessCalendar } from './business-hours.ts';

export { SLA_QUEUE };

/** A Kysely handle or an open transaction. Given a handle, the functions open their own transaction. */
export type SlaExecutor = Kysely<Database> | Transaction<Database>;
/** What the SLA engine needs from pg-boss. */
export type SlaBoss = Pick<PgBoss, 'send'>;

/** Data of a breach timer job on SLA_QUEUE. */
export interface SlaJobData {
  ticketId: string;
  metric: SlaMetric;
  /** ticket_sla.version when the timer was scheduled; any other version means the timer is stale. */
  version: number;
  /** The due time the timer was scheduled for (ISO); it is also the breach time recorded. */
  dueAt: string;
}

/** Hints from the caller about what changed; the engine reconciles from the stored state either way. */
export interface TicketChange {
  previousStatus?: string;
  previousPriority?: string;
}

/** Statuses that stop both clocks (resolution met). Reopening adds the stopped time to the paused time. */
export const STOP_STATUSES: readonly string[] = ['resolved', 'closed', 'cancelled'];
export const DEFAULT_PAUSE_STATUSES: readonly string[] = ['waiting_customer', 'on_hold'];
export const SLA_METRICS: readonly SlaMetric[] = ['first_response', 'resolution'];

const MINUTE = 60_000;

const columns = {
  first_response: { due: 'first_response_due_at', met: 'first_response_met_at', breached: 'first_response_breached_at', target: 'firstResponseMinutes' },
  resolution: { due: 'resolution_due_at', met: 'resolution_met_at', breached: 'resolution_breached_at', target: 'resolutionMinutes' },
} as const;

/** The facts of a ticket the SLA engine reads. */
interface TicketFacts {
  id: string;
  organisation_id: string;
  status: string;
  priority: string;
  channel: string;
  tags: string[];
  team_id: string | null;
  created_at: Date;
  first_responded_at: Date | null;
}

// ---- calendars ----

/** The calendar of a calendars row, for the business-hours functions. */
export function calendarOf(row: Pick<CalendarRow, 'timezone' | 'weekly_hours' | 'holidays'>): BusinessCalendar {
  return { timezone: row.timezone, weeklyHours: row.weekly_hours as BusinessCalendar['weeklyHours'], holidays: row.holidays };
}

/** Columns of a calendars row with holidays as "YYYY-MM-DD" strings (pg parses `date` into local-time Dates). */
export function calendarSelection() {
  return ['id', 'organisation_id', 'name', 'timezone', 'weekly_hours', sql<string[]>`holidays::text[]`.as('holidays'), 'created_at', 'updated_at'] as const;
}

export async function loadCalendar(db: SlaExecutor, calendarId: string | null): Promise<BusinessCalendar> {
  if (!calendarId) return ALWAYS_OPEN;
  const row = await db.selectFrom('calendars').select(calendarSelection()).where('id', '=', calendarId).executeTakeFirst();
  if (!row) throw notFound('calendar', calendarId);
  return calendarOf(row);
}

// ---- policies ----

export function conditionsMatch(conditions: SlaConditions | null, ticket: Pick<TicketFacts, 'priority' | 'channel' | 'tags' | 'team_id'>): boolean {
  if (!conditions) return true;
  if (conditions.priorities && !conditions.priorities.includes(ticket.priority)) return false;
  if (conditions.channels && !conditions.channels.includes(ticket.channel)) return false;
  if (conditions.tagsAny && !conditions.tagsAny.some((tag) => ticket.tags.includes(tag))) return false;
  if (conditions.teamIds && (ticket.team_id === null || !conditions.teamIds.includes(ticket.team_id))) return false;
  return true;
}

/** The organisation's first active policy (by position, then age) whose conditions match the ticket. */
export async function pickPolicy(db: SlaExecutor, ticket: TicketFacts): Promise<SlaPolicyRow | null> {
  const policies = await db
    .selectFrom('sla_policies')
    .selectAll()
    .where('organisation_id', '=', ticket.organisation_id)
    .where('active', '=', true)
    .orderBy('position')
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return policies.find((p) => conditionsMatch(p.conditions, ticket)) ?? null;
}

// ---- the engine ----

/**
 * Gives a ticket its SLA: picks the policy, computes the due times from ticket.created_at in business
 * hours and schedules the breach timers — all in the caller's transaction when `executor` is one (the
 * timers are pg-boss jobs written through it, so a rollback removes them too). Call it when a ticket is
 * created. Returns the SLA row, or null when no active policy applies and the ticket never had one.
 */
export async function applySla(executor: SlaExecutor, boss: SlaBoss, ticketId: string, now: Date): Promise<TicketSlaRow | null> {
  return inTransaction(executor, (trx) => reconcile(trx, boss, ticketId, now));
}

/**
 * Call whenever a ticket's status, priority or first_responded_at changed (or its policy conditions'
 * facts: channel, tags, team), in the transaction that changed it, after the UPDATE. It re-picks the
 * policy and reconciles: a new priority recomputes the due times; entering a pause status records
 * paused_since and disarms the timers; leaving it adds the paused business time to paused_ms and
 * reschedules; first_responded_at marks first response met; resolved/closed/cancelled marks resolution
 * met; reopening counts the stopped time as paused. `change` is informational (logged by callers);
 * the engine compares with its stored state, so an irrelevant change writes nothing.
 */
export async function onTicketChanged(executor: SlaExecutor, boss: SlaBoss, ticketId: string, change: TicketChange, now: Date): Promise<TicketSlaRow | null> {
  void change;
  return inTransaction(executor, (trx) => reconcile(trx, boss, ticketId, now));
}

/** Runs `work` in `executor` when it is already a transaction, else in a new one. */
export function inTransaction<T>(executor: SlaExecutor, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (executor.isTransaction) return work(executor as Transaction<Database>);
  return executor.transaction().execute(work);
}

const sameTime = (a: Date | null, b: Date | null) => (a === null ? b === null : b !== null && a.getTime() === b.getTime());

async function reconcile(trx: Transaction<Database>, boss: SlaBoss, ticketId: string, now: Date): Promise<TicketSlaRow | null> {
  const ticket = await trx
    .selectFrom('tickets')
    .select(['id', 'organisation_id', 'status', 'priority', 'channel', 'tags', 'team_id', 'created_at', 'first_responded_at'])
    .where('id', '=', ticketId)
    .executeTakeFirst();
  if (!ticket) throw notFound('ticket', ticketId);
  const lockRow = () => trx.selectFrom('ticket_sla').selectAll().where('ticket_id', '=', ticketId).forUpdate().executeTakeFirst();
  let existing = await lockRow();
  const policy = await pickPolicy(trx, ticket);
  if (!existing && !policy) return null;
  if (!existing) {
    // Concurrent first calls for one ticket: one insert wins, both then wait on the row lock.
    await trx.insertInto('ticket_sla').values({ ticket_id: ticketId, version: 0, updated_at: now }).onConflict((oc) => oc.column('ticket_id').doNothing()).execute();
    existing = (await lockRow())!;
  }
  const calendar = await loadCalendar(trx, policy?.calendar_id ?? null);

  const stopped = STOP_STATUSES.includes(ticket.status);
  const paused = policy !== null && !stopped && policy.pause_statuses.includes(ticket.status);
  let pausedMs = Number(existing.paused_ms);
  let pausedSince = existing.paused_since;
  let resolutionMetAt = existing.resolution_met_at;
  if (pausedSince && !paused) {
    pausedMs += businessTimeBetween(calendar, pausedSince, now);
    pausedSince = null;
  }
  if (resolutionMetAt && !stopped) {
    // Reopened: the time it spent resolved does not count against the resolution target.
    pausedMs += businessTimeBetween(calendar, resolutionMetAt, now);
    resolutionMetAt = null;
  }
  if (paused && !pausedSince) pausedSince = now;
  if (stopped && !resolutionMetAt) resolutionMetAt = now;
  const firstResponseMetAt = existing.first_response_met_at ?? ticket.first_responded_at ?? null;

  const target = policy?.targets[ticket.priority];
  const dueOf = (minutes: number | undefined) =>
    minutes === undefined || minutes === null ? null : addBusinessTime(calendar, ticket.created_at, minutes * MINUTE + pausedMs);
  const next = {
    policy_id: policy?.id ?? null,
    first_response_due_at: dueOf(target?.firstResponseMinutes),
    resolution_due_at: dueOf(target?.resolutionMinutes),
    paused_since: pausedSince,
    paused_ms: pausedMs,
    first_response_met_at: firstResponseMetAt,
    resolution_met_at: resolutionMetAt,
  };
  const unchanged =
    existing.version > 0 &&
    next.policy_id === existing.policy_id &&
    next.paused_ms === Number(existing.paused_ms) &&
    sameTime(next.first_response_due_at, existing.first_response_due_at) &&
    sameTime(next.resolution_due_at, existing.resolution_due_at) &&
    sameTime(next.paused_since, existing.paused_since) &&
    sameTime(next.first_response_met_at, existing.first_response_met_at) &&
    sameTime(next.resolution_met_at, existing.resolution_met_at);
  if (unchanged) return existing;

  const row = await trx
    .updateTable('ticket_sla')
    .set({ ...next, version: existing.version + 1, updated_at: now })
    .where('ticket_id', '=', ticketId)
    .returningAll()
    .executeTakeFirstOrThrow();

  // Arm one timer per metric that can still breach. Old timers carry the old version: stale.
  const db = fromKysely(trx);
  for (const metric of SLA_METRICS) {
    const c = columns[metric];
    const due = row[c.due];
    if (!due || row[c.met] || row[c.breached] || row.paused_since || row.resolution_met_at || !row.policy_id) continue;
    const data: SlaJobData = { ticketId, metric, version: row.version, dueAt: due.toISOString() };
    await boss.send(SLA_QUEUE, data, { startAfter: due, db });
  }
  return row;
}

// ---- reading ----

/** stopped: the ticket was resolved/closed/cancelled before this metric was met (first response). */
export type MetricStatus = 'none' | 'running' | 'paused' | 'stopped' | 'met' | 'breached';

export interface MetricView {
  /** Target in minutes of business time for the ticket's priority; null when the policy has none. */
  targetMinutes: number | null;
  dueAt: Date | null;
  /** Business ms left until due at `now` (negative: overdue); frozen while paused; null when met/none. */
  remainingBusinessMs: number | null;
  metAt: Date | null;
  breachedAt: Date | null;
  status: MetricStatus;
}

export interface TicketSlaView {
  ticketId: string;
  policy: { id: string; name: string } | null;
  calendar: { id: string; name: string; timezone: string } | null;
  paused: boolean;
  pausedSince: Date | null;
  /** Business ms accumulated while paused (and stopped, before a reopen). */
  pausedBusinessMs: number;
  firstResponse: MetricView;
  resolution: MetricView;
  breaches: SlaBreachRow[];
  version: number;
}

/** The SLA of a ticket as seen at `now`; null when the ticket never had an SLA. Throws 404 for an unknown ticket. */
export async function getTicketSla(db: SlaExecutor, ticketId: string, now: Date): Promise<TicketSlaView | null> {
  const ticket = await db.selectFrom('tickets').select(['id', 'priority']).where('id', '=', ticketId).executeTakeFirst();
  if (!ticket) throw notFound('ticket', ticketId);
  const row = await db.selectFrom('ticket_sla').selectAll().where('ticket_id', '=', ticketId).executeTakeFirst();
  if (!row) return null;
  const policy = row.policy_id ? await db.selectFrom('sla_policies').selectAll().where('id', '=', row.policy_id).executeTakeFirst() : undefined;
  const calendarRow = policy?.calendar_id
    ? await db.selectFrom('calendars').select(calendarSelection()).where('id', '=', policy.calendar_id).executeTakeFirst()
    : undefined;
  const calendar = calendarRow ? calendarOf(calendarRow) : ALWAYS_OPEN;
  const breaches = await db.selectFrom('sla_breaches').selectAll().where('ticket_id', '=', ticketId).orderBy('breached_at').execute();
  const target = policy?.targets[ticket.priority];

  const view = (metric: SlaMetric): MetricView => {
    const c = columns[metric];
    const dueAt = row[c.due];
    const metAt = row[c.met];
    const breachedAt = row[c.breached];
    const targetMinutes = target?.[c.target] ?? null;
    let remaining: number | null = null;
    if (dueAt && !metAt && !row.resolution_met_at) {
      const from = row.paused_since ?? now;
      remaining = dueAt > from ? businessTimeBetween(calendar, from, dueAt) : -businessTimeBetween(calendar, dueAt, from);
    }
    const stopped = row.resolution_met_at !== null;
    const status: MetricStatus = breachedAt ? 'breached' : metAt ? 'met' : !dueAt ? 'none' : row.paused_since ? 'paused' : stopped ? 'stopped' : 'running';
    return { targetMinutes, dueAt, remainingBusinessMs: remaining, metAt, breachedAt, status };
  };

  return {
    ticketId,
    policy: policy ? { id: policy.id, name: policy.name } : null,
    calendar: calendarRow ? { id: calendarRow.id, name: calendarRow.name, timezone: calendarRow.timezone } : null,
    paused: row.paused_since !== null,
    pausedSince: row.paused_since,
    pausedBusinessMs: Number(row.paused_ms),
    firstResponse: view('first_response'),
    resolution: view('resolution'),
    breaches,
    version: row.version,
  };
}
