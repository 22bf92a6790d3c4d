// `flowdesk start --demo`'s AI part: loadAiDemo publishes ai-triage, a small KB, two agents and a model
// trained from the packages/ai fixture, idempotently; a ticket then runs through all five AI nodes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadAiDemo } from '../src/ai/demo.ts';
import type { TestDatabase } from '../src/testing/index.ts';
import { json, logger, startHarness, type Harness } from './api-harness.ts';
import { waitFor } from './wait-for.ts';
import type { FastifyInstance } from 'fastify';

let h: Harness;
let tdb: TestDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  // The AI encoder can be slow on a loaded machine: give effects more time than the test default.
  h = await startHarness('ai_demo', { ai: true, tuning: { effectTimeoutMs: 20_000 } });
  tdb = h.tdb;
  app = h.app;
}, 60_000);
afterAll(async () => h?.close());

it('loads once (a second start changes nothing) and a ticket runs through all five AI nodes to the review task', async () => {
  const first = await loadAiDemo(tdb.db, logger);
  expect(first).toMatchObject({ version: 1, model: 'trained' });
  const second = await loadAiDemo(tdb.db, logger);
  expect(second).toMatchObject({ workflowId: first.workflowId, version: 1, model: 'present' });
  const count = async (table: 'kb_articles' | 'agents' | 'ai_models' | 'workflow_versions') => Number((await tdb.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  expect([await count('kb_articles'), await count('agents'), await count('ai_models'), await count('workflow_versions')]).toEqual([4, 2, 1, 1]);

  const created = await app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'Stolen card', body: 'My card was stolen. How do I freeze the card and get a replacement?' } });
  expect(created.statusCode).toBe(201);
  const run = json(created).runs.find((r: { workflowKey: string }) => r.workflowKey === 'ai-triage');
  const settled = await waitFor('ai-triage settles', async () => {
    const r = json(await app.inject({ method: 'GET', url: `/api/runs/${run.id}` })).run;
    return r.state === 'review' || r.state === 'triage' ? r : null;
  }, 30_000);
  const history = json(await app.inject({ method: 'GET', url: `/api/runs/${run.id}/history` })).history as { event: { type: string; nodeId?: string; outcome?: string; output?: any } }[];
  const outcomes = Object.fromEntries(history.filter((h) => h.event.type === 'effect.result').map((h) => [h.event.nodeId, h.event.outcome]));
  // "stolen" is a security cue: high urgency, which the urgency rule maps to priority high.
  expect(outcomes).toEqual({ mood: 'done', urgency: 'high', 'to-high': 'done', classify: 'done', kb: 'found', draft: 'drafted', assign: 'assigned' });
  expect(settled.state).toBe('review');
  const assign = history.find((h) => h.event.nodeId === 'assign')!.event.output;
  expect(assign.explanation).toMatch(/Carla Cards|skill/i);
}, 90_000);
