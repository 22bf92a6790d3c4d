// Business-hours arithmetic (pure): weekends, holidays, lunch breaks, DST changes in Europe/Berlin and
// America/New_York, a 24/7 calendar, a year end, validation with JSON pointers, and the inverse property
// between addBusinessTime and businessTimeBetween.
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  ALWAYS_OPEN,
  InvalidCalendarError,
  addBusinessTime,
  assertCalendar,
  businessTimeBetween,
  calendarIssues,
  isOpen,
  nextOpening,
  type BusinessCalendar,
  type HoursInterval,
} from '../src/sla/business-hours.ts';

const H = 3_600_000;
const M = 60_000;
const nineToFive: HoursInterval[] = [['09:00', '17:00']];
const withLunch: HoursInterval[] = [['09:00', '12:00'], ['13:00', '17:00']];

function weekdays(zone: string, hours: HoursInterval[], holidays: string[] = []): BusinessCalendar {
  return { timezone: zone, weeklyHours: { mon: hours, tue: hours, wed: hours, thu: hours, fri: hours, sat: [], sun: [] }, holidays };
}
/** A local wall-clock time in `zone` as a Date. */
const local = (iso: string, zone: string) => {
  const dt = DateTime.fromISO(iso, { zone });
  if (!dt.isValid) throw new Error(`bad time ${iso}`);
  return dt.toJSDate();
};
const show = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone }).toFormat("ccc yyyy-MM-dd'T'HH:mmZZ");

describe('Mon-Fri 9-17 in Europe/Berlin', () => {
  const zone = 'Europe/Berlin';
  const cal = weekdays(zone, nineToFive, ['2025-06-09']);

  it('adds across a weekend and a holiday: Friday 16:00 + 4h is Tuesday 12:00 when Monday is off', () => {
    expect(show(addBusinessTime(cal, local('2025-06-06T16:00', zone), 4 * H), zone)).toBe('Tue 2025-06-10T12:00+02:00');
  });

  it('adds across a plain weekend', () => {
    expect(show(addBusinessTime(cal, local('2025-05-30T16:00', zone), 4 * H), zone)).toBe('Mon 2025-06-02T12:00+02:00');
  });

  it('starts counting at the next opening when created out of hours', () => {
    expect(show(addBusinessTime(cal, local('2025-06-07T10:00', zone), 1 * H), zone)).toBe('Tue 2025-06-10T10:00+02:00');
    expect(show(addBusinessTime(cal, local('2025-06-10T07:30', zone), 30 * M), zone)).toBe('Tue 2025-06-10T09:30+02:00');
    expect(show(addBusinessTime(cal, local('2025-06-10T18:00', zone), 30 * M), zone)).toBe('Wed 2025-06-11T09:30+02:00');
  });

  it('ends at the close when time runs out exactly there, not at the next opening', () => {
    expect(show(addBusinessTime(cal, local('2025-06-06T16:00', zone), 1 * H), zone)).toBe('Fri 2025-06-06T17:00+02:00');
  });

  it('adding zero returns the start, even out of hours', () => {
    const sat = local('2025-06-07T10:00', zone);
    expect(addBusinessTime(cal, sat, 0).getTime()).toBe(sat.getTime());
  });

  it('adds several weeks', () => {
    // 5 days x 8 h = 40 h a week; 80 h from Monday 09:00 ends Friday 17:00 of the next week.
    expect(show(addBusinessTime(cal, local('2025-06-16T09:00', zone), 80 * H), zone)).toBe('Fri 2025-06-27T17:00+02:00');
  });

  it('measures business time between two instants', () => {
    expect(businessTimeBetween(cal, local('2025-06-06T16:00', zone), local('2025-06-10T12:00', zone))).toBe(4 * H);
    expect(businessTimeBetween(cal, local('2025-06-07T00:00', zone), local('2025-06-09T23:59', zone))).toBe(0);
    expect(businessTimeBetween(cal, local('2025-06-10T12:00', zone), local('2025-06-10T10:00', zone))).toBe(0);
    expect(businessTimeBetween(cal, local('2025-06-02T00:00', zone), local('2025-06-09T00:00', zone))).toBe(40 * H);
  });

  it('isOpen and nextOpening', () => {
    expect(isOpen(cal, local('2025-06-06T09:00', zone))).toBe(true);
    expect(isOpen(cal, local('2025-06-06T16:59', zone))).toBe(true);
    expect(isOpen(cal, local('2025-06-06T17:00', zone))).toBe(false);
    expect(isOpen(cal, local('2025-06-09T10:00', zone))).toBe(false); // holiday
    expect(isOpen(cal, local('2025-06-07T10:00', zone))).toBe(false); // Saturday
    expect(show(nextOpening(cal, local('2025-06-06T17:00', zone)), zone)).toBe('Tue 2025-06-10T09:00+02:00');
    const open = local('2025-06-10T11:11', zone);
    expect(nextOpening(cal, open).getTime()).toBe(open.getTime());
  });
});

