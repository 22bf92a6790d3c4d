// The ticketing service keeps SLA state in step with tickets: creating a ticket through the API applies the
// organisation's policy, a priority change recomputes the due times (and invalidates the old timers),
// waiting for the customer pauses the clock, and resolving meets the resolution target.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startHarness, type Harness } from './api-harness.ts';

let h: Harness;
const always = [['00:00', '24:00']];

beforeAll(async () => {
  h = await startHarness('sla_wiring');
  const calendar = await h.app.inject({
    method: 'POST',
    url: '/api/calendars',
    payload: { name: '24/7', timezone: 'UTC', weeklyHours: { mon: always, tue: always, wed: always, thu: always, fri: always, sat: always, sun: always }, holidays: [] },
  });
  expect(calendar.statusCode, calendar.body).toBe(201);
  const policy = await h.app.inject({
    method: 'POST',
    url: '/api/sla-policies',
    payload: {
      name: 'Standard',
      calendarId: json(calendar).calendar.id,
      targets: { normal: { firstResponseMinutes: 240, resolutionMinutes: 1440 }, urgent: { firstResponseMinutes: 30, resolutionMinutes: 240 } },
    },
  });
  expect(policy.statusCode, policy.body).toBe(201);
}, 60_000);
afterAll(async () => h?.close());

async function sla(ticketId: string) {
  const res = await h.app.inject({ method: 'GET', url: `/api/tickets/${ticketId}/sla` });
  expect(res.statusCode, res.body).toBe(200);
  return json(res).sla as Record<string, unknown>;
}

describe('SLA wiring in the ticketing service', () => {
  it('applies on create, recomputes on priority change, pauses while waiting, and is met on resolve', async () => {
    const created = await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'Printer on fire', priority: 'normal' } });
    expect(created.statusCode, created.body).toBe(201);
    const ticket = json(created).ticket;
    const start = new Date(ticket.createdAt).getTime();

    const first = await sla(ticket.id);
    expect(first.policy).toMatchObject({ name: 'Standard' });
    const minutesFromStart = (iso: unknown) => Math.round((new Date(String(iso)).getTime() - start) / 60_000);
    const resolution = (s: Record<string, unknown>) => s.resolution as { dueAt: string; metAt: string | null; targetMinutes: number };
    expect(resolution(first).targetMinutes).toBe(1440);
    expect(minutesFromStart(resolution(first).dueAt)).toBe(1440);

    const urgent = await h.app.inject({ method: 'PATCH', url: `/api/tickets/${ticket.id}`, payload: { priority: 'urgent' } });
    expect(urgent.statusCode, urgent.body).toBe(200);
    expect(minutesFromStart(resolution(await sla(ticket.id)).dueAt)).toBe(240);

    const waiting = await h.app.inject({ method: 'PATCH', url: `/api/tickets/${ticket.id}`, payload: { status: 'waiting_customer' } });
    expect(waiting.statusCode, waiting.body).toBe(200);
    expect((await sla(ticket.id)).paused).toBe(true);

    const resolved = await h.app.inject({ method: 'PATCH', url: `/api/tickets/${ticket.id}`, payload: { status: 'resolved' } });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(resolution(await sla(ticket.id)).metAt).toEqual(expect.any(String));
  });
});
