// Business-hours timers in workflows, on a real Postgres with real pg-boss jobs and an injected clock: a wait of
// 2 business hours entered on a Friday evening is due on Monday morning (the pg-boss job's startAfter, the
// history's effect and the timer.fired time agree), counted in the calendar of the ticket's SLA policy; an
// escalation that names its own calendar counts in that one; without a ticket (no SLA, no organisation) the
// hours are 24/7 and the effect says so. The timer then fires through the real worker code path and moves the run.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { pumpDueTimers, TIMER_QUEUE } from '../src/runtime/index.ts';
import type { TimerJobData } from '../src/runtime/persist.ts';
import { json, publishViaApi, startHarness, type Harness } from './api-harness.ts';

const ZONE = 'Europe/Berlin';
/** Friday 13 June 2025, 19:00 in Berlin (CEST, UTC+2): the office closed two hours ago. */
const FRIDAY_EVENING = new Date('2025-06-13T17:00:00.000Z');
const weekdays = (hours: [string, string][]) => ({ mon: hours, tue: hours, wed: hours, thu: hours, fri: hours });

let h: Harness;
let versionId: string;
let clock = FRIDAY_EVENING;

function definition(): WorkflowDefinition {
  const at = { x: 0, y: 0 };
  return {
    schemaVersion: 1,
    key: 'office-hours',
    name: 'Office hours',
    nodes: [
      { id: 'start', kind: 'trigger', position: at, params: { event: 'ticket.created' } },
      {
        id: 'cool',
        kind: 'wait',
        position: at,
        params: {
          duration: 'PT2H',
          businessHours: true,
          escalations: [{ outcome: 'weekend', after: 'PT30M', businessHours: true, calendar: 'Weekend desk' }],
        },
      },
      { id: 'done', kind: 'end', position: at, params: { status: 'resolved' } },
      { id: 'weekend_done', kind: 'end', position: at, params: { status: 'closed' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'cool', outcome: 'next' },
      { id: 'e2', source: 'cool', target: 'done', outcome: 'elapsed' },
      { id: 'e3', source: 'cool', target: 'weekend_done', outcome: 'weekend' },
    ],
  } as WorkflowDefinition;
}

beforeAll(async () => {
  h = await startHarness('business_timers', { now: () => clock });

  const office = await h.app.inject({ method: 'POST', url: '/api/calendars', payload: { name: 'Berlin office', timezone: ZONE, weeklyHours: weekdays([['09:00', '17:00']]), holidays: [] } });
  expect(office.statusCode, office.body).toBe(201);
  const weekend = await h.app.inject({ method: 'POST', url: '/api/calendars', payload: { name: 'Weekend desk', timezone: ZONE, weeklyHours: { sat: [['10:00', '14:00']] }, holidays: [] } });
  expect(weekend.statusCode, weekend.body).toBe(201);
  const policy = await h.app.inject({
    method: 'POST',
    url: '/api/sla-policies',
    payload: { name: 'Office', calendarId: json(office).calendar.id, targets: { normal: { firstResponseMinutes: 240, resolutionMinutes: 2400 } } },
  });
  expect(policy.statusCode, policy.body).toBe(201);
  ({ versionId } = await publishViaApi(h.app, definition()));
}, 60_000);

afterAll(async () => {
  await h?.close();
});

interface TimerJob {
  start_after: Date;
  data: TimerJobData;
}
async function timerJobs(runId: string): Promise<Map<string, TimerJob>> {
  // Timers wait in run_timers until the timer pump hands them to pg-h.boss (runtime/timer-pump.ts); pump them
  // all now, whatever their fire time, and read the jobs it made.
  await pumpDueTimers(h.tdb.db, h.boss, 10 * 365 * 86_400_000, 1000);
  const { rows } = await sql<TimerJob>`SELECT start_after, data FROM pgboss.job WHERE name = ${TIMER_QUEUE} AND data->>'runId' = ${runId}`.execute(h.tdb.db);
  return new Map(rows.map((r) => [r.data.timerId, r]));
}

describe('business-hours timers', () => {
  it('a 2-business-hour wait entered Friday 19:00 in Berlin is due Monday 11:00 (pg-h.boss startAfter), in the SLA calendar', async () => {
    clock = FRIDAY_EVENING;
    const created = await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'Printer on fire', priority: 'normal' } });
    expect(created.statusCode, created.body).toBe(201);
    const runId = json(created).runs[0].id as string;
    expect(json(created).runs[0].state).toBe('cool');

    const jobs = await timerJobs(runId);
    // Monday 16 June 2025, 11:00 CEST = 09:00 UTC: 0 h Friday evening, weekend closed, 2 h from Monday 09:00.
    const elapsed = jobs.get('cool:elapsed')!;
    expect(elapsed.start_after.toISOString()).toBe('2025-06-16T09:00:00.000Z');
    expect(elapsed.data.fireAt).toBe('2025-06-16T09:00:00.000Z');
    // "Within hours" of the wall clock would have been Friday 21:00; business hours pushed it to Monday.
    expect(elapsed.start_after.getTime() - FRIDAY_EVENING.getTime()).toBeGreaterThan(2 * 24 * 3_600_000);
    // The escalation names its own calendar: Saturday 10:00-14:00, so 30 minutes are due Saturday 10:30 CEST.
    expect(jobs.get('cool:escalation:weekend')!.start_after.toISOString()).toBe('2025-06-14T08:30:00.000Z');

    // The history keeps what was counted and in which calendar (the run inspector shows it).
    const history = json(await h.app.inject({ method: 'GET', url: `/api/runs/${runId}/history` })).history as { effects: { timerId?: string; fireAt?: string; businessHours?: unknown }[] }[];
    const effects = history.flatMap((h) => h.effects ?? []).filter((e) => e.timerId);
    expect(effects).toEqual([
      expect.objectContaining({ timerId: 'cool:elapsed', fireAt: '2025-06-16T09:00:00.000Z', businessHours: { from: FRIDAY_EVENING.toISOString(), durationMs: 7_200_000, countedIn: 'Berlin office' } }),
      expect.objectContaining({
        timerId: 'cool:escalation:weekend',
        fireAt: '2025-06-14T08:30:00.000Z',
        businessHours: { from: FRIDAY_EVENING.toISOString(), durationMs: 1_800_000, calendar: 'Weekend desk', countedIn: 'Weekend desk' },
      }),
    ]);
  });

  it('the due timer fires at its business-hours instant and moves the run (the worker\'s own event)', async () => {
    clock = FRIDAY_EVENING;
    const created = await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'Second ticket', priority: 'normal' } });
    const runId = json(created).runs[0].id as string;
    const job = (await timerJobs(runId)).get('cool:escalation:weekend')!;
    // What handleTimer (workers.ts) sends when pg-h.boss hands out the job: the event time is the job's fireAt.
    const { data } = job;
    const fired = await h.runtime.sendEvent(runId, { type: 'timer.fired', nodeId: data.nodeId, visit: data.visit, timerId: data.timerId, at: data.fireAt }, { eventKey: data.key });
    expect(fired.applied).toBe(true);
    expect(fired.run.state).toBe('weekend_done');
    expect(fired.run.status).toBe('completed');
  });

  it('without a ticket there is no SLA calendar: 24/7, and a named calendar that cannot be found is reported', async () => {
    clock = FRIDAY_EVENING;
    const started = await h.app.inject({ method: 'POST', url: '/api/runs', payload: { workflowVersionId: versionId } });
    expect(started.statusCode, started.body).toBe(201);
    const runId = json(started).run.id as string;
    const jobs = await timerJobs(runId);
    expect(jobs.get('cool:elapsed')!.start_after.toISOString()).toBe('2025-06-13T19:00:00.000Z');
    expect(jobs.get('cool:escalation:weekend')!.start_after.toISOString()).toBe('2025-06-13T17:30:00.000Z');
    const history = json(await h.app.inject({ method: 'GET', url: `/api/runs/${runId}/history` })).history as { effects: { timerId?: string; businessHours?: { countedIn?: string } }[] }[];
    const counted = history.flatMap((h) => h.effects ?? []).filter((e) => e.timerId).map((e) => e.businessHours?.countedIn);
    expect(counted).toEqual(['24/7', '24/7 (calendar "Weekend desk" not found)']);
  });
});
