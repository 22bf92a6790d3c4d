// Issue 7: AI usage and cost per organisation. Every executed AI effect leaves one ai_usage row keyed by
// the effect's idempotency key (a retry updates it, never counts twice), GET /api/ai/usage reports totals,
// a breakdown and a per-day series, and the monthly budget (PUT /api/settings/ai-budget) makes an
// anthropic node answer with the local provider and say why. Retention keeps the spend when it deletes
// the ticket. Real Postgres and pg-boss workers; the Anthropic API is the scripted fake on 127.0.0.1.
import type { AiTaskEffect } from '@flowdesk/engine';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeAnthropic, errorReply, toolReply } from '../../packages/ai/test/fake-anthropic.ts';
import { createAiExecutor } from '../src/ai/executor.ts';
import { budgetStatus, monthStart } from '../src/ai/usage.ts';
import { DEFAULT_ORGANISATION_ID } from '../src/db/tables/ticketing.ts';
import { purgeClosedTickets } from '../src/gdpr/retention.ts';
import { EffectError } from '../src/runtime/effects/action.ts';
import { approvalWorkflow, json, logger, publishViaApi, startHarness, type Harness } from './api-harness.ts';
import { waitFor } from './wait-for.ts';

let h: Harness;
const fake = new FakeAnthropic();
let runId: string;
let ticketId: string;
const db = () => h.tdb.db;

/** trigger -> ai.sentiment (local) -> end. */
const sentimentFlow = {
  schemaVersion: 1,
  key: 'usage-sentiment',
  name: 'usage-sentiment',
  nodes: [
    { id: 'start', kind: 'trigger', name: 'Created', position: { x: 0, y: 0 }, params: { event: 'ticket.created', conditions: { all: [{ fact: 'ticket', path: '$.tags', operator: 'contains', value: 'usage' }] } } },
    { id: 'mood', kind: 'ai.sentiment', name: 'Mood', position: { x: 0, y: 100 }, params: { threshold: 0 } },
    { id: 'end', kind: 'end', name: 'End', position: { x: 0, y: 200 }, params: { status: 'resolved' } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'mood', outcome: 'next' },
    { id: 'e2', source: 'mood', target: 'end', outcome: 'done' },
    { id: 'e3', source: 'mood', target: 'end', outcome: 'low_confidence' },
    { id: 'e4', source: 'mood', target: 'end', outcome: 'error' },
  ],
} as unknown as WorkflowDefinition;

const classify = (visit: number): AiTaskEffect =>
  ({ type: 'ai.run', nodeId: 'llm-classify', visit, task: 'classify', params: { provider: 'anthropic', field: 'category', labels: ['card_arrival', 'pin_blocked'] } }) as AiTaskEffect;
const sentiment = (visit: number): AiTaskEffect => ({ type: 'ai.run', nodeId: 'llm-mood', visit, task: 'sentiment', params: { provider: 'anthropic' } }) as AiTaskEffect;
const usageRows = (key: string) => db().selectFrom('ai_usage').selectAll().where('idempotency_key', '=', key).execute();

beforeAll(async () => {
  await fake.start();
  h = await startHarness('ai_usage', { ai: true });
  await publishViaApi(h.app, approvalWorkflow('usage-approval'));
  await publishViaApi(h.app, sentimentFlow);
  const created = json(await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'My card has not arrived', body: 'Ordered two weeks ago' } }));
  runId = created.runs[0].id;
  ticketId = created.ticket.id;
}, 60_000);
afterAll(async () => {
  await h?.close();
  await fake.stop();
});

