// Outbound webhooks against real Postgres, pg-boss workers and a real HTTP receiver on 127.0.0.1:
// a delivery that fails twice then succeeds (retries visible in the log, signature verified by the
// receiver), Slack and Teams shapes, a failed delivery retried by hand, and the outbox staying atomic.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverWebhook, queueWebhookEvent, verifySignature } from '../src/channels/webhooks/index.ts';
import { json, startHarness, type Harness } from './api-harness.ts';
import { waitFor } from './wait-for.ts';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

let h: Harness;
let server: Server;
let base: string;
const received: Received[] = [];
/** Status to answer per path: a queue consumed one per request, then 200. */
const plan = new Map<string, number[]>();

beforeAll(async () => {
  h = await startHarness('webhooks_outbound', { workers: true });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, raw: Buffer.concat(chunks) });
      const status = plan.get(path)?.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await h?.close();
});

async function endpoint(path: string, kind: 'generic' | 'slack' | 'teams', events = ['ticket.created']) {
  const res = await h.app.inject({ method: 'POST', url: '/api/webhook-endpoints', payload: { url: `${base}${path}`, kind, events } });
  expect(res.statusCode, res.body).toBe(201);
  return { id: json(res).endpoint.id as string, secret: json(res).secret as string };
}

async function newTicket(subject: string) {
  const res = await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject, body: 'It broke', priority: 'urgent', customer: { email: 'ops@example.com' } } });
  expect(res.statusCode, res.body).toBe(201);
  return json(res).ticket as { id: string; number: number };
}

async function emit(event: 'ticket.created' | 'ticket.updated' | 'message.created', ticketId: string, extra: { messageId?: string; changed?: string[] } = {}) {
  return h.tdb.db.transaction().execute((trx) => queueWebhookEvent(trx, h.boss, { event, ticketId, ...extra }));
}

describe('outbound webhooks', () => {
  it('retries a failing endpoint with backoff until it succeeds; the log shows it; the receiver verifies the signature', async () => {
    const ep = await endpoint('/generic', 'generic');
    plan.set('/generic', [500, 503]);
    // Creating the ticket through the API queues the ticket.created delivery in the same transaction.
    const ticket = await newTicket('Printer on fire');
    const log = await waitFor(
      'delivered',
      async () => {
        const res = json(await h.app.inject({ method: 'GET', url: `/api/webhook-endpoints/${ep.id}/deliveries` }));
        return res.deliveries[0]?.status === 'delivered' ? res.deliveries : null;
      },
      30_000,
    );
    expect(log).toHaveLength(1);
    const deliveryId = log[0].id as string;
    expect(log[0]).toMatchObject({ event: 'ticket.created', status: 'delivered', attempts: 3, lastStatus: 200, lastError: null });
    const hits = received.filter((r) => r.path === '/generic');
    expect(hits).toHaveLength(3);
    for (const hit of hits) {
      expect(hit.headers['x-flowdesk-delivery']).toBe(deliveryId);
      expect(hit.headers['x-flowdesk-event']).toBe('ticket.created');
      expect(verifySignature(ep.secret, hit.headers['x-flowdesk-signature'], hit.raw).ok).toBe(true);
      expect(verifySignature('wrong-secret', hit.headers['x-flowdesk-signature'], hit.raw).ok).toBe(false);
    }
    const body = JSON.parse(hits[2]!.raw.toString());
    expect(body).toMatchObject({ event: 'ticket.created', data: { ticket: { id: ticket.id, number: ticket.number, subject: 'Printer on fire', priority: 'urgent' } } });
  });

  it('slack endpoints get {text}, teams endpoints a MessageCard; unsubscribed events write nothing', async () => {
    await endpoint('/slack', 'slack', ['ticket.created', 'message.created']);
    await endpoint('/teams', 'teams', ['ticket.created']);
    const ticket = await newTicket('VPN down');
    const ids = await emit('ticket.created', ticket.id);
    expect(ids.length).toBe(3); // generic + slack + teams
    await waitFor('slack and teams hits', async () => received.some((r) => r.path === '/slack') && received.some((r) => r.path === '/teams'));
    const slack = JSON.parse(received.find((r) => r.path === '/slack')!.raw.toString());
    expect(Object.keys(slack)).toEqual(['text']);
    expect(slack.text).toContain(`#${ticket.number} VPN down`);
    const teams = JSON.parse(received.find((r) => r.path === '/teams')!.raw.toString());
    expect(teams).toMatchObject({ '@type': 'MessageCard', '@context': 'https://schema.org/extensions', title: expect.stringContaining('VPN down'), themeColor: 'D13438' });
    expect(await emit('ticket.updated', ticket.id, { changed: ['status'] })).toEqual([]);
  });

  it('a delivery that failed for good can be retried by hand', async () => {
    const ep = await endpoint('/flaky', 'generic', ['ticket.updated']);
    const ticket = await newTicket('Flaky');
    // Written but not yet taken by the worker in this test: deliver the last attempt directly.
    const [id] = await h.tdb.db.transaction().execute(async (trx) => {
      const ids = await queueWebhookEvent(trx, { send: async () => null }, { event: 'ticket.updated', ticketId: ticket.id, changed: ['priority'] });
      return ids;
    });
    plan.set('/flaky', [500]);
    expect(await deliverWebhook(h.tdb.db, id!, { lastAttempt: true })).toBe('failed');
    const failed = json(await h.app.inject({ method: 'GET', url: `/api/webhook-endpoints/${ep.id}/deliveries?status=failed` })).deliveries;
    expect(failed).toMatchObject([{ id, status: 'failed', attempts: 1, lastStatus: 500, lastError: 'HTTP 500' }]);
    const retried = await h.app.inject({ method: 'POST', url: `/api/webhook-endpoints/${ep.id}/deliveries/${id}/retry` });
    expect(retried.statusCode).toBe(202);
    expect(json(retried).delivery.status).toBe('pending');
    // Pending (or already delivered) again: not retryable.
    const again = await h.app.inject({ method: 'POST', url: `/api/webhook-endpoints/${ep.id}/deliveries/${id}/retry` });
    expect(again.statusCode).toBe(409);
    await waitFor('redelivered', async () => (await h.tdb.db.selectFrom('webhook_deliveries').select('status').where('id', '=', id!).executeTakeFirst())?.status === 'delivered');
    const row = await h.tdb.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ attempts: 2, last_status: 200 });
  });

  it('the outbox is atomic: a rolled-back change leaves no delivery and no job', async () => {
    const ticket = await newTicket('Rollback');
    const before = await h.tdb.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    await expect(
      h.tdb.db.transaction().execute(async (trx) => {
        await queueWebhookEvent(trx, h.boss, { event: 'ticket.created', ticketId: ticket.id });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const after = await h.tdb.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('endpoint routes validate input and hide the secret', async () => {
    const bad = await h.app.inject({ method: 'POST', url: '/api/webhook-endpoints', payload: { url: 'ftp://x', events: ['ticket.created'] } });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error.details[0].path).toBe('/body/url');
    const badEvent = await h.app.inject({ method: 'POST', url: '/api/webhook-endpoints', payload: { url: 'https://example.com/h', events: ['ticket.deleted'] } });
    expect(json(badEvent).error.details[0].path).toBe('/body/events/0');
    const list = await h.app.inject({ method: 'GET', url: '/api/webhook-endpoints' });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain('whsec_');
    const missing = await h.app.inject({ method: 'GET', url: '/api/webhook-endpoints/00000000-0000-4000-8000-00000000beef/deliveries' });
    expect(missing.statusCode).toBe(404);
  });
});
