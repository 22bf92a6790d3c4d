// Settings → AI against a mocked API: models with their active version, metrics, corrections since and
// older versions; "Retrain now" posting the field, then following the training by polling (queued →
// running with progress → succeeded) and refreshing the models; a 409 explained; the provider status with
// the link to the Organisation section; the budget form (body sent, validation); usage totals, the SVG
// chart with its text alternative, and the breakdown.
import { flushPromises, mount, RouterLinkStub, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AiModel, AiTraining, AiUsage } from '../../api/ai.ts';
import { applySession, resetSession } from '../../composables/useSession.ts';
import { useToasts } from '../../composables/useToasts.ts';
import { ADMIN, apiError, json, mockFetch, type Answer, type FetchCall } from '../../test/fetch-mock.ts';
import SettingsAiPage from './SettingsAiPage.vue';

const today = new Date().toISOString().slice(0, 10);
const trainedAt = new Date(Date.now() - 2 * 3600_000).toISOString();

function category(overrides: Partial<AiModel> = {}): AiModel {
  return {
    id: 'm-2',
    task: 'classify',
    field: 'category',
    mode: 'fast',
    trainedAt,
    metrics: { examples: 120, labels: 12, validationAccuracy: 0.875 },
    feedbackSince: 3,
    previousVersions: 1,
    versions: [
      { id: 'm-2', mode: 'fast', trainedAt, examples: 120, validationAccuracy: 0.875, origin: 'retrain:incremental' },
      { id: 'm-1', mode: 'fast', trainedAt: '2026-01-01T00:00:00.000Z', examples: 120, validationAccuracy: 0.85, origin: 'trained' },
    ],
    ...overrides,
  };
}
const sentiment: AiModel = { id: 's-1', task: 'sentiment', field: '', mode: 'fast', trainedAt, metrics: { examples: 300, validationAccuracy: 0.9 }, feedbackSince: 0, previousVersions: 0, versions: [] };

function training(overrides: Partial<AiTraining>): AiTraining {
  return {
    id: 't-1', field: 'category', force: false, status: 'queued', progress: 0, stage: 'queued', baseModelId: 'm-2', modelId: null, retrained: null, reason: null, newFeedback: null,
    metrics: null, error: null, createdAt: new Date().toISOString(), startedAt: null, finishedAt: null, ...overrides,
  };
}

const usage: AiUsage = {
  from: today,
  to: today,
  groupBy: 'provider',
  totals: { calls: 14, inputTokens: 5200, outputTokens: 800, costUsd: 0.0042, fallbacks: 1, errors: 0, unpricedCalls: 0, avgLatencyMs: 120 },
  groups: [
    { key: 'anthropic', calls: 4, inputTokens: 5200, outputTokens: 800, costUsd: 0.0042, fallbacks: 1, errors: 0, unpricedCalls: 0, avgLatencyMs: 410 },
    { key: 'local', calls: 10, inputTokens: 0, outputTokens: 0, costUsd: 0, fallbacks: 0, errors: 0, unpricedCalls: 0, avgLatencyMs: 1.2 },
  ],
  series: [
    { day: '2026-11-24', calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, fallbacks: 0, errors: 0, unpricedCalls: 0, avgLatencyMs: 0, providers: [] },
    { day: today, calls: 14, inputTokens: 5200, outputTokens: 800, costUsd: 0.0042, fallbacks: 1, errors: 0, unpricedCalls: 0, avgLatencyMs: 120, providers: [{ provider: 'anthropic', calls: 4 }, { provider: 'local', calls: 10 }] },
  ],
  budget: { monthlyUsd: 10, spentThisMonthUsd: 0.0042, exceeded: false },
};

type Handler = (call: FetchCall) => Answer | undefined;
let wrapper: VueWrapper | null = null;
const toasts = useToasts().toasts;

