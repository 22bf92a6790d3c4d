// ISO 8601 durations for timers. Private to the engine until @flowdesk/schema exports parseIsoDuration.
// fireAt must be a pure function of (at, duration): calendar parts are added in UTC, never local time.

export interface DurationParts {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const ISO_DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Parses "PT30S", "P2DT3H", "P1M"...; throws on anything else (including "P" and "PT"). */
export function parseIsoDuration(text: string): DurationParts {
  const m = ISO_DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) throw new Error(`"${text}" is not an ISO 8601 duration (e.g. PT30S, PT4H, P2DT3H)`);
  const n = (i: number): number => (m[i] === undefined ? 0 : Number(m[i]));
  return { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
}

/** `at` (ISO time) plus the duration, as an ISO time in UTC. */
export function addDuration(at: string, d: DurationParts): string {
  const start = Date.parse(at);
  if (Number.isNaN(start)) throw new Error(`"${at}" is not an ISO time`);
  const t = new Date(start);
  if (d.years || d.months) t.setUTCMonth(t.getUTCMonth() + d.years * 12 + d.months);
  const ms = ((((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60 + d.seconds) * 1000;
  return new Date(t.getTime() + ms).toISOString();
}
