// SLA over HTTP and end to end: calendars and policies through the REST API (validation with JSON
// pointers, conflicts), then a ticket whose breach timers fire through the real pg-boss worker and
// resume a workflow run waiting for "sla.breached"; the breaches are visible at GET /api/tickets/:id/sla.
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { applySla } from '../src/sla/index.ts';
import { json, publishViaApi, startHarness, type Harness } from './api-harness.ts';
import { waitFor } from './wait-for.ts';

let h: Harness;
const ZONE = 'Europe/Berlin';
const berlin = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).toJSDate();
const nineToFive = [['09:00', '17:00']];
const calendarBody = {
  name: 'Berlin office',
  timezone: ZONE,
  weeklyHours: { mon: nineToFive, tue: nineToFive, wed: nineToFive, thu: nineToFive, fri: nineToFive, sat: [], sun: [] },
  holidays: ['2025-06-09'],
};

beforeAll(async () => {
  h = await startHarness('sla_api', { workers: true });
}, 60_000);
afterAll(async () => h?.close());

const post = (url: string, payload: unknown) => h.app.inject({ method: 'POST', url, payload: payload as object });
const put = (url: string, payload: unknown) => h.app.inject({ method: 'PUT', url, payload: payload as object });

describe('calendars and policies', () => {
  it('validates calendars with JSON pointers', async () => {
    const bad = await post('/api/calendars', {
      ...calendarBody,
      timezone: 'Europe/Atlantis',
      weeklyHours: { mon: [['17:00', '09:00']], tue: [['09:00', '12:00'], ['11:00', '13:00']] },
      holidays: ['2025-02-30'],
    });
    expect(bad.statusCode).toBe(400);
    const paths = json(bad).error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(['/body/timezone', '/body/weeklyHours/mon/0/1', '/body/weeklyHours/tue/1', '/body/holidays/0']);
    expect(json(bad).error.message).toMatch(/^\/body\/timezone: "Europe\/Atlantis" is not a known IANA time zone/);

    const structural = await post('/api/calendars', { ...calendarBody, weeklyHours: { monday: [] }, extra: 1 });
    expect(structural.statusCode).toBe(400);
    expect(json(structural).error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['/body/extra', '/body/weeklyHours/monday']));
    const badTime = await post('/api/calendars', { ...calendarBody, weeklyHours: { mon: [['9:00', '17:00']] } });
    expect(json(badTime).error.details[0].path).toBe('/body/weeklyHours/mon/0/0');
  });

  it('creates, lists, replaces and deletes; names are unique; a calendar in use cannot be deleted', async () => {
    const created = await post('/api/calendars', { ...calendarBody, name: 'Temp' });
    expect(created.statusCode).toBe(201);
    const cal = json(created).calendar;
    expect(cal).toMatchObject({ name: 'Temp', timezone: ZONE, holidays: ['2025-06-09'] });
    expect((await post('/api/calendars', { ...calendarBody, name: 'Temp' })).statusCode).toBe(409);

    const replaced = await put(`/api/calendars/${cal.id}`, { ...calendarBody, name: 'Temp', holidays: ['2025-12-25', '2025-12-26'] });
    expect(replaced.statusCode).toBe(200);
    expect(json(replaced).calendar.holidays).toEqual(['2025-12-25', '2025-12-26']);
    expect(json(await h.app.inject({ method: 'GET', url: '/api/calendars' })).calendars.map((c: { name: string }) => c.name)).toContain('Temp');

    const policy = await post('/api/sla-policies', { name: 'Uses temp', calendarId: cal.id, targets: { normal: { resolutionMinutes: 60 } } });
    expect(policy.statusCode).toBe(201);
    const inUse = await h.app.inject({ method: 'DELETE', url: `/api/calendars/${cal.id}` });
    expect(inUse.statusCode).toBe(409);
    expect(json(inUse).error.message).toMatch(/used by SLA policy "Uses temp"/);
    expect((await h.app.inject({ method: 'DELETE', url: `/api/sla-policies/${json(policy).policy.id}` })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'DELETE', url: `/api/calendars/${cal.id}` })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: `/api/calendars/${cal.id}` })).statusCode).toBe(404);
  });

  it('validates policies', async () => {
    const bad = await post('/api/sla-policies', {
      name: 'Bad',
      calendarId: '00000000-0000-4000-8000-000000000abc',
      targets: { normal: { resolutionMinutes: 0 } },
    });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error.details[0].path).toBe('/body/targets/normal/resolutionMinutes');
    const unknownPriority = await post('/api/sla-policies', { name: 'Bad', targets: { critical: {} }, pauseStatuses: ['resolved'] });
    expect(json(unknownPriority).error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['/body/targets/critical', '/body/pauseStatuses/0']));
    const unknownCalendar = await post('/api/sla-policies', { name: 'Bad', calendarId: '00000000-0000-4000-8000-000000000abc', targets: {} });
    expect(unknownCalendar.statusCode).toBe(400);
    expect(json(unknownCalendar).error.details[0].path).toBe('/body/calendarId');
  });

  it('GET /api/tickets/:id/sla: 404 for an unknown ticket, sla null without a policy', async () => {
    const missing = await h.app.inject({ method: 'GET', url: '/api/tickets/00000000-0000-4000-8000-00000000dead/sla' });
    expect(missing.statusCode).toBe(404);
    const t = await h.tdb.db.insertInto('tickets').values({ subject: 'no sla yet', body: '' }).returning('id').executeTakeFirstOrThrow();
    const none = await h.app.inject({ method: 'GET', url: `/api/tickets/${t.id}/sla` });
    expect(none.statusCode).toBe(200);
    expect(json(none)).toEqual({ sla: null });
  });
});

