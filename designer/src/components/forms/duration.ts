// The duration picker's model: an ISO 8601 duration (the schema's `iso-duration` format: weeks, days, hours,
// minutes, seconds; no years or months) as a number and one unit. The largest unit that holds the value
// exactly wins, so "PT90M" is 90 minutes and "PT2H" is 2 hours; values the units cannot hold (seconds,
// "PT0.5S") stay editable as ISO text. A duration may count business hours only (`businessHours` next to it in
// the params, optionally with a `calendar` name): see businessHoursHint below and docs/sla.md.
import { formatDuration, parseIsoDuration, toIsoDuration } from '@flowdesk/schema';
import { request } from '../../api/client.ts';

export const DURATION_UNITS = [
  { unit: 'minutes', label: 'minutes', ms: 60_000 },
  { unit: 'hours', label: 'hours', ms: 3_600_000 },
  { unit: 'days', label: 'days', ms: 86_400_000 },
  { unit: 'weeks', label: 'weeks', ms: 604_800_000 },
] as const;

export type DurationUnit = (typeof DURATION_UNITS)[number]['unit'];

export interface DurationParts {
  amount: number;
  unit: DurationUnit;
}

const unitMs = (unit: DurationUnit): number => DURATION_UNITS.find((u) => u.unit === unit)!.ms;

/**
 * The picker's number and unit for an ISO duration, or null when the text is not a duration the picker can
 * show (not ISO, or not a whole number of minutes).
 */
export function parseDuration(iso: string | undefined | null): DurationParts | null {
  if (typeof iso !== 'string') return null;
  const ms = parseIsoDuration(iso);
  if (ms === null || ms <= 0 || ms % 60_000 !== 0) return null;
  for (const u of [...DURATION_UNITS].reverse()) {
    if (ms % u.ms === 0) return { amount: ms / u.ms, unit: u.unit };
  }
  return null;
}

/** The canonical ISO text of a number and unit ("90 minutes" -> "PT1H30M"); null when the amount is not a positive number. */
export function formatIso(amount: number, unit: DurationUnit): string | null {
  if (!Number.isFinite(amount) || amount <= 0) return null;
  return toIsoDuration(Math.round(amount * unitMs(unit)));
}

/** Readable text of an ISO duration ("PT90M" -> "1 hour 30 minutes"), or null when it is not one. */
export function describeIso(iso: string | undefined | null): string | null {
  if (typeof iso !== 'string') return null;
  const ms = parseIsoDuration(iso);
  return ms === null ? null : formatDuration(ms);
}

/** Why the typed amount cannot be used, or null when it can. */
export function amountProblem(text: string): string | null {
  if (text.trim() === '') return null;
  const n = Number(text);
  if (!Number.isFinite(n)) return 'Enter a number.';
  if (n <= 0) return 'Enter a number greater than 0.';
  return null;
}

// ---- business hours ----

/** The calendars a business-hours duration can name, loaded once per page (GET /api/calendars, needs sla.read). */
let calendarNames: Promise<string[] | null> | null = null;

/**
 * Names of the organisation's business-hours calendars, sorted; null when they cannot be listed (no sla.read,
 * server unreachable): the picker then takes the name as text. A failure is not cached, the next call asks again.
 */
export function loadCalendarNames(): Promise<string[] | null> {
  calendarNames ??= request<{ calendars: { name: string }[] }>('GET', '/calendars').then(
    (r) => r.calendars.map((c) => c.name).sort((a, b) => a.localeCompare(b)),
    () => {
      calendarNames = null;
      return null;
    },
  );
  return calendarNames;
}

/** Forget the loaded names (tests; after a calendar was created elsewhere). */
export function resetCalendarNames(): void {
  calendarNames = null;
}

/** Which calendar a business-hours duration counts in, in words (the server's rule: docs/sla.md). */
export function businessHoursHint(calendar: string | undefined, known: readonly string[] | null): string {
  if (calendar) {
    const missing = known !== null && !known.includes(calendar);
    return missing
      ? `Counts only the open hours of the calendar “${calendar}”, which does not exist (yet): until it does, the ticket's SLA calendar applies, else every hour counts (24/7).`
      : `Counts only the open hours of the calendar “${calendar}”: nights, weekends and holidays do not count.`;
  }
  return "Counts only the open hours of the calendar of the ticket's SLA policy: nights, weekends and holidays do not count. A ticket without an SLA calendar counts every hour (24/7).";
}
