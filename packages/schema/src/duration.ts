// ISO 8601 durations limited to units of fixed length. Years and months are rejected because their
// length depends on the calendar date, which the engine must not need to schedule a timer.

const MS = { W: 604_800_000, D: 86_400_000, H: 3_600_000, M: 60_000, S: 1_000 } as const;
type Unit = keyof typeof MS;

// Anchored, no nested quantifiers: linear time on any input.
const DURATION_RE =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Longest accepted text; real durations are a dozen characters. */
export const MAX_DURATION_LENGTH = 64;

/**
 * Milliseconds in an ISO 8601 duration made of weeks, days, hours, minutes and seconds
 * ("P2W", "P1DT2H", "PT30M", "PT0.5S"), or null when the text is not one. Only the last
 * component may have a fraction, as ISO 8601 requires. Years and months give null.
 */
export function parseIsoDuration(s: string): number | null {
  if (typeof s !== 'string' || s.length > MAX_DURATION_LENGTH) return null;
  const m = DURATION_RE.exec(s);
  if (!m) return null;
  // "P" and "PT" alone, or "P1DT" (T with nothing after it), are not durations.
  if (s.endsWith('T') || m.slice(1).every((g) => g === undefined)) return null;
  const units: Unit[] = ['W', 'D', 'H', 'M', 'S'];
  let total = 0;
  let sawFraction = false;
  for (let i = 0; i < units.length; i++) {
    const text = m[i + 1];
    if (text === undefined) continue;
    if (sawFraction) return null; // a fraction is only allowed on the smallest unit present
    if (text.includes('.')) sawFraction = true;
    total += Number(text) * MS[units[i]!];
  }
  const ms = Math.round(total);
  return Number.isSafeInteger(ms) ? ms : null;
}

/** The canonical ISO 8601 text for a non-negative number of milliseconds ("P1DT2H", "PT0.5S"). */
export function toIsoDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`not a duration: ${ms}`);
  let rest = Math.round(ms);
  const part = (unit: Unit): number => {
    const n = Math.floor(rest / MS[unit]);
    rest -= n * MS[unit];
    return n;
  };
  const w = part('W'), d = part('D'), h = part('H'), min = part('M');
  const seconds = rest / 1000;
  const date = (w ? `${w}W` : '') + (d ? `${d}D` : '');
  const time = (h ? `${h}H` : '') + (min ? `${min}M` : '') + (seconds ? `${seconds}S` : '');
  if (!date && !time) return 'PT0S';
  return `P${date}${time ? `T${time}` : ''}`;
}

const WORDS: [Unit, string][] = [['W', 'week'], ['D', 'day'], ['H', 'hour'], ['M', 'minute']];

/** Human text for messages: 90_000 -> "1 minute 30 seconds", 500 -> "0.5 seconds". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'an invalid duration';
  if (ms < 0) return `minus ${formatDuration(-ms)}`;
  let rest = Math.round(ms);
  const parts: string[] = [];
  for (const [unit, word] of WORDS) {
    const n = Math.floor(rest / MS[unit]);
    rest -= n * MS[unit];
    if (n) parts.push(`${n} ${word}${n === 1 ? '' : 's'}`);
  }
  if (rest || parts.length === 0) {
    const s = rest / 1000;
    parts.push(`${s} second${s === 1 ? '' : 's'}`);
  }
  return parts.join(' ');
}
