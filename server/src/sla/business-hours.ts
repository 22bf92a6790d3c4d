// Business-hours arithmetic. PURE: no I/O, no clock; every instant comes in as an argument.
//
// A calendar is a time zone (IANA), weekly opening hours (per weekday a list of [start, end) "HH:MM"
// intervals, local wall-clock time) and holidays (local dates that are closed all day). Arithmetic walks
// the calendar one local day at a time and turns that day's intervals into absolute instants with luxon,
// which knows the IANA time-zone database (through Intl) and does DST-correct calendar math: a 09:00-17:00
// day is 8 hours on a DST-change day too, and a 00:00-24:00 day is 23 or 25 hours long. Node's Date has
// no zone arithmetic; luxon is small, dependency-free, immutable and already in the tree (cron-parser).
import { DateTime, IANAZone } from 'luxon';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** [start, end) in local wall-clock time, "HH:MM"; end may be "24:00" (midnight at the end of the day). */
export type HoursInterval = [start: string, end: string];

export interface BusinessCalendar {
  /** IANA zone, e.g. "Europe/Berlin". */
  timezone: string;
  /** Opening hours per weekday; a missing or empty day is closed. Intervals may not overlap. */
  weeklyHours: Partial<Record<Weekday, HoursInterval[]>>;
  /** Whole local days off, "YYYY-MM-DD". */
  holidays: string[];
}

/** Open every minute of every day, in UTC: plain elapsed time. Used when a policy names no calendar. */
export const ALWAYS_OPEN: BusinessCalendar = {
  timezone: 'UTC',
  weeklyHours: Object.fromEntries(WEEKDAYS.map((d) => [d, [['00:00', '24:00']]])) as BusinessCalendar['weeklyHours'],
  holidays: [],
};

export interface CalendarIssue {
  /** JSON pointer into the calendar, e.g. "/weeklyHours/mon/1/1". */
  path: string;
  message: string;
}