describe('ai_usage', () => {
  it('a workflow AI node leaves one row with provider, model, latency and outcome, keyed by the effect', async () => {
    const created = json(await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'Thank you', body: 'Great service, all good now', tags: ['usage'] } }));
    const run = created.runs.find((r: { workflowKey: string }) => r.workflowKey === 'usage-sentiment');
    const rows = await waitFor('the usage row', async () => {
      const found = await db().selectFrom('ai_usage').selectAll().where('run_id', '=', run.id).execute();
      return found.length > 0 ? found : null;
    }, 30_000);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ organisation_id: DEFAULT_ORGANISATION_ID, ticket_id: created.ticket.id, node_id: 'mood', task: 'sentiment', provider: 'local', answered_by: 'local', outcome: 'ok', input_tokens: 0, output_tokens: 0, cost_micro_usd: '0' });
    expect(rows[0]!.model).toBe('afinn-165'); // the lexicon, as no sentiment model is trained
    // The key is the effect's idempotency key (run:sequence:index), the one in the run history.
    expect(rows[0]!.idempotency_key.startsWith(`${run.id}:`)).toBe(true);
    // The row is written when the provider answered, just before the result is applied under the same key.
    const applied = await waitFor('the result in the run history', async () => {
      const found = await db().selectFrom('run_history').select('event_key').where('run_id', '=', run.id).where('event_key', '=', rows[0]!.idempotency_key).execute();
      return found.length > 0 ? found : null;
    }, 30_000);
    expect(applied).toHaveLength(1);
  }, 60_000);

  it('an LLM call records tokens and cost in micro-dollars; running the same effect again updates its row', async () => {
    const execute = createAiExecutor({ db: db(), logger, anthropic: { apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0 } });
    fake.reply(toolReply('record_classification', { label: 'card_arrival', confidence: 0.9, reason: 'Card not arrived.' }, { input_tokens: 300, output_tokens: 40 }));
    await execute(classify(1), new AbortController().signal, { runId, key: `${runId}:test:1` });
    let rows = await usageRows(`${runId}:test:1`);
    expect(rows).toHaveLength(1);
    // claude-haiku-5-5: 300 × $0.1/M + 40 × $0.5/M = $0.00005 = 50 micro-dollars.
    expect(rows[0]).toMatchObject({ provider: 'anthropic', answered_by: 'anthropic', model: 'claude-haiku-5-5', input_tokens: 300, output_tokens: 40, cost_micro_usd: '50', outcome: 'ok', ticket_id: ticketId, node_id: 'llm-classify' });

    // A retry of the same effect (same key) replaces the row: counted once.
    fake.reply(toolReply('record_classification', { label: 'card_arrival', confidence: 0.9, reason: 'Card not arrived.' }, { input_tokens: 200, output_tokens: 20 }));
    await execute(classify(1), new AbortController().signal, { runId, key: `${runId}:test:1` });
    rows = await usageRows(`${runId}:test:1`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ input_tokens: 200, output_tokens: 20, cost_micro_usd: '30' });
  });

  it('an error is recorded with what the LLM spent; a transport failure falling back to local is a fallback', async () => {
    const strict = createAiExecutor({ db: db(), logger, anthropic: { apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0, fallbackOnError: false } });
    fake.reply(errorReply(400));
    const error = await strict(classify(2), new AbortController().signal, { runId, key: `${runId}:test:2` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EffectError);
    const [failed] = await usageRows(`${runId}:test:2`);
    expect(failed).toMatchObject({ provider: 'anthropic', answered_by: null, outcome: 'error', input_tokens: 0 });
    expect(failed!.detail).toMatch(/anthropic classify failed/);

    const lenient = createAiExecutor({ db: db(), logger, anthropic: { apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0 } });
    fake.reply(errorReply(400));
    await lenient(sentiment(3), new AbortController().signal, { runId, key: `${runId}:test:3` });
    const [fellBack] = await usageRows(`${runId}:test:3`);
    expect(fellBack).toMatchObject({ provider: 'anthropic', answered_by: 'local', model: 'claude-haiku-5-5', outcome: 'fallback' });
  });

  it('GET /api/ai/usage: totals, groups and a per-day series with calls per provider; bad input is a 400 naming the field', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const res = await h.app.inject({ method: 'GET', url: `/api/ai/usage?from=${today}&to=${today}&groupBy=provider` });
    expect(res.statusCode, res.body).toBe(200);
    const body = json(res);
    const all = await db().selectFrom('ai_usage').selectAll().execute();
    expect(body.totals.calls).toBe(all.length);
    expect(body.totals.inputTokens).toBe(all.reduce((s, r) => s + r.input_tokens, 0));
    expect(body.totals.costUsd).toBeCloseTo(all.reduce((s, r) => s + Number(r.cost_micro_usd ?? 0), 0) / 1e6, 9);
    expect(body.totals.errors).toBe(1);
    expect(body.totals.fallbacks).toBe(1);
    expect(body.groups.map((g: { key: string }) => g.key).sort()).toEqual(['anthropic', 'local']);
    expect(body.series).toHaveLength(1);
    expect(body.series[0]).toMatchObject({ day: today, calls: all.length });
    expect(body.series[0].providers).toEqual(
      expect.arrayContaining([
        { provider: 'anthropic', calls: all.filter((r) => r.provider === 'anthropic').length },
        { provider: 'local', calls: all.filter((r) => r.provider === 'local').length },
      ]),
    );

    const week = json(await h.app.inject({ method: 'GET', url: `/api/ai/usage?groupBy=node` }));
    expect(week.series).toHaveLength(30);
    expect(week.series.at(-1).day).toBe(today);
    expect(week.series.slice(0, -1).every((d: { calls: number }) => d.calls === 0)).toBe(true);
    expect(week.groups.map((g: { key: string }) => g.key)).toContain('llm-classify');

    const bad = await h.app.inject({ method: 'GET', url: '/api/ai/usage?groupBy=week' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/groupBy/);
    const reversed = await h.app.inject({ method: 'GET', url: '/api/ai/usage?from=2026-02-01&to=2026-01-01' });
    expect(reversed.statusCode).toBe(400);
    expect(json(reversed).error.details[0].path).toBe('/querystring/from');
    const tooLong = await h.app.inject({ method: 'GET', url: '/api/ai/usage?from=2020-01-01&to=2026-01-01' });
    expect(tooLong.statusCode).toBe(400);
    const extra = await h.app.inject({ method: 'GET', url: '/api/ai/usage?foo=1' });
    expect(extra.statusCode).toBe(400);
  });
});

