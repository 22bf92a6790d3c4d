// Inbound webhooks against real Postgres: signed phone-call summaries become tickets with a phone
// identity, the same external id appends, and unsigned / wrong / stale / replayed / unusable deliveries
// are refused with nothing written. A fast-check fuzz of the endpoint: never a 5xx, no rows unless 2xx.
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signatureHeader } from '../src/channels/webhooks/index.ts';
import { buildAdminApp, json, startHarness, type Harness, rowCounts } from './api-harness.ts';

let h: Harness;
let app: FastifyInstance;
let phone: { id: string; secret: string };
let social: { id: string; secret: string };
let seq = 0;

beforeAll(async () => {
  h = await startHarness('webhooks_inbound');
  app = await buildAdminApp(h, { webhooks: { rateLimitMax: 100_000 } });
  await app.ready();
  const a = await app.inject({ method: 'POST', url: '/api/webhook-sources', payload: { name: 'PBX', preset: 'phone-call-summary' } });
  expect(a.statusCode, a.body).toBe(201);
  phone = { id: json(a).source.id, secret: json(a).secret };
  const b = await app.inject({ method: 'POST', url: '/api/webhook-sources', payload: { name: 'Social', preset: 'social-message', secret: 'social-secret-0123456789' } });
  expect(b.statusCode, b.body).toBe(201);
  social = { id: json(b).source.id, secret: 'social-secret-0123456789' };
}, 60_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
});

const counts = () => rowCounts(h.tdb.db, ['tickets', 'messages', 'customers', 'customer_identities', 'webhook_receipts', 'webhook_ticket_refs', 'pgboss.job']);

function send(source: { id: string; secret: string }, payload: unknown, opts: { t?: number; delivery?: string | null; signature?: string | null; raw?: string } = {}) {
  const raw = opts.raw ?? JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const sig = opts.signature === undefined ? signatureHeader(source.secret, raw, opts.t) : opts.signature;
  if (sig !== null) headers['x-flowdesk-signature'] = sig;
  const delivery = opts.delivery === undefined ? `d-${++seq}-${Date.now()}` : opts.delivery;
  if (delivery !== null) headers['x-flowdesk-delivery'] = delivery;
  return app.inject({ method: 'POST', url: `/api/hooks/${source.id}`, headers, payload: raw });
}

const call = (callId: string, summary: string) => ({ callId, from: '+44 20 7946 0958', callerName: 'Ada Lovelace', subject: 'Callback about invoice', summary, priority: 'high', tags: ['billing'] });

