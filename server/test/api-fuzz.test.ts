// Property tests (fast-check, bounded): random and near-valid bodies never produce a 5xx, and a run's row
// and history change only when the response says the event was applied.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalWorkflow, json, publishViaApi, startHarness, tableCounts, type Harness } from './api-harness.ts';

let h: Harness;
let versionId: string;
let runId: string;

beforeAll(async () => {
  h = await startHarness('api_fuzz');
  versionId = (await publishViaApi(h.app, approvalWorkflow('fuzz'))).versionId;
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const runRow = (id: string) => h.tdb.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const historyRows = (id: string) => h.tdb.db.selectFrom('run_history').selectAll().where('run_id', '=', id).orderBy('sequence').execute();

/** A waiting run to aim at; a fresh one once an applied event has finished the previous one. */
async function targetRun(): Promise<string> {
  if (runId && (await runRow(runId)).status !== 'completed') return runId;
  runId = (await h.runtime.startRun({ workflowVersionId: versionId })).run.id;
  return runId;
}

const word = fc.constantFrom('approve', 'start', 'done', 'no', 'x', '', 'approve ', 'APPROVE', '__proto__', 'constructor');
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const isoTime = fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
const facts = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
const nodeId = fc.constantFrom('approve', 'start', 'done', 'x');
const optionalBase = { at: maybe(isoTime), ticket: maybe(facts) };
const clean = (e: Record<string, unknown>) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined));

/** Schema-valid events: they reach the runtime, which applies them or says why not. */
const validEvent = fc
  .oneof(
    fc.record({ type: fc.constant('approval.vote'), nodeId, approver: fc.string({ minLength: 1, maxLength: 8 }), decision: fc.constantFrom('approve', 'reject'), comment: maybe(fc.string({ maxLength: 10 })), ...optionalBase }),
    fc.record({ type: fc.constant('task.submit'), nodeId, action: fc.constantFrom('approved', 'done', 'x'), visit: maybe(fc.nat(3)), data: maybe(facts), ...optionalBase }),
    fc.record({ type: fc.constant('ticket.event'), name: fc.constantFrom('customer.replied', 'x'), ...optionalBase }),
    fc.record({ type: fc.constant('timer.fired'), nodeId, visit: fc.nat(3), timerId: fc.string({ minLength: 1, maxLength: 12 }), ...optionalBase }),
    fc.record({ type: fc.constant('effect.result'), nodeId, visit: fc.nat(3), outcome: fc.constantFrom('approved', 'next', 'error'), output: maybe(fc.jsonValue({ maxDepth: 1 })), ...optionalBase }),
  )
  .map(clean);

/** Events close to the schema, often off by a field, so error paths of every branch are exercised. */
const nearEvent = fc
  .record({
    type: fc.constantFrom('effect.result', 'task.submit', 'approval.vote', 'timer.fired', 'ticket.event', 'approval.veto', 42),
    nodeId: maybe(word),
    visit: maybe(fc.oneof(fc.integer({ min: -2, max: 3 }), fc.constant('1'), fc.double())),
    approver: maybe(fc.oneof(fc.string({ maxLength: 8 }), fc.constant(''))),
    decision: maybe(fc.constantFrom('approve', 'reject', 'maybe', null)),
    action: maybe(word),
    outcome: maybe(fc.constantFrom('approved', 'rejected', 'next', 'error')),
    timerId: maybe(fc.string({ maxLength: 5 })),
    name: maybe(fc.constantFrom('customer.replied', '', 'x')),
    at: maybe(fc.oneof(fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()), fc.string({ maxLength: 12 }))),
    ticket: maybe(fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }), fc.jsonValue({ maxDepth: 1 }))),
    extra: maybe(fc.jsonValue({ maxDepth: 1 })),
  })
  .map(clean);

const anyBody = fc.oneof(
  { weight: 3, arbitrary: validEvent.map((payload) => ({ kind: 'json' as const, payload })) },
  { weight: 3, arbitrary: nearEvent.map((payload) => ({ kind: 'json' as const, payload })) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((payload) => ({ kind: 'json' as const, payload })) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((raw) => ({ kind: 'raw' as const, raw })) },
);