async function setup(handler: Handler = () => undefined) {
  const state = { models: [category(), sentiment], trainings: [] as AiTraining[] };
  const calls = mockFetch((call) => {
    const custom = handler(call);
    if (custom) return custom;
    if (call.url === '/api/ai/models') return json(200, { models: state.models });
    if (call.url.startsWith('/api/ai/trainings?')) return json(200, { trainings: state.trainings });
    if (call.url === '/api/ai/providers') return json(200, { defaultProvider: 'local', providers: [{ name: 'local', configured: true, source: 'builtin', model: null }, { name: 'anthropic', configured: false, source: null, model: null }] });
    if (call.url === '/api/settings/ai-budget' && call.method === 'GET') return json(200, usage.budget);
    if (call.url === '/api/settings/ai-budget' && call.method === 'PUT') return json(200, { ...usage.budget, monthlyUsd: (call.body as { monthlyUsd: number | null }).monthlyUsd });
    if (call.url.startsWith('/api/ai/usage?')) return json(200, usage);
    return apiError(404, 'FD_NOT_FOUND', `unexpected ${call.method} ${call.url}`);
  });
  applySession({ ...ADMIN, permissions: [...ADMIN.permissions, 'settings.manage'] });
  wrapper = mount(SettingsAiPage, { attachTo: document.body, global: { stubs: { RouterLink: RouterLinkStub } } });
  await flushPromises();
  return { w: wrapper, calls, state };
}

