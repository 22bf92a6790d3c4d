// Business-hours timers stay pure: the engine has no calendars, so a timer whose duration counts business
// hours carries what the server needs to compute its due instant (from, durationMs, the calendar name) and
// fireAt = at + duration, the earliest it can be. Elapsed timers are unchanged.
import { describe, expect, it } from 'vitest';
import { start, step } from '../src/index.ts';
import { edge, node, T0, workflow } from './fixtures.ts';

const def = () =>
  workflow(
    'bh',
    [
      node('start', 'trigger', { event: 'ticket.created' }),
      node('cool', 'wait', { duration: 'PT2H', businessHours: true, escalations: [{ outcome: 'late', after: 'PT30M', businessHours: true, calendar: 'Berlin' }, { outcome: 'later', after: 'PT1H' }] }),
      node('done', 'end', { status: 'resolved' }),
    ],
    [edge('start', 'next', 'cool'), edge('cool', 'elapsed', 'done'), edge('cool', 'late', 'done'), edge('cool', 'later', 'done')],
  );

describe('business-hours timers', () => {
  it('say what to count; fireAt is at + duration; elapsed timers have no businessHours', () => {
    const s = start(def(), {}, T0);
    const timers = s.effects.filter((e) => e.type === 'timer.schedule');
    expect(timers).toEqual([
      { type: 'timer.schedule', nodeId: 'cool', visit: 1, timerId: 'cool:elapsed', fireAt: '2026-03-01T11:00:00.000Z', businessHours: { from: T0, durationMs: 7_200_000 } },
      { type: 'timer.schedule', nodeId: 'cool', visit: 1, timerId: 'cool:escalation:late', fireAt: '2026-03-01T09:30:00.000Z', businessHours: { from: T0, durationMs: 1_800_000, calendar: 'Berlin' } },
      { type: 'timer.schedule', nodeId: 'cool', visit: 1, timerId: 'cool:escalation:later', fireAt: '2026-03-01T10:00:00.000Z' },
    ]);
  });

  it('fires like any timer: the event names node, visit and timer, whatever its time', () => {
    const s = start(def(), {}, T0);
    const fired = step(def(), s.snapshot, { type: 'timer.fired', nodeId: 'cool', visit: 1, timerId: 'cool:elapsed', at: '2026-03-02T15:00:00.000Z' });
    expect(fired.to).toBe('done');
  });
});