describe('fuzz', () => {
  it('POST /api/runs/:id/events never 5xx; the run changes only when applied', async () => {
    let applied = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(anyBody, async (body) => {
        const id = await targetRun();
        const before = await runRow(id);
        const historyBefore = await historyRows(id);
        const countsBefore = await tableCounts(h);
        const res = await h.app.inject({
          method: 'POST',
          url: `/api/runs/${id}/events`,
          headers: { 'content-type': 'application/json' },
          payload: body.kind === 'raw' ? body.raw : JSON.stringify(body.payload),
        });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        expect(res.statusCode, res.body).toBeLessThan(500);
        const result = json(res);
        const after = await runRow(id);
        const historyAfter = await historyRows(id);
        if (res.statusCode === 200 && result.applied === true) {
          applied++;
          expect(after.sequence).toBeGreaterThan(before.sequence);
          expect(historyAfter.length).toBe(after.sequence);
          expect(historyAfter.slice(0, historyBefore.length)).toEqual(historyBefore);
          expect(result.run.sequence).toBe(after.sequence);
        } else {
          expect(res.statusCode).toBeGreaterThanOrEqual(400);
          expect(typeof result.error.code).toBe('string');
          expect(after).toEqual(before);
          expect(historyAfter).toEqual(historyBefore);
          expect(await tableCounts(h)).toEqual(countsBefore);
        }
      }),
      {
        numRuns: 200,
        interruptAfterTimeLimit: 20_000,
        // Run first, whatever the load: one event that applies, one refused by the run's state, one malformed
        // (a slow machine may stop the random part early; the checks below must not depend on luck).
        examples: [
          [{ kind: 'json', payload: { type: 'approval.vote', nodeId: 'approve', approver: 'ann', decision: 'approve' } }],
          [{ kind: 'json', payload: { type: 'approval.vote', nodeId: 'done', approver: 'ann', decision: 'approve' } }],
          [{ kind: 'raw', raw: '{"type":' }],
        ],
      },
    );
    // The generator reaches the runtime, not just the schema: some events applied, some refused by state.
    expect(applied).toBeGreaterThan(0);
    expect(statuses.get(409) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
  }, 60_000);

  /** Pointers to every value of a document, for mutation. */
  function pointers(value: unknown, base = ''): string[] {
    if (value === null || typeof value !== 'object') return [base];
    const keys = Array.isArray(value) ? value.map((_, i) => String(i)) : Object.keys(value);
    return [base, ...keys.flatMap((k) => pointers((value as Record<string, unknown>)[k], `${base}/${k}`))];
  }

  function mutate(doc: unknown, pointer: string, replacement: unknown, remove: boolean): unknown {
    if (pointer === '') return replacement;
    const copy = structuredClone(doc) as Record<string, unknown>;
    const parts = pointer.slice(1).split('/');
    const last = parts.pop()!;
    let parent: Record<string, unknown> = copy;
    for (const part of parts) parent = parent[part] as Record<string, unknown>;
    if (remove) {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete parent[last];
    } else parent[last] = replacement;
    return copy;
  }

  it('POST /api/workflows never 5xx on random or mutated definitions; rows appear only on 201', async () => {
    let serial = 0;
    const statuses = new Map<number, number>();
    const mutated = fc
      .tuple(fc.nat(), fc.jsonValue({ maxDepth: 2 }), fc.boolean(), fc.constantFrom('same', 'fresh'))
      .map(([index, replacement, remove, keyMode]) => {
        const base = approvalWorkflow(keyMode === 'same' ? 'fuzz-same' : `fuzz-${serial++}`);
        const all = pointers(base);
        return { definition: mutate(base, all[index % all.length]!, replacement, remove) };
      });
    const bodies = fc.oneof(
      { weight: 4, arbitrary: mutated },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((definition) => ({ definition })) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (payload) => {
        const before = await tableCounts(h);
        const res = await h.app.inject({ method: 'POST', url: '/api/workflows', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        expect(res.statusCode, res.body).toBeLessThan(500);
        const after = await tableCounts(h);
        if (res.statusCode === 201) {
          expect(after).toEqual({ ...before, workflows: before.workflows! + 1 });
        } else {
          expect([400, 409]).toContain(res.statusCode);
          expect(json(res).error.details.length).toBeGreaterThan(0);
          expect(after).toEqual(before);
        }
        // The validation service answers every body that has a definition with 200.
        if (payload !== null && typeof payload === 'object' && !Array.isArray(payload) && 'definition' in payload && Object.keys(payload).length === 1) {
          const validated = await h.app.inject({ method: 'POST', url: '/api/workflows/validate', payload: payload as object });
          // Fastify refuses prototype-poisoning keys (__proto__, constructor.prototype) before any route runs.
          if (/"(__proto__|constructor)"\s*:/.test(JSON.stringify(payload))) {
            expect([200, 400]).toContain(validated.statusCode);
          } else {
            expect(validated.statusCode, validated.body).toBe(200);
            expect(json(validated).valid).toBe(res.statusCode === 201 || res.statusCode === 409);
          }
        }
      }),
      { numRuns: 200, interruptAfterTimeLimit: 20_000 },
    );
    expect(statuses.get(201) ?? 0).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
  }, 60_000);
});