describe('lunch breaks', () => {
  const zone = 'Europe/Berlin';
  const cal = weekdays(zone, withLunch);

  it('skips the break when adding', () => {
    expect(show(addBusinessTime(cal, local('2025-06-10T11:00', zone), 2 * H), zone)).toBe('Tue 2025-06-10T14:00+02:00');
    expect(show(addBusinessTime(cal, local('2025-06-10T11:00', zone), 1 * H), zone)).toBe('Tue 2025-06-10T12:00+02:00');
    expect(show(addBusinessTime(cal, local('2025-06-10T12:30', zone), 1 * M), zone)).toBe('Tue 2025-06-10T13:01+02:00');
  });

  it('does not count the break', () => {
    expect(businessTimeBetween(cal, local('2025-06-10T09:00', zone), local('2025-06-10T17:00', zone))).toBe(7 * H);
    expect(isOpen(cal, local('2025-06-10T12:30', zone))).toBe(false);
    expect(show(nextOpening(cal, local('2025-06-10T12:30', zone)), zone)).toBe('Tue 2025-06-10T13:00+02:00');
  });

  it('accepts intervals listed out of order', () => {
    const shuffled = weekdays(zone, [['13:00', '17:00'], ['09:00', '12:00']]);
    expect(show(addBusinessTime(shuffled, local('2025-06-10T11:00', zone), 2 * H), zone)).toBe('Tue 2025-06-10T14:00+02:00');
  });
});

