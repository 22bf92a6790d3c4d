// The duration picker's model: an ISO 8601 duration (the schema's `iso-duration` format: weeks, days, hours,
// minutes, seconds; no years or months) as a number and one unit. The largest unit that holds the value
// exactly wins, so "PT90M" is 90 minutes and "PT2H" is 2 hours; values the units cannot hold (seconds,
// "PT0.5S") stay editable as ISO text.
import { formatDuration, parseIsoDuration, toIsoDuration } from '@flowdesk/schema';

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
