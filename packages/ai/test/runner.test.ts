import { describe, expect, it } from 'vitest';
import { readKbCsv } from '../src/eval/run.ts';
import { readLabelledCsv } from '../src/eval/csv.ts';
import { LocalClassifier } from '../src/local/classifier/model.ts';
import { LocalProvider } from '../src/local/provider.ts';
import { KnowledgeBase } from '../src/local/recommend/knowledge-base.ts';
import { ProviderRegistry } from '../src/provider.ts';
import { runAiTask } from '../src/runner.ts';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

describe('provider registry and task runner', async () => {
  const model = await LocalClassifier.train(await readLabelledCsv(fixture('banking-mini-train.csv')), { seed: 1 });
  const local = new LocalProvider({ classifiers: { category: model }, knowledgeBase: new KnowledgeBase(await readKbCsv(fixture('kb.csv'))) });
  const registry = new ProviderRegistry().register(local);

  it('picks the default provider and rejects unknown ones', () => {
    expect(registry.get().name).toBe('local');
    expect(registry.get('').name).toBe('local');
    expect(() => registry.get('anthropic')).toThrow(/unknown AI provider "anthropic"/);
  });

  it('classify: done above the threshold, low_confidence below; results carry the common fields', async () => {
    const text = 'my new card has still not arrived';
    const done = await runAiTask(registry, { task: 'classify', params: { field: 'category', threshold: 0.2 } }, { text });
    expect(done.outcome).toBe('done');
    expect(done.output).toMatchObject({ provider: 'local', model: 'local-fast', tokens: null, costUsd: null, output: { label: 'card_arrival' } });
    expect(typeof done.output.explanation).toBe('string');
    expect(done.output.latencyMs).toBeGreaterThanOrEqual(0);
    const low = await runAiTask(registry, { task: 'classify', params: { field: 'category', threshold: 1 } }, { text });
    expect(low.outcome).toBe('low_confidence');
    await expect(runAiTask(registry, { task: 'classify', params: { field: 'priority' } }, { text })).rejects.toThrow(/no local model/);
  });

  it('sentiment, recommend, draft and assign map onto their outcomes', async () => {
    expect((await runAiTask(registry, { task: 'sentiment', params: {} }, { text: 'This is awful and broken!' })).outcome).toBe('done');
    expect((await runAiTask(registry, { task: 'recommend', params: { topK: 2 } }, { text: 'I forgot my password' })).outcome).toBe('found');
    expect((await runAiTask(registry, { task: 'recommend', params: {} }, { text: 'the lobby plants need water' })).outcome).toBe('none');
    const drafted = await runAiTask(registry, { task: 'draft', params: { autoSend: false } }, { text: 'I forgot my password, how do I reset it?' });
    expect(drafted.outcome).toBe('drafted');
    expect(drafted.output.send).toBe(false);
    const auto = await runAiTask(registry, { task: 'draft', params: { autoSend: true } }, { text: 'I forgot my password, how do I reset it?' });
    expect(auto.output.send).toBe(true);
    const handoff = await runAiTask(registry, { task: 'draft', params: { autoSend: true } }, { text: 'the lobby plants need water' });
    expect(handoff).toMatchObject({ outcome: 'handoff', output: { send: false } });
    const agents = [{ id: 'a1', skills: ['card_arrival'], openTickets: 0, capacity: 3, available: true }];
    expect((await runAiTask(registry, { task: 'assign', params: {} }, { text: 'x', category: 'card_arrival', agents })).outcome).toBe('assigned');
    expect((await runAiTask(registry, { task: 'assign', params: {} }, { text: 'x', category: 'card_arrival', agents: [] })).outcome).toBe('no_agent');
  });
});
