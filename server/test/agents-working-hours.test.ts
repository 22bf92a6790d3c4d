// An agent's working hours over HTTP (the Settings area's "Teams & agents" form): calendarId on create and
// change, cleared with null, and refused (400 at /body/calendarId, nothing written) for an unknown calendar or
// one of another organisation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startHarness, tableCounts, type Harness } from './api-harness.ts';

let h: Harness;
const nineToFive = [['09:00', '17:00']];

beforeAll(async () => {
  h = await startHarness('agents_hours');
}, 60_000);
afterAll(async () => h?.close());

const post = (url: string, payload: unknown) => h.app.inject({ method: 'POST', url, payload: payload as object });
const patch = (url: string, payload: unknown) => h.app.inject({ method: 'PATCH', url, payload: payload as object });

describe('agents: working hours (calendarId)', () => {
  it('sets, changes and clears an agent’s calendar; refuses unknown and foreign calendars', async () => {
    const office = json(await post('/api/calendars', { name: 'Office', timezone: 'Europe/Berlin', weeklyHours: { mon: nineToFive, fri: nineToFive }, holidays: ['2026-12-24'] })).calendar;
    const late = json(await post('/api/calendars', { name: 'Late shift', timezone: 'UTC', weeklyHours: { tue: [['14:00', '22:00']] }, holidays: [] })).calendar;

    const created = await post('/api/agents', { name: 'Maria', email: 'maria@desk.example', calendarId: office.id });
    expect(created.statusCode, created.body).toBe(201);
    const agent = json(created).agent;
    expect(agent.calendarId).toBe(office.id);

    const moved = await patch(`/api/agents/${agent.id}`, { calendarId: late.id, capacity: 7 });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(json(moved).agent).toMatchObject({ calendarId: late.id, capacity: 7 });

    const cleared = await patch(`/api/agents/${agent.id}`, { calendarId: null });
    expect(json(cleared).agent.calendarId).toBeNull();

    // Another organisation's calendar is as unknown as a random id.
    const otherOrg = await h.tdb.db.insertInto('organisations').values({ slug: 'other-org', name: 'Other' }).returning('id').executeTakeFirstOrThrow();
    const foreign = await h.tdb.db
      .insertInto('calendars')
      .values({ organisation_id: otherOrg.id, name: 'Theirs', timezone: 'UTC', weekly_hours: JSON.stringify({ mon: nineToFive }), holidays: [], created_at: new Date(), updated_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();

    const before = await tableCounts(h);
    for (const calendarId of [foreign.id, '6f1c7a8e-1111-4222-8333-444455556666']) {
      const bad = await patch(`/api/agents/${agent.id}`, { calendarId, capacity: 99 });
      expect(bad.statusCode).toBe(400);
      expect(json(bad).error.details).toEqual([{ path: '/body/calendarId', message: '/body/calendarId: no such calendar in this organisation' }]);
      const badCreate = await post('/api/agents', { name: 'Nobody', email: 'nobody@desk.example', calendarId });
      expect(badCreate.statusCode).toBe(400);
      expect(json(badCreate).error.details[0].path).toBe('/body/calendarId');
    }
    expect(await tableCounts(h)).toEqual(before);
    expect(json(await h.app.inject(`/api/agents/${agent.id}`)).agent).toMatchObject({ calendarId: null, capacity: 7 });

    const malformed = await patch(`/api/agents/${agent.id}`, { calendarId: 'office' });
    expect(malformed.statusCode).toBe(400);
    expect(json(malformed).error.details[0].path).toBe('/body/calendarId');
  });
});