describe('daylight saving time', () => {
  it('Europe/Berlin spring forward (30 Mar 2025): a 9-17 day stays 8 hours, UTC offsets change', () => {
    const zone = 'Europe/Berlin';
    const cal = { timezone: zone, weeklyHours: { fri: nineToFive, sat: [], sun: [], mon: nineToFive }, holidays: [] };
    const fri = local('2025-03-28T13:00', zone); // +01:00
    const due = addBusinessTime(cal, fri, 8 * H);
    expect(show(due, zone)).toBe('Mon 2025-03-31T13:00+02:00');
    // 4 h Friday + 4 h Monday; wall-clock elapsed is 72 h minus the skipped hour.
    expect(due.getTime() - fri.getTime()).toBe(71 * H);
    expect(businessTimeBetween(cal, fri, due)).toBe(8 * H);
  });

  it('Europe/Berlin: a 24/7 calendar counts the short day as 23 hours and the long day as 25', () => {
    const cal: BusinessCalendar = { ...ALWAYS_OPEN, timezone: 'Europe/Berlin' };
    expect(businessTimeBetween(cal, local('2025-03-30T00:00', 'Europe/Berlin'), local('2025-03-31T00:00', 'Europe/Berlin'))).toBe(23 * H);
    expect(businessTimeBetween(cal, local('2025-10-26T00:00', 'Europe/Berlin'), local('2025-10-27T00:00', 'Europe/Berlin'))).toBe(25 * H);
  });

  it('Europe/Berlin: hours inside the skipped hour do not exist, hours in the repeated hour count twice', () => {
    const nightShift = (day: 'sun') => ({ timezone: 'Europe/Berlin', weeklyHours: { [day]: [['01:00', '04:00']] as HoursInterval[] }, holidays: [] });
    const cal = nightShift('sun');
    // 01:00-04:00 local is 2 real hours on 30 Mar (02:00-03:00 skipped) and 4 on 26 Oct (02:00-03:00 twice).
    expect(businessTimeBetween(cal, local('2025-03-30T00:00', 'Europe/Berlin'), local('2025-03-31T00:00', 'Europe/Berlin'))).toBe(2 * H);
    expect(businessTimeBetween(cal, local('2025-10-26T00:00', 'Europe/Berlin'), local('2025-10-27T00:00', 'Europe/Berlin'))).toBe(4 * H);
    const emptied = { timezone: 'Europe/Berlin', weeklyHours: { sun: [['02:00', '03:00']] as HoursInterval[], mon: nineToFive }, holidays: [] };
    expect(isOpen(emptied, new Date('2025-03-30T01:30:00Z'))).toBe(false);
    expect(show(nextOpening(emptied, local('2025-03-30T00:00', 'Europe/Berlin')), 'Europe/Berlin')).toBe('Mon 2025-03-31T09:00+02:00');
  });

  it('America/New_York fall back (2 Nov 2025): 9-17 stays 8 hours; Friday + 8h lands Monday at the same wall time', () => {
    const zone = 'America/New_York';
    const cal = weekdays(zone, nineToFive);
    const fri = local('2025-10-31T13:00', zone); // -04:00
    const due = addBusinessTime(cal, fri, 8 * H);
    expect(show(due, zone)).toBe('Mon 2025-11-03T13:00-05:00');
    expect(due.getTime() - fri.getTime()).toBe(73 * H);
  });

  it('America/New_York spring forward (9 Mar 2025)', () => {
    const zone = 'America/New_York';
    const cal = weekdays(zone, nineToFive);
    const fri = local('2025-03-07T16:30', zone); // -05:00
    expect(show(addBusinessTime(cal, fri, 1 * H), zone)).toBe('Mon 2025-03-10T09:30-04:00');
    expect(businessTimeBetween(cal, fri, local('2025-03-10T09:30', zone))).toBe(1 * H);
  });
});

