// Business-hours timers: a wait `duration` or an escalation `after` with `businessHours: true` counts only the
// open hours of a business calendar. The engine is pure and has no calendars: its timer.schedule effect carries
// `businessHours: { from, durationMs, calendar? }` and fireAt = from + duration (the earliest the timer can be
// due). Before the steps of an event are written, resolveBusinessTimers() replaces that fireAt with the due
// instant in the calendar (server/src/sla/business-hours.ts, the same arithmetic as SLA due times), so the
// history row, the pg-boss job's startAfter and the timer.fired event's `at` all carry the real due instant.
//
// Which calendar (docs/sla.md, "Business-hours timers in workflows"):
//   1. the calendar the duration names (`calendar`, by name, in the ticket's organisation);
//   2. else the calendar of the ticket's SLA policy (ticket_sla -> sla_policies.calendar_id);
//   3. else none: every hour counts (24/7), as for an SLA policy without a calendar.
// A named calendar that does not exist falls back to 2./3.; `countedIn` on the effect says what was used, so
// the run inspector shows it. The calendar is read when the timer is scheduled: editing a calendar later does
// not move timers already scheduled (as for SLA due times).
import type { Effect } from '@flowdesk/engine';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/types.ts';
import { addBusinessTime, ALWAYS_OPEN, type BusinessCalendar } from '../sla/business-hours.ts';
import { calendarOf, calendarSelection } from '../sla/service.ts';
import type { AppliedStep } from './persist.ts';

type Executor = Kysely<Database> | Transaction<Database>;
type TimerEffect = Extract<Effect, { type: 'timer.schedule' }>;

/** What resolveBusinessTimers() calls "no calendar": 24/7. */
export const ALWAYS_OPEN_NAME = '24/7';

const isBusinessTimer = (e: Effect): e is TimerEffect & Required<Pick<TimerEffect, 'businessHours'>> =>
  e.type === 'timer.schedule' && e.businessHours !== undefined && e.businessHours.countedIn === undefined;

/** True when some step schedules a business-hours timer that still needs its due instant (cheap, synchronous). */
export function hasBusinessTimers(steps: readonly AppliedStep[]): boolean {
  return steps.some((s) => s.effects.some(isBusinessTimer));
}

interface ResolvedCalendar {
  name: string;
  calendar: BusinessCalendar;
}

/**
 * The calendar a business-hours timer of this ticket counts in: the named one (in the ticket's organisation),
 * else the ticket's SLA policy's, else 24/7. `wanted` is the name the definition gives, if any.
 */
export async function calendarForTicket(db: Executor, ticketId: string | null, wanted: string | undefined): Promise<ResolvedCalendar & { missing?: string }> {
  if (!ticketId) return { name: ALWAYS_OPEN_NAME, calendar: ALWAYS_OPEN, ...(wanted ? { missing: wanted } : {}) };
  if (wanted) {
    const named = await db
      .selectFrom('calendars')
      .select(calendarSelection())
      .where('name', '=', wanted)
      .where('organisation_id', '=', (eb) => eb.selectFrom('tickets').select('organisation_id').where('id', '=', ticketId))
      .executeTakeFirst();
    if (named) return { name: named.name, calendar: calendarOf(named) };
  }
  const sla = await db
    .selectFrom('ticket_sla')
    .innerJoin('sla_policies', 'sla_policies.id', 'ticket_sla.policy_id')
    .innerJoin('calendars', 'calendars.id', 'sla_policies.calendar_id')
    .select(['calendars.name', 'calendars.timezone', 'calendars.weekly_hours'])
    // text[]: pg would parse `date` values into local-time Dates (see calendarSelection).
    .select(sql<string[]>`calendars.holidays::text[]`.as('holidays'))
    .where('ticket_sla.ticket_id', '=', ticketId)
    .executeTakeFirst();
  const found = sla ? { name: sla.name, calendar: calendarOf(sla) } : { name: ALWAYS_OPEN_NAME, calendar: ALWAYS_OPEN };
  return wanted ? { ...found, missing: wanted } : found;
}

/**
 * Gives every business-hours timer in `steps` its due instant: fireAt = addBusinessTime(calendar, from,
 * durationMs), and `countedIn` names the calendar used. Changes `steps` in place (their effects arrays are
 * replaced, never the engine's objects). Does nothing — and reads nothing — when there is no such timer.
 */
export async function resolveBusinessTimers(db: Executor, ticketId: string | null, steps: AppliedStep[]): Promise<void> {
  if (!hasBusinessTimers(steps)) return;
  const calendars = new Map<string, Promise<ResolvedCalendar & { missing?: string }>>();
  const calendarFor = (wanted: string | undefined) => {
    const key = wanted ?? '';
    let found = calendars.get(key);
    if (!found) calendars.set(key, (found = calendarForTicket(db, ticketId, wanted)));
    return found;
  };
  for (const step of steps) {
    if (!step.effects.some(isBusinessTimer)) continue;
    const effects: Effect[] = [];
    for (const effect of step.effects) {
      if (!isBusinessTimer(effect)) {
        effects.push(effect);
        continue;
      }
      const { from, durationMs, calendar } = effect.businessHours;
      const used = await calendarFor(calendar);
      const due = addBusinessTime(used.calendar, new Date(from), durationMs);
      const countedIn = used.missing ? `${used.name} (calendar ${JSON.stringify(used.missing)} not found)` : used.name;
      effects.push({ ...effect, fireAt: due.toISOString(), businessHours: { ...effect.businessHours, countedIn } });
    }
    step.effects = effects;
  }
}