describe('inbound webhooks', () => {
  it('a signed call summary creates a ticket with a phone identity; the same call id appends', async () => {
    const first = await send(phone, call('call-1', 'Customer asks about invoice 42'));
    expect(first.statusCode, first.body).toBe(201);
    const r1 = json(first);
    expect(r1.action).toBe('created');
    const ticket = await h.tdb.db.selectFrom('tickets').selectAll().where('id', '=', r1.ticket.id).executeTakeFirstOrThrow();
    expect(ticket).toMatchObject({ subject: 'Callback about invoice', channel: 'phone', priority: 'high', tags: ['billing', 'phone'] });
    const identity = await h.tdb.db.selectFrom('customer_identities').selectAll().where('customer_id', '=', r1.customerId).executeTakeFirstOrThrow();
    expect(identity).toMatchObject({ kind: 'phone', value: '+442079460958' });
    const customer = await h.tdb.db.selectFrom('customers').selectAll().where('id', '=', r1.customerId).executeTakeFirstOrThrow();
    expect(customer.name).toBe('Ada Lovelace');

    const second = await send(phone, call('call-1', 'Follow-up: customer called again'));
    expect(second.statusCode, second.body).toBe(201);
    const r2 = json(second);
    expect(r2).toMatchObject({ action: 'appended', ticket: { id: r1.ticket.id }, customerId: r1.customerId });
    const messages = await h.tdb.db.selectFrom('messages').select(['body_text', 'author_type', 'channel']).where('ticket_id', '=', r1.ticket.id).orderBy('created_at').execute();
    expect(messages.map((m) => m.body_text)).toEqual(['Customer asks about invoice 42', 'Follow-up: customer called again']);
    expect(messages[1]).toMatchObject({ author_type: 'customer', channel: 'phone' });

    const other = await send(phone, call('call-2', 'Another call'));
    expect(json(other).action).toBe('created');
    expect(json(other).ticket.id).not.toBe(r1.ticket.id);
  });

  it('a social message maps to a network:handle identity', async () => {
    const res = await send(social, { network: 'Mastodon', conversationId: 'conv-9', author: { handle: '@Grace', name: 'Grace' }, text: 'My order never arrived' });
    expect(res.statusCode, res.body).toBe(201);
    const identity = await h.tdb.db.selectFrom('customer_identities').selectAll().where('customer_id', '=', json(res).customerId).executeTakeFirstOrThrow();
    expect(identity).toMatchObject({ kind: 'handle', value: 'mastodon:grace' });
  });

  it('unsigned, wrongly signed and stale deliveries are 401 with nothing written', async () => {
    const before = await counts();
    const payload = call('call-x', 'should not land');
    const raw = JSON.stringify(payload);
    const cases = [
      await send(phone, payload, { signature: null }),
      await send(phone, payload, { signature: signatureHeader('not-the-secret-at-all', raw) }),
      await send(phone, payload, { signature: signatureHeader(phone.secret, raw + ' ') }),
      await send(phone, payload, { t: Math.floor(Date.now() / 1000) - 301 }),
      await send(phone, payload, { t: Math.floor(Date.now() / 1000) + 400 }),
      await send(phone, payload, { signature: 'v1=deadbeef' }),
      await send(social, payload, { signature: signatureHeader(phone.secret, raw) }),
    ];
    for (const res of cases) {
      expect(res.statusCode, res.body).toBe(401);
      expect(json(res).error.code).toBe('FD_BAD_SIGNATURE');
      expect(json(res).error.details[0].path).toBe('/headers/x-flowdesk-signature');
    }
    expect(await counts()).toEqual(before);
  });

  it('a replayed delivery id, or the same signed body under a new id, is 409 with nothing written', async () => {
    const payload = call('call-replay', 'once only');
    const raw = JSON.stringify(payload);
    const t = Math.floor(Date.now() / 1000);
    const ok = await send(phone, payload, { raw, t, delivery: 'replay-1' });
    expect(ok.statusCode, ok.body).toBe(201);
    const before = await counts();
    const again = await send(phone, payload, { raw, t, delivery: 'replay-1' });
    expect(again.statusCode).toBe(409);
    expect(json(again).error.code).toBe('FD_REPLAYED');
    const newId = await send(phone, payload, { raw, t, delivery: 'replay-2' });
    expect(newId.statusCode).toBe(409);
    const freshSigSameId = await send(phone, call('call-replay-b', 'other'), { delivery: 'replay-1' });
    expect(freshSigSameId.statusCode).toBe(409);
    expect(await counts()).toEqual(before);
  });

  it('the same delivery sent concurrently is accepted once: the receipt commits with the ticket or not at all', async () => {
    const payload = call('call-dup-race', 'sent four times at once');
    const raw = JSON.stringify(payload);
    const t = Math.floor(Date.now() / 1000);
    const before = await counts();
    const results = await Promise.all([1, 2, 3, 4].map(() => send(phone, payload, { raw, t, delivery: 'dup-race-1' })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
    const after = await counts();
    expect(after.tickets! - before.tickets!).toBe(1);
    expect(after.messages! - before.messages!).toBe(1);
    expect(after.webhook_receipts! - before.webhook_receipts!).toBe(1);
    const receipt = await h.tdb.db.selectFrom('webhook_receipts').selectAll().where('nonce', '=', 'dup-race-1').executeTakeFirstOrThrow();
    expect(receipt.ticket_id).toBe(json(results.find((r) => r.statusCode === 201)!).ticket.id);
  });

  it('concurrent deliveries of one new call id open one ticket', async () => {
    const results = await Promise.all([1, 2, 3, 4].map((i) => send(phone, call('call-race', `part ${i}`))));
    expect(results.map((r) => r.statusCode)).toEqual([201, 201, 201, 201]);
    expect(results.map((r) => json(r).action).sort()).toEqual(['appended', 'appended', 'appended', 'created']);
    expect(new Set(results.map((r) => json(r).ticket.id)).size).toBe(1);
  });

  it('a body the mapping cannot use is 400 pointing into the body; missing delivery id 400; oversize 413; nothing written', async () => {
    const before = await counts();
    const noSummary = await send(phone, { callId: 'c', from: '+442079460958' });
    expect(noSummary.statusCode).toBe(400);
    expect(json(noSummary).error.details[0].path).toBe('/body/summary');
    const badPhone = await send(phone, { callId: 'c', from: 'not a phone', summary: 'x' });
    expect(badPhone.statusCode, badPhone.body).toBe(400);
    expect(json(badPhone).error.details[0].path).toBe('/body/from');
    const badPriority = await send(phone, { ...call('c3', 'x'), priority: 'asap' });
    expect(json(badPriority).error.details[0].path).toBe('/body/priority');
    const noIdentity = await send(phone, { summary: 'x' });
    expect(json(noIdentity).error.details[0].path).toBe('/body/from');
    const notJson = await send(phone, null, { raw: '{"summary":' });
    expect(notJson.statusCode).toBe(400);
    expect(json(notJson).error.code).toBe('FD_MALFORMED_JSON');
    const array = await send(phone, [1, 2]);
    expect(array.statusCode).toBe(400);
    const noDelivery = await send(phone, call('c4', 'x'), { delivery: null });
    expect(noDelivery.statusCode).toBe(400);
    expect(json(noDelivery).error.details[0].path).toBe('/headers/x-flowdesk-delivery');
    const huge = await send(phone, call('c5', 'x'.repeat(1024 * 1024 + 10)));
    expect(huge.statusCode).toBe(413);
    const unknown = await send({ id: '00000000-0000-4000-8000-00000000beef', secret: 'x' }, call('c6', 'x'));
    expect(unknown.statusCode).toBe(404);
    expect(await counts()).toEqual(before);
  });

  it('is rate-limited per source and IP', async () => {
    const limited = await buildAdminApp(h, { webhooks: { rateLimitMax: 2 } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await limited.inject({ method: 'POST', url: `/api/hooks/${phone.id}`, headers: { 'content-type': 'application/json' }, payload: '{}' })).statusCode);
    expect(statuses).toEqual([401, 401, 429]);
    await limited.close();
  });

  it('source CRUD: secret only on create, mapping validated', async () => {
    const bad = await app.inject({ method: 'POST', url: '/api/webhook-sources', payload: { name: 'x', mapping: { channel: 'phone', body: 'no-leading-slash', customer: {} } } });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error.details[0].path).toBe('/body/mapping/body');
    const incomplete = await app.inject({ method: 'POST', url: '/api/webhook-sources', payload: { name: 'x', mapping: { channel: 'phone' } } });
    expect(incomplete.statusCode).toBe(400);
    const got = await app.inject({ method: 'GET', url: `/api/webhook-sources/${phone.id}` });
    expect(got.statusCode).toBe(200);
    expect(got.body).not.toContain(phone.secret);
    const list = await app.inject({ method: 'GET', url: '/api/webhook-sources' });
    expect(json(list).sources).toHaveLength(2);
    const dup = await app.inject({ method: 'POST', url: '/api/webhook-sources', payload: { name: 'PBX', preset: 'phone-call-summary' } });
    expect(dup.statusCode).toBe(409);
    const custom = await app.inject({
      method: 'POST',
      url: '/api/webhook-sources',
      payload: { name: 'Custom', mapping: { channel: 'chat', body: '/msg/text', customer: { email: '/msg/from' }, externalId: '/msg/thread' } },
    });
    expect(custom.statusCode, custom.body).toBe(201);
    const off = await app.inject({ method: 'PATCH', url: `/api/webhook-sources/${json(custom).source.id}`, payload: { active: false } });
    expect(json(off).source.active).toBe(false);
    const refused = await send({ id: json(custom).source.id, secret: json(custom).secret }, { msg: { text: 'hi', from: 'a@example.com' } });
    expect(refused.statusCode).toBe(404);
    const del = await app.inject({ method: 'DELETE', url: `/api/webhook-sources/${json(custom).source.id}` });
    expect(del.statusCode).toBe(204);
  });

  it('fuzz: random bodies and headers never 5xx, and nothing is written unless 2xx', async () => {
    const valueArb = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }), fc.constant('+442079460958'), fc.constant('\u0000'));
    const payloadArb = fc.oneof(
      fc.jsonValue(),
      fc.record({ callId: fc.option(valueArb), from: fc.option(valueArb), summary: fc.option(valueArb), subject: fc.option(valueArb), priority: fc.option(valueArb), tags: fc.option(valueArb), callerName: fc.option(valueArb) }, { requiredKeys: [] }),
    );
    const sigArb = fc.oneof(fc.constant('valid'), fc.constant('stale'), fc.constant('none'), fc.string({ maxLength: 80 }));
    await fc.assert(
      fc.asyncProperty(payloadArb, sigArb, fc.option(fc.string({ maxLength: 40 })), fc.boolean(), async (payload, sig, delivery, rawGarbage) => {
        const raw = rawGarbage ? JSON.stringify(payload).slice(0, -1) : JSON.stringify(payload) ?? 'null';
        const before = await counts();
        const signature = sig === 'valid' ? signatureHeader(phone.secret, raw) : sig === 'stale' ? signatureHeader(phone.secret, raw, 1000) : sig === 'none' ? null : sig;
        const res = await send(phone, undefined, { raw, signature, delivery: delivery === null ? undefined : delivery });
        expect(res.statusCode, res.body).toBeLessThan(500);
        expect(() => JSON.parse(res.body)).not.toThrow();
        if (res.statusCode >= 300) expect(await counts()).toEqual(before);
      }),
      { numRuns: 150 },
    );
  });
});