describe('24/7 and year end', () => {
  it('ALWAYS_OPEN is plain elapsed time', () => {
    const from = new Date('2025-12-31T22:30:00Z');
    expect(addBusinessTime(ALWAYS_OPEN, from, 90 * M).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(businessTimeBetween(ALWAYS_OPEN, from, new Date('2026-01-02T22:30:00Z'))).toBe(48 * H);
    expect(isOpen(ALWAYS_OPEN, new Date('2026-01-01T00:00:00Z'))).toBe(true);
  });

  it('crosses the year end with New Year as a holiday', () => {
    const zone = 'Europe/Berlin';
    const cal = weekdays(zone, nineToFive, ['2025-12-25', '2025-12-26', '2026-01-01']);
    // Wed 31 Dec 16:00 + 2h: 1h on the 31st, 1 Jan off, Fri 2 Jan 09:00-10:00.
    expect(show(addBusinessTime(cal, local('2025-12-31T16:00', zone), 2 * H), zone)).toBe('Fri 2026-01-02T10:00+01:00');
    // Wed 24 Dec 16:00 + 10h: 1h, 25/26 off, weekend, Mon 29th 8h, Tue 30th 1h.
    expect(show(addBusinessTime(cal, local('2025-12-24T16:00', zone), 10 * H), zone)).toBe('Tue 2025-12-30T10:00+01:00');
  });
});

describe('properties', () => {
  it('businessTimeBetween(from, addBusinessTime(from, ms)) === ms for many starts and durations', () => {
    const cals = [weekdays('Europe/Berlin', withLunch, ['2025-03-31']), weekdays('America/New_York', nineToFive, ['2025-11-03']), ALWAYS_OPEN];
    let start = Date.parse('2025-03-25T00:00:00Z');
    for (let i = 0; i < 300; i++) {
      start += 7 * H + 13 * M; // walks through both DST changes of both zones
      const from = new Date(start + (i % 2 ? 0 : Date.parse('2025-10-20T00:00:00Z') - Date.parse('2025-03-25T00:00:00Z')));
      const ms = ((i * 37) % 50) * H + (i % 60) * M;
      for (const cal of cals) {
        const due = addBusinessTime(cal, from, ms);
        expect(businessTimeBetween(cal, from, due)).toBe(ms);
        expect(due.getTime()).toBeGreaterThanOrEqual(from.getTime());
      }
    }
  });
});

describe('validation', () => {
  it('accepts a good calendar', () => {
    expect(calendarIssues(weekdays('Europe/Berlin', withLunch, ['2025-12-25']))).toEqual([]);
    expect(calendarIssues(ALWAYS_OPEN)).toEqual([]);
  });

  it('reports every problem with a JSON pointer', () => {
    const issues = calendarIssues({
      timezone: 'Mars/Olympus',
      weeklyHours: { mon: [['17:00', '09:00'], ['8:00', '10:00']], tue: [['09:00', '12:00'], ['11:00', '13:00']], tues: [], wed: 'all day', thu: [['09:00']] },
      holidays: ['2025-02-30', 20250101],
      extra: true,
    });
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['/extra', '/timezone', '/weeklyHours/mon/0/1', '/weeklyHours/mon/1/0', '/weeklyHours/tue/1', '/weeklyHours/tues', '/weeklyHours/wed', '/weeklyHours/thu/0', '/holidays/0', '/holidays/1']),
    );
    expect(issues.find((i) => i.path === '/weeklyHours/mon/0/1')?.message).toMatch(/must be after start 17:00.*cannot cross midnight/);
    expect(issues.find((i) => i.path === '/timezone')?.message).toMatch(/IANA/);
  });

  it('rejects a calendar that is never open, and overnight intervals', () => {
    expect(calendarIssues({ timezone: 'UTC', weeklyHours: { sat: [] }, holidays: [] })).toEqual([{ path: '/weeklyHours', message: expect.stringMatching(/never open/) }]);
    expect(calendarIssues({ timezone: 'UTC', weeklyHours: { fri: [['22:00', '06:00']] }, holidays: [] })[0]?.path).toBe('/weeklyHours/fri/0/1');
    expect(calendarIssues({ timezone: 'UTC', weeklyHours: { fri: [['24:00', '24:00']] }, holidays: [] })[0]?.path).toBe('/weeklyHours/fri/0/0');
    expect(calendarIssues(null)).toEqual([{ path: '', message: 'must be an object' }]);
  });

  it('assertCalendar throws InvalidCalendarError; the arithmetic refuses invalid calendars', () => {
    const bad = { timezone: 'UTC', weeklyHours: { mon: [['10:00', '10:00']] }, holidays: [] } as unknown as BusinessCalendar;
    expect(() => assertCalendar(bad)).toThrow(InvalidCalendarError);
    expect(() => addBusinessTime(bad, new Date(), H)).toThrow(/weeklyHours\/mon\/0\/1/);
    expect(() => addBusinessTime(ALWAYS_OPEN, new Date(), -1)).toThrow(RangeError);
  });

  it('skips long runs of holidays', () => {
    const cal = { timezone: 'UTC', weeklyHours: { mon: nineToFive }, holidays: ['2025-06-02', '2025-06-09', '2025-06-16'] };
    expect(() => addBusinessTime(cal, new Date('2025-06-01T00:00:00Z'), H)).not.toThrow();
    expect(show(addBusinessTime(cal, new Date('2025-06-01T00:00:00Z'), H), 'UTC')).toBe('Mon 2025-06-23T10:00+00:00');
    const always = { timezone: 'UTC', weeklyHours: { mon: nineToFive }, holidays: Array.from({ length: 40 }, (_, i) => DateTime.fromISO('2025-06-02').plus({ weeks: i }).toISODate()!) };
    // 40 Mondays off in a row: the first working Monday is the 41st.
    expect(show(addBusinessTime(always, new Date('2025-06-01T00:00:00Z'), H), 'UTC')).toBe('Mon 2026-03-09T10:00+00:00');
    expect(show(nextOpening(always, new Date('2025-06-01T00:00:00Z')), 'UTC')).toBe('Mon 2026-03-09T09:00+00:00');
  });
});