describe('monthly budget', () => {
  it('over budget, an anthropic node is answered by the local provider with the budget as the reason; under it, Claude answers', async () => {
    const put = await h.app.inject({ method: 'PUT', url: '/api/settings/ai-budget', payload: { monthlyUsd: 0.0001 } });
    expect(put.statusCode, put.body).toBe(200);
    const spent = (await budgetStatus(db(), DEFAULT_ORGANISATION_ID)).spentThisMonthUsd;
    expect(json(put)).toMatchObject({ monthlyUsd: 0.0001, spentThisMonthUsd: spent, exceeded: spent >= 0.0001 });
    // Top this month's spend up past the budget.
    await db()
      .insertInto('ai_usage')
      .values({ organisation_id: DEFAULT_ORGANISATION_ID, idempotency_key: 'seed:spend', node_id: 'seed', task: 'classify', provider: 'anthropic', model: 'claude-haiku-5-5', answered_by: 'anthropic', cost_micro_usd: 100, outcome: 'ok' })
      .execute();
    expect(json(await h.app.inject({ method: 'GET', url: '/api/settings/ai-budget' }))).toMatchObject({ monthlyUsd: 0.0001, exceeded: true });

    const execute = createAiExecutor({ db: db(), logger, anthropic: { apiKey: 'sk-test', baseURL: fake.baseURL, maxRetries: 0 } });
    fake.reply(toolReply('record_sentiment', { label: 'negative', confidence: 0.9, urgency: 'normal', reason: 'x' }, { input_tokens: 10, output_tokens: 5 }));
    const result = await execute(sentiment(4), new AbortController().signal, { runId, key: `${runId}:test:4` });
    expect(fake.requests).toHaveLength(0);
    const output = result.output as { provider: string; explanation: string; fallback: { from: string; reason: string }; costUsd: number | null };
    expect(output.provider).toBe('local');
    expect(output.fallback).toMatchObject({ from: 'anthropic' });
    expect(output.fallback.reason).toMatch(/monthly AI budget of \$0\.00 is used up/);
    expect(output.explanation).toMatch(/^Not sent to anthropic: the organisation's monthly AI budget/);
    const [row] = await usageRows(`${runId}:test:4`);
    expect(row).toMatchObject({ provider: 'anthropic', answered_by: 'local', outcome: 'fallback', input_tokens: 0, cost_micro_usd: '0' });
    expect(row!.detail).toMatch(/budget/);

    // Local nodes are not affected by the budget.
    const local = await execute({ ...sentiment(5), params: { provider: 'local' } } as AiTaskEffect, new AbortController().signal, { runId, key: `${runId}:test:5` });
    expect((local.output as { fallback?: unknown }).fallback).toBeUndefined();

    // Raised budget: Claude answers again.
    expect((await h.app.inject({ method: 'PUT', url: '/api/settings/ai-budget', payload: { monthlyUsd: 50 } })).statusCode).toBe(200);
    fake.reply(toolReply('record_classification', { label: 'pin_blocked', confidence: 0.9, reason: 'PIN.' }, { input_tokens: 100, output_tokens: 10 }));
    const again = await execute(classify(6), new AbortController().signal, { runId, key: `${runId}:test:6` });
    expect((again.output as { provider: string }).provider).toBe('anthropic');
    expect(fake.requests).toHaveLength(1);

    // Validation and removal.
    const zero = await h.app.inject({ method: 'PUT', url: '/api/settings/ai-budget', payload: { monthlyUsd: 0 } });
    expect(zero.statusCode).toBe(400);
    expect(zero.body).toMatch(/monthlyUsd/);
    const cleared = json(await h.app.inject({ method: 'PUT', url: '/api/settings/ai-budget', payload: { monthlyUsd: null } }));
    expect(cleared).toMatchObject({ monthlyUsd: null, exceeded: false });
    const audit = await db().selectFrom('audit_log').select(['action', 'target_type']).where('target_type', '=', 'ai_budget').execute();
    expect(audit.length).toBe(3);
  });

  it('the month is the UTC calendar month', () => {
    expect(monthStart(new Date('2026-03-31T23:59:59Z')).toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(monthStart(new Date('2026-04-01T00:00:00Z')).toISOString()).toBe('2026-04-01T00:00:00.000Z');
  });
});

describe('retention and providers', () => {
  it('deleting a ticket (retention) keeps its usage rows with the ticket reference cleared', async () => {
    const before = await db().selectFrom('ai_usage').select(['id']).where('ticket_id', '=', ticketId).execute();
    expect(before.length).toBeGreaterThan(0);
    await db().updateTable('tickets').set({ status: 'closed', resolved_at: new Date(Date.now() - 400 * 86_400_000) }).where('id', '=', ticketId).execute();
    const report = await purgeClosedTickets(db(), { organisationId: DEFAULT_ORGANISATION_ID, days: 30 });
    expect(report.tickets).toBeGreaterThanOrEqual(1);
    const after = await db().selectFrom('ai_usage').select(['ticket_id']).where('id', 'in', before.map((r) => r.id)).execute();
    expect(after).toHaveLength(before.length);
    expect(after.every((r) => r.ticket_id === null)).toBe(true);
  });

  it('GET /api/ai/providers says whether Anthropic is configured and where, never the key', async () => {
    const body = json(await h.app.inject({ method: 'GET', url: '/api/ai/providers' }));
    expect(body.providers[0]).toEqual({ name: 'local', configured: true, source: 'builtin', model: null });
    const anthropic = body.providers.find((p: { name: string }) => p.name === 'anthropic');
    if (process.env.FLOWDESK_ANTHROPIC_API_KEY) expect(anthropic).toMatchObject({ configured: true, source: 'server' });
    else expect(anthropic).toEqual({ name: 'anthropic', configured: false, source: null, model: null });
    await db().insertInto('organisation_secrets').values({ organisation_id: DEFAULT_ORGANISATION_ID, name: 'ai.anthropic_api_key', value: 'enc:v1:opaque' }).execute();
    const withKey = json(await h.app.inject({ method: 'GET', url: '/api/ai/providers' }));
    expect(withKey.providers.find((p: { name: string }) => p.name === 'anthropic')).toMatchObject({ configured: true, source: 'organisation' });
    expect(JSON.stringify(withKey)).not.toContain('opaque');
  });
});
