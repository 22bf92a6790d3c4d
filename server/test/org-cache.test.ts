// The per-organisation caches of ticket creation (fields schema, latest workflow versions, SLA policies,
// webhook endpoints) stay correct across processes: a change made through another process — here a second
// app on its own connection pool — shows on the very next ticket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../src/db/database.ts';
import { buildApp } from '../src/api/app.ts';
import { approvalWorkflow, asPrincipal, json, logger, publishViaApi, startHarness, type Harness } from './api-harness.ts';
import type { FastifyInstance } from 'fastify';

let h: Harness;
let other: FastifyInstance;
let otherDb: ReturnType<typeof createDatabase>;

beforeAll(async () => {
  h = await startHarness('org_cache');
  otherDb = createDatabase(h.tdb.connectionString, { max: 2 });
  other = asPrincipal(await buildApp({ db: otherDb.db, runtime: h.runtime, logger }), h.admin);
  await other.ready();
}, 60_000);
afterAll(async () => {
  await other?.close();
  await otherDb?.close();
  await h?.close();
});

const create = (payload: Record<string, unknown>) => h.app.inject({ method: 'POST', url: '/api/tickets', payload });

describe('ticket creation caches', () => {
  it('see a custom-field schema changed elsewhere on the next ticket, stricter or looser', async () => {
    expect((await create({ subject: 'warm the cache', fields: { plan: 'gold' } })).statusCode).toBe(201);
    await otherDb.db.updateTable('organisations').set({ ticket_fields_schema: JSON.stringify({ type: 'object', properties: { plan: { enum: ['basic', 'pro'] } } }) }).execute();
    const strict = await create({ subject: 'now refused', fields: { plan: 'gold' } });
    expect(strict.statusCode).toBe(400);
    expect(json(strict).error.details[0].path).toBe('/body/fields/plan');
    await otherDb.db.updateTable('organisations').set({ ticket_fields_schema: JSON.stringify({ type: 'object' }) }).execute();
    expect((await create({ subject: 'accepted again', fields: { plan: 'gold' } })).statusCode).toBe(201);
  });

  it('start a workflow published by another process on the next ticket', async () => {
    const before = json(await create({ subject: 'no workflow yet' }));
    expect(before.runs).toHaveLength(0);
    await publishViaApi(other, approvalWorkflow('published-elsewhere'));
    const after = json(await create({ subject: 'now it starts' }));
    expect(after.runs.map((r: { workflowKey: string }) => r.workflowKey)).toEqual(['published-elsewhere']);
  });

  it('apply an SLA policy and a webhook endpoint created by another process on the next ticket', async () => {
    const day = [['09:00', '17:00']];
    const calendar = json(await other.inject({ method: 'POST', url: '/api/calendars', payload: { name: 'Office', timezone: 'Europe/Berlin', weeklyHours: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: [], sun: [] }, holidays: [] } }));
    const policy = await other.inject({ method: 'POST', url: '/api/sla-policies', payload: { name: 'Everything', calendarId: calendar.calendar.id, targets: { normal: { resolutionMinutes: 600 } } } });
    const endpoint = await other.inject({ method: 'POST', url: '/api/webhook-endpoints', payload: { url: 'https://hooks.example.com/in', events: ['ticket.created'] } });
    const created = json(await create({ subject: 'with SLA and webhook' }));
    const sla = json(await h.app.inject({ method: 'GET', url: `/api/tickets/${created.ticket.id}/sla` }));
    const deliveries = await h.tdb.db.selectFrom('webhook_deliveries').select('event').execute();
    expect({ policy: policy.statusCode, endpoint: endpoint.statusCode, sla: sla.sla !== null, deliveries: deliveries.map((d) => d.event) }).toEqual({ policy: 201, endpoint: 201, sla: true, deliveries: ['ticket.created'] });
  });
});