export class InvalidCalendarError extends Error {
  readonly issues: CalendarIssue[];
  constructor(issues: CalendarIssue[]) {
    super(`invalid business-hours calendar: ${issues.map((i) => `${i.path || '/'}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidCalendarError';
    this.issues = issues;
  }
}

const TIME = /^(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function minutesOf(value: string): number | null {
  const m = TIME.exec(value);
  if (!m) return null;
  return m[3] ? 24 * 60 : Number(m[1]) * 60 + Number(m[2]);
}

/**
 * Checks a calendar (any JSON value) and returns every problem with a JSON pointer; [] means valid.
 * Rules: an IANA time zone; weekday keys mon..sun only; intervals "HH:MM" with start < end (no overnight
 * intervals: split them at midnight, e.g. fri ["22:00","24:00"] + sat ["00:00","06:00"]); no overlaps within
 * a day; at least one open interval in the week; holidays are real dates "YYYY-MM-DD".
 */
export function calendarIssues(input: unknown): CalendarIssue[] {
  const issues: CalendarIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return [{ path: '', message: 'must be an object' }];
  const cal = input as Record<string, unknown>;
  for (const key of Object.keys(cal)) {
    if (!['timezone', 'weeklyHours', 'holidays'].includes(key)) add(`/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, 'is not an allowed property');
  }

  if (typeof cal.timezone !== 'string') add('/timezone', 'is required and must be a string (an IANA time zone, e.g. "Europe/Berlin")');
  else if (!IANAZone.isValidZone(cal.timezone)) add('/timezone', `"${cal.timezone}" is not a known IANA time zone (e.g. "Europe/Berlin", "America/New_York", "UTC")`);

  const weekly = cal.weeklyHours;
  let openIntervals = 0;
  if (weekly === null || typeof weekly !== 'object' || Array.isArray(weekly)) {
    add('/weeklyHours', 'is required and must be an object with weekday keys mon..sun');
  } else {
    for (const [day, intervals] of Object.entries(weekly as Record<string, unknown>)) {
      const base = `/weeklyHours/${day.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (!(WEEKDAYS as readonly string[]).includes(day)) {
        add(base, `is not a weekday: use one of ${WEEKDAYS.join(', ')}`);
        continue;
      }
      if (!Array.isArray(intervals)) {
        add(base, 'must be a list of ["HH:MM", "HH:MM"] intervals (empty for a closed day)');
        continue;
      }
      const parsed: { start: number; end: number; index: number }[] = [];
      intervals.forEach((interval, index) => {
        const path = `${base}/${index}`;
        if (!Array.isArray(interval) || interval.length !== 2) return add(path, 'must be a pair ["HH:MM", "HH:MM"] (start inclusive, end exclusive)');
        const [startText, endText] = interval as unknown[];
        const start = typeof startText === 'string' ? minutesOf(startText) : null;
        const end = typeof endText === 'string' ? minutesOf(endText) : null;
        if (start === null || start === 24 * 60) add(`${path}/0`, 'must be a time "HH:MM" from 00:00 to 23:59');
        if (end === null) add(`${path}/1`, 'must be a time "HH:MM" from 00:01 to 24:00');
        if (start === null || end === null || start === 24 * 60) return;
        if (end <= start) {
          return add(`${path}/1`, `end ${String(endText)} must be after start ${String(startText)} (intervals cannot cross midnight: split them, ending the first at "24:00")`);
        }
        parsed.push({ start, end, index });
      });
      parsed.sort((a, b) => a.start - b.start);
      for (let i = 1; i < parsed.length; i++) {
        const previous = parsed[i - 1]!;
        const current = parsed[i]!;
        if (current.start < previous.end) add(`${base}/${current.index}`, `overlaps interval ${previous.index} of the same day`);
      }
      openIntervals += parsed.length;
    }
    if (openIntervals === 0 && issues.every((i) => !i.path.startsWith('/weeklyHours'))) {
      add('/weeklyHours', 'the calendar is never open: give at least one day an interval');
    }
  }

  if (!Array.isArray(cal.holidays)) add('/holidays', 'is required and must be a list of dates "YYYY-MM-DD" (may be empty)');
  else {
    cal.holidays.forEach((day, index) => {
      if (typeof day !== 'string' || !DATE.test(day) || !DateTime.fromISO(day, { zone: 'UTC' }).isValid) {
        add(`/holidays/${index}`, 'must be a real date "YYYY-MM-DD"');
      }
    });
  }
  return issues;
}

/** Throws InvalidCalendarError listing every problem; returns the calendar typed when valid. */
export function assertCalendar(input: unknown): BusinessCalendar {
  const issues = calendarIssues(input);
  if (issues.length > 0) throw new InvalidCalendarError(issues);
  return input as BusinessCalendar;
}

// ---- compiled form ----

interface Compiled {
  zone: string;
  /** Index 1..7 = luxon weekday (Mon..Sun): sorted [startMinute, endMinute) pairs. */
  days: [number, number][][];
  holidays: Set<string>;
  /** Consecutive local days after which, with no opening found, the calendar can never open again. */
  maxClosedRun: number;
}

const compiledCache = new WeakMap<BusinessCalendar, Compiled>();

function compile(calendar: BusinessCalendar): Compiled {
  let compiled = compiledCache.get(calendar);
  if (compiled) return compiled;
  assertCalendar(calendar);
  const days: [number, number][][] = [[]];
  for (const day of WEEKDAYS) {
    const intervals = (calendar.weeklyHours[day] ?? []).map(([s, e]) => [minutesOf(s)!, minutesOf(e)!] as [number, number]);
    days.push(intervals.sort((a, b) => a[0] - b[0]));
  }
  const holidays = new Set(calendar.holidays);
  // Each week without a holiday contains an opening, so a closed run longer than 7 x (holidays + 1) days
  // cannot happen with a valid calendar: a safety net against looping forever, never a real limit.
  compiled = { zone: calendar.timezone, days, holidays, maxClosedRun: 7 * (holidays.size + 1) };
  compiledCache.set(calendar, compiled);
  return compiled;
}

/** The local day (midnight in the calendar's zone) that contains `ms`. */
function dayOf(c: Compiled, ms: number): DateTime {
  return DateTime.fromMillis(ms, { zone: c.zone }).startOf('day');
}

/** Absolute [start, end) instants (epoch ms) of the open intervals of one local day, in order. */
function openIntervalsOn(c: Compiled, day: DateTime): [number, number][] {
  if (c.holidays.has(day.toISODate()!)) return [];
  const result: [number, number][] = [];
  for (const [startMin, endMin] of c.days[day.weekday]!) {
    const start = at(day, startMin);
    const end = at(day, endMin);
    // A local time inside a spring-forward gap does not exist; luxon moves it forward by the gap, which
    // may empty an interval (02:00-03:00 on the day Berlin skips that hour).
    if (end > start) result.push([start, end]);
  }
  return result;
}

function at(day: DateTime, minute: number): number {
  if (minute === 24 * 60) return day.plus({ days: 1 }).toMillis();
  return day.set({ hour: Math.floor(minute / 60), minute: minute % 60 }).toMillis();
}

function noOpening(c: Compiled): Error {
  return new Error(`the business-hours calendar (${c.zone}) has no opening within ${c.maxClosedRun} days of the given time: its holidays cover every open day`);
}

// ---- public arithmetic ----

/** True when `at` falls inside an open interval (start inclusive, end exclusive) on a non-holiday. */
export function isOpen(calendar: BusinessCalendar, at: Date): boolean {
  const c = compile(calendar);
  const ms = at.getTime();
  return openIntervalsOn(c, dayOf(c, ms)).some(([s, e]) => s <= ms && ms < e);
}

/** `at` itself when open, otherwise the start of the next open interval. */
export function nextOpening(calendar: BusinessCalendar, at: Date): Date {
  const c = compile(calendar);
  const ms = at.getTime();
  let day = dayOf(c, ms);
  for (let i = 0; i <= c.maxClosedRun; i++) {
    for (const [s, e] of openIntervalsOn(c, day)) {
      if (e <= ms) continue;
      return new Date(Math.max(s, ms));
    }
    day = day.plus({ days: 1 });
  }
  throw noOpening(c);
}

/**
 * The instant at which `ms` of business time has elapsed after `from`. 0 returns `from`. When the time
 * runs out exactly at the end of an interval, that end is returned (Friday 17:00, not Monday 09:00).
 */
export function addBusinessTime(calendar: BusinessCalendar, from: Date, ms: number): Date {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`business time to add must be a finite number of ms >= 0 (got ${ms})`);
  const c = compile(calendar);
  const t = from.getTime();
  if (ms === 0) return new Date(t);
  let remaining = ms;
  let day = dayOf(c, t);
  let closedRun = 0;
  for (;;) {
    const intervals = openIntervalsOn(c, day);
    let counted = false;
    for (const [s, e] of intervals) {
      if (e <= t) continue;
      const start = Math.max(s, t);
      const available = e - start;
      counted = true;
      if (remaining <= available) return new Date(start + remaining);
      remaining -= available;
    }
    closedRun = counted ? 0 : closedRun + 1;
    if (closedRun > c.maxClosedRun) throw noOpening(c);
    day = day.plus({ days: 1 });
  }
}

/** Milliseconds of business time in [from, to); 0 when `to` is not after `from`. */
export function businessTimeBetween(calendar: BusinessCalendar, from: Date, to: Date): number {
  const c = compile(calendar);
  const a = from.getTime();
  const b = to.getTime();
  if (b <= a) return 0;
  let total = 0;
  let day = dayOf(c, a);
  const last = dayOf(c, b - 1).toMillis();
  while (day.toMillis() <= last) {
    for (const [s, e] of openIntervalsOn(c, day)) {
      const lo = Math.max(s, a);
      const hi = Math.min(e, b);
      if (hi > lo) total += hi - lo;
    }
    day = day.plus({ days: 1 });
  }
  return total;
}
