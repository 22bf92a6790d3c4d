// Property tests (fast-check, bounded): random and near-valid ticket bodies on the API and the public form
// never produce a 5xx, and rows appear only when the answer is 201.
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAdminApp, startHarness, type Harness, rowCounts } from './api-harness.ts';

let h: Harness;
let app: FastifyInstance;

beforeAll(async () => {
  h = await startHarness('ticketing_fuzz');
  app = await buildAdminApp(h, { webForm: { rateLimitMax: 100_000 } });
  await app.ready();
}, 60_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
});

const counts = () => rowCounts(h.tdb.db, ['tickets', 'messages', 'attachments', 'customers', 'customer_identities']);

/** Mostly absent, so that a good share of the bodies is valid and the write path is exercised too. */
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: arb, weight: 1 });
const text = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('', ' ', 'a', '\u0000', '__proto__', 'x'.repeat(600)));
const email = fc.oneof(fc.emailAddress(), text, fc.constantFrom('A@B.CO', 'a@b', '@x.io', 'ana@example.com'));
const phone = fc.oneof(text, fc.constantFrom('+442079460958', '+1 555', '+44 20 7946 0958', '0000', '+999999999999999'));
const anyJson = fc.jsonValue({ maxDepth: 2 });

const apiBody = fc.record(
  {
    subject: fc.oneof({ arbitrary: fc.string({ minLength: 1, maxLength: 40 }), weight: 4 }, { arbitrary: text, weight: 1 }, { arbitrary: anyJson, weight: 1 }),
    body: maybe(fc.oneof(text, anyJson)),
    priority: maybe(fc.oneof(fc.constantFrom('low', 'normal', 'high', 'urgent', 'URGENT'), anyJson)),
    channel: maybe(fc.oneof(fc.constantFrom('api', 'email', 'phone', 'fax'), anyJson)),
    customer: maybe(fc.oneof(fc.record({ email: maybe(email), phone: maybe(phone), handle: maybe(fc.oneof(text, fc.constantFrom('twitter:@ana', 'x:'))), name: maybe(text) }, { requiredKeys: [] }), anyJson)),
    customerId: maybe(fc.oneof(fc.uuid(), text)),
    fields: maybe(fc.oneof(fc.dictionary(fc.string({ maxLength: 5 }), anyJson, { maxKeys: 3 }), anyJson)),
    tags: maybe(fc.oneof(fc.array(text, { maxLength: 4 }), anyJson)),
    attachments: maybe(
      fc.oneof(
        fc.array(
          fc.record({
            filename: fc.oneof(text, fc.constantFrom('../a.txt', 'ok.pdf')),
            contentType: fc.oneof(text, fc.constantFrom('text/plain', 'application/pdf', 'text/html')),
            contentBase64: fc.oneof(text, fc.constantFrom('aGVsbG8=', '====', 'a')),
          }),
          { maxLength: 3 },
        ),
        anyJson,
      ),
    ),
    extra: maybe(anyJson),
  },
  { requiredKeys: ['subject'] },
);

const publicBody = fc.record(
  {
    name: maybe(fc.oneof(text, anyJson)),
    email: fc.oneof({ arbitrary: fc.emailAddress(), weight: 3 }, { arbitrary: email, weight: 1 }, { arbitrary: anyJson, weight: 1 }),
    subject: fc.oneof({ arbitrary: fc.string({ minLength: 1, maxLength: 40 }), weight: 3 }, { arbitrary: text, weight: 1 }),
    body: fc.oneof({ arbitrary: fc.string({ minLength: 1, maxLength: 40 }), weight: 3 }, { arbitrary: anyJson, weight: 1 }),
    fields: maybe(anyJson),
    extra: maybe(anyJson),
  },
  { requiredKeys: ['email', 'subject', 'body'] },
);

function clean(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

describe('ticketing fuzz', () => {
  for (const [url, arb] of [['/api/tickets', apiBody], ['/api/public/tickets', publicBody]] as const) {
    it(`POST ${url} never 5xx; rows appear only on 201`, async () => {
      let created = 0;
      await fc.assert(
        fc.asyncProperty(arb, async (raw) => {
          const payload = clean(raw as Record<string, unknown>);
          const before = await counts();
          const res = await app.inject({ method: 'POST', url, payload });
          expect(res.statusCode, res.body).toBeLessThan(500);
          const after = await counts();
          if (res.statusCode === 201) {
            created++;
            expect(after.tickets).toBe((before.tickets ?? 0) + 1);
          }
          else {
            expect(after).toEqual(before);
            expect(JSON.parse(res.body).error.code).toMatch(/^FD_/);
          }
        }),
        { numRuns: 150 },
      );
      // The generators are near-valid on purpose: a good share must get through.
      expect(created).toBeGreaterThan(10);
    }, 120_000);
  }
});