beforeEach(() => {
  resetSession();
  toasts.splice(0);
});
afterEach(() => {
  wrapper?.unmount();
  wrapper = null;
  document.body.innerHTML = '';
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('SettingsAiPage', () => {
  it('lists the models with active version, metrics, corrections since and older versions', async () => {
    const { w } = await setup();
    const row = w.get('[data-testid="ai-model-classify-category"]');
    expect(row.text()).toContain('Classifies the ticket field “category”');
    expect(row.text()).toContain('v2');
    expect(row.text()).toContain('2 h ago');
    expect(row.text()).toContain('120 · 12 labels');
    expect(row.text()).toContain('87.5%');
    expect(row.get('[data-testid="ai-feedback-since"]').text()).toBe('3');
    expect(row.text()).toContain('Learns 3 new corrections.');
    const versions = row.findAll('.ai-versions tbody tr');
    expect(versions.map((v) => v.find('th').text())).toEqual(['v2', 'v1']);
    expect(versions[0]!.text()).toContain('Retrained (incremental)');
    expect(versions[0]!.text()).toContain('Active');
    expect(versions[1]!.text()).not.toContain('Active');
    // Sentiment is shown but cannot be retrained from corrections.
    const mood = w.get('[data-testid="ai-model-sentiment-"]');
    expect(mood.text()).toContain('Sentiment and urgency');
    expect(mood.find('button').exists()).toBe(false);
  });

  it('"Retrain now" starts a background training and follows it until it succeeds', async () => {
    let polls = 0;
    const { w, calls, state } = await setup((call) => {
      if (call.url === '/api/ai/retrain') {
        state.trainings = [training({})];
        return json(202, { training: training({}) });
      }
      if (call.url === '/api/ai/trainings/t-1') {
        polls++;
        if (polls === 1) return json(200, { training: training({ status: 'running', progress: 0.42, stage: 'training:lr', startedAt: new Date().toISOString() }) });
        state.models = [category({ id: 'm-3', feedbackSince: 0, previousVersions: 2 }), sentiment];
        return json(200, { training: training({ status: 'succeeded', progress: 1, stage: 'done', modelId: 'm-3', retrained: true, newFeedback: 3, metrics: { retrain: { strategy: 'incremental', corrections: 3 } }, finishedAt: new Date().toISOString() }) });
      }
      return undefined;
    });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await w.get('[data-testid="ai-retrain-category"]').trigger('click');
    await flushPromises();
    expect(calls.find((c) => c.url === '/api/ai/retrain')?.body).toEqual({ field: 'category' });

    // The first poll answers "running, 42%".
    await flushPromises();
    let panel = w.get('[data-testid="ai-training-category"]');
    expect(panel.text()).toContain('Training');
    expect(panel.text()).toContain('Training: fitting the classifier');
    expect(panel.text()).toContain('42%');
    expect((panel.get('progress').element as HTMLProgressElement).value).toBeCloseTo(0.42);
    expect(w.get('[data-testid="ai-retrain-category"]').attributes('disabled')).toBeDefined();

    // One second later: succeeded; the models are reloaded and a toast says so.
    await vi.advanceTimersByTimeAsync(1000);
    await flushPromises();
    panel = w.get('[data-testid="ai-training-category"]');
    expect(panel.text()).toContain('Succeeded');
    expect(panel.text()).toContain('from 3 correction(s) (incremental)');
    expect(w.get('[data-testid="ai-model-classify-category"]').text()).toContain('v3');
    expect(w.get('[data-testid="ai-feedback-since"]').text()).toBe('0');
    expect(toasts.map((t) => t.title)).toContain('“category” retrained');
    expect(w.get('[data-testid="ai-retrain-category"]').attributes('disabled')).toBeUndefined();
    expect(polls).toBe(2);
  });

  it('explains a conflict (a training of the field is already running) and a failed training', async () => {
    const { w, state } = await setup((call) => {
      if (call.url === '/api/ai/retrain') {
        state.trainings = [training({ id: 't-9', status: 'failed', error: 'the model file is damaged', stage: 'failed', finishedAt: new Date().toISOString() })];
        return apiError(409, 'FD_CONFLICT', 'a training of field "category" is already running (t-8): wait for it to finish');
      }
      return undefined;
    });
    await w.get('[data-testid="ai-retrain-category"]').trigger('click');
    await flushPromises();
    const toast = toasts.find((t) => t.kind === 'error')!;
    expect(toast.title).toBe('“category” is already being trained');
    expect(toast.detail).toContain('already running');
    expect(w.get('[data-testid="ai-training-category"]').text()).toContain('Training failed: the model file is damaged');
  });

  it('shows the providers with a link to the Organisation section, and saves the budget', async () => {
    const { w, calls } = await setup();
    expect(w.get('[data-testid="ai-provider-local"]').text()).toContain('Ready');
    expect(w.get('[data-testid="ai-provider-anthropic"]').text()).toContain('Not configured');
    expect(w.getComponent(RouterLinkStub).props('to')).toEqual({ name: 'settings-organisation' });

    const input = w.get('[data-testid="ai-budget-input"]');
    expect((input.element as HTMLInputElement).value).toBe('10');
    await input.setValue('-3');
    await w.get('.ai-budget-form').trigger('submit');
    expect(w.get('#ai-budget-error').text()).toContain('above 0');
    await input.setValue('25');
    await w.get('.ai-budget-form').trigger('submit');
    await flushPromises();
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ monthlyUsd: 25 });
    expect(toasts.map((t) => t.title)).toContain('Budget saved');
    await input.setValue('');
    await w.get('.ai-budget-form').trigger('submit');
    await flushPromises();
    expect(calls.filter((c) => c.method === 'PUT').at(-1)?.body).toEqual({ monthlyUsd: null });
  });

  it('shows usage totals, an SVG chart with a text alternative, and the breakdown', async () => {
    const { w, calls } = await setup();
    const totals = w.get('[data-testid="ai-usage-totals"]');
    expect(totals.text()).toContain('14');
    expect(totals.text()).toContain('5200');
    expect(totals.text()).toContain('$0.0042');
    expect(totals.text()).toContain('of $10.00');
    expect(calls.find((c) => c.url.startsWith('/api/ai/usage?'))?.url).toMatch(/from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}&groupBy=provider/);

    const svg = w.get('[data-testid="ai-usage-chart"]');
    expect(svg.attributes('role')).toBe('img');
    expect(svg.get('title').text()).toBe('AI calls by provider per day, last 30 days');
    expect(svg.get('desc').text()).toBe(`14 calls over 2 days; the busiest day was ${today} with 14.`);
    // Stacked: one bar per provider on the busy day, none on the empty one.
    expect(svg.findAll('rect').map((r) => r.get('title').text())).toEqual([`${today}: 4 calls (anthropic)`, `${today}: 10 calls (local)`]);
    const table = w.get('.ai-chart-table table');
    expect(table.findAll('tbody tr').map((r) => r.findAll('th, td').map((c) => c.text()))).toEqual([
      ['2026-11-24', '0', '0', '0', '0', '0', '$0'],
      [today, '14', '4', '10', '5200', '800', '$0.0042'],
    ]);

    await w.findAll('.ai-segmented button').find((b) => b.text() === 'Cost')!.trigger('click');
    expect(w.get('[data-testid="ai-usage-chart"] title').text()).toBe('AI cost per day, last 30 days');
    expect(w.findAll('[data-testid="ai-usage-chart"] rect')).toHaveLength(1);

    expect(w.get('[data-testid="ai-usage-groups"]').findAll('tbody th').map((c) => c.text())).toEqual(['anthropic', 'local']);
    await w.findAll('.ai-segmented button').find((b) => b.text() === '7 days')!.trigger('click');
    await flushPromises();
    const from = new URL(`http://x${calls.filter((c) => c.url.startsWith('/api/ai/usage?')).at(-1)!.url}`).searchParams.get('from')!;
    expect((Date.parse(today) - Date.parse(from)) / 86_400_000).toBe(6);
  });
});
