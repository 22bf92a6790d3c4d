// Calendars and SLA targets in words, for the Settings lists: "Mon–Fri 09:00–17:00 · Sat 10:00–14:00",
// "4 h", "2 h 30 min".
import { WEEKDAYS, type WeeklyHours, type Weekday } from '../../api/settings.ts';

const SHORT: Record<Weekday, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' };

/** Consecutive weekdays with the same hours are grouped; closed days are left out. */
export function weekSummary(week: WeeklyHours): string {
  const text = (d: Weekday) => (week[d] ?? []).map(([a, b]) => `${a}–${b}`).join(', ');
  const groups: { from: Weekday; to: Weekday; hours: string }[] = [];
  for (const d of WEEKDAYS) {
    const hours = text(d);
    const last = groups[groups.length - 1];
    if (last && last.hours === hours && WEEKDAYS.indexOf(last.to) === WEEKDAYS.indexOf(d) - 1) last.to = d;
    else groups.push({ from: d, to: d, hours });
  }
  const open = groups.filter((g) => g.hours);
  if (open.length === 0) return 'Never open';
  if (open.length === 1 && open[0]!.from === 'mon' && open[0]!.to === 'sun' && open[0]!.hours === '00:00–24:00') return 'Always open (24/7)';
  return open.map((g) => `${g.from === g.to ? SHORT[g.from] : `${SHORT[g.from]}–${SHORT[g.to]}`} ${g.hours}`).join(' · ');
}

/** Business minutes as "45 min", "4 h", "2 h 30 min", "40 h": hours, never days (a business day is not 24 hours). */
export function minutesText(minutes: number | undefined | null): string {
  if (minutes === undefined || minutes === null) return '—';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}