describe('end to end', () => {
  it('breach timers fire through pg-boss, are recorded at the due time and resume a run waiting for sla.breached', async () => {
    const cal = json(await post('/api/calendars', calendarBody)).calendar;
    const policy = json(await post('/api/sla-policies', { name: 'Standard', calendarId: cal.id, targets: { normal: { firstResponseMinutes: 120, resolutionMinutes: 240 } } })).policy;
    expect(policy.pauseStatuses).toEqual(['waiting_customer', 'on_hold']);

    const definition = {
      schemaVersion: 1,
      key: 'sla-watch',
      name: 'Escalate on SLA breach',
      nodes: [
        { id: 'start', kind: 'trigger', name: 'Ticket created', position: { x: 0, y: 0 }, params: { event: 'ticket.created' } },
        { id: 'watch', kind: 'wait', name: 'Wait for a breach', position: { x: 0, y: 120 }, params: { resumeOn: ['sla.breached'] } },
        { id: 'done', kind: 'end', name: 'Escalated', position: { x: 0, y: 240 }, params: { status: 'closed' } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'watch', outcome: 'next' },
        { id: 'e2', source: 'watch', target: 'done', outcome: 'resumed' },
      ],
    } as unknown as WorkflowDefinition;
    await publishViaApi(h.app, definition);

    // Created Friday 6 June 2025 16:00 Berlin; Monday 9 June is a holiday. Both due times are long past
    // on the wall clock, so pg-boss hands the timers to the worker at once.
    const created = berlin('2025-06-06T16:00');
    const ticket = await h.tdb.db.insertInto('tickets').values({ subject: 'Outage', body: '', created_at: created, updated_at: created }).returning('id').executeTakeFirstOrThrow();
    const [run] = await h.runtime.startRunsForTicket(ticket.id, 'ticket.created');
    expect(run?.state).toBe('watch');
    await h.tdb.db.transaction().execute((trx) => applySla(trx, h.boss, ticket.id, created));

    const finished = await waitFor('run resumed by sla.breached', async () => {
      const row = await h.tdb.db.selectFrom('runs').selectAll().where('id', '=', run!.id).executeTakeFirstOrThrow();
      return row.status === 'completed' ? row : undefined;
    });
    expect(finished.state).toBe('done');
    const history = await h.tdb.db.selectFrom('run_history').selectAll().where('run_id', '=', run!.id).orderBy('sequence').execute();
    const breachEvent = history.find((r) => (r.event as { type: string }).type === 'ticket.event');
    // Both timers are due at once here, so either breach may be the one that resumes the run.
    const event = breachEvent?.event as { name: string; at: string; ticket: { sla: { breached: 'first_response' | 'resolution' } } };
    expect(event).toMatchObject({ type: 'ticket.event', name: 'sla.breached' });
    const metric = event.ticket.sla.breached;
    expect(breachEvent?.event_key).toBe(`sla.breached:${ticket.id}:${metric}`);
    const dueAt = metric === 'first_response' ? berlin('2025-06-10T10:00') : berlin('2025-06-10T12:00');
    expect(new Date(event.at).toISOString()).toBe(dueAt.toISOString());

    const view = await waitFor('both breaches recorded', async () => {
      const res = json(await h.app.inject({ method: 'GET', url: `/api/tickets/${ticket.id}/sla` }));
      return res.sla?.breaches.length === 2 ? res.sla : undefined;
    });
    expect(view.policy).toEqual({ id: policy.id, name: 'Standard' });
    expect(view.calendar).toMatchObject({ id: cal.id, timezone: ZONE });
    expect(view.resolution).toMatchObject({ status: 'breached', dueAt: berlin('2025-06-10T12:00').toISOString(), breachedAt: berlin('2025-06-10T12:00').toISOString(), targetMinutes: 240 });
    expect(view.firstResponse).toMatchObject({ status: 'breached', dueAt: berlin('2025-06-10T10:00').toISOString() });
    expect(view.resolution.remainingBusinessMs).toBeLessThan(0);
    expect(view.breaches.map((b: { metric: string }) => b.metric).sort()).toEqual(['first_response', 'resolution']);
  });
});
