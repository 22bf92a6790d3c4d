import { nodeCatalog, validateDefinition, type WorkflowDefinition, type WorkflowNode } from '@flowdesk/schema';
import { flushPromises, mount } from '@vue/test-utils';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import DesignerProperties from '../designer/DesignerProperties.vue';
import AiSettings from './AiSettings.vue';
import { ANTHROPIC_MODEL_NAMES, DEFAULT_ANTHROPIC_MODEL, DEFAULT_THRESHOLDS } from './ai-models.ts';

type Params = Record<string, unknown>;
const last = (w: ReturnType<typeof mount>): Params => (w.emitted('update:modelValue')!.at(-1) as [Params])[0];

describe('AiSettings (provider, model, threshold, auto-send)', () => {
  it('picks the provider, suggests the Anthropic models and writes the model', async () => {
    const w = mount(AiSettings, { props: { kind: 'ai.classify', modelValue: { field: 'category' } } });
    const provider = w.find('select[aria-label="AI provider"]');
    expect(provider.findAll('option').map((o) => o.attributes('value'))).toEqual(['', 'local', 'anthropic']);
    expect(w.text()).toContain('the offline local provider unless configured');
    await provider.setValue('anthropic');
    expect(last(w)).toEqual({ field: 'category', provider: 'anthropic' });
    await w.setProps({ modelValue: last(w) });
    expect(w.text()).toContain(`empty uses ${DEFAULT_ANTHROPIC_MODEL}`);
    expect(w.findAll('datalist option').map((o) => o.attributes('value'))).toEqual([...ANTHROPIC_MODEL_NAMES]);
    const model = w.find('input[aria-label="AI model"]');
    await model.setValue('claude-sonnet-5-5');
    await model.trigger('change');
    expect(last(w)).toEqual({ field: 'category', provider: 'anthropic', model: 'claude-sonnet-5-5' });
    await w.setProps({ modelValue: { provider: 'anthropic', model: 'claude-nonexistent' } });
    expect(w.find('[data-testid="unknown-model"]').exists()).toBe(true);
    await w.setProps({ modelValue: { provider: 'anthropic', model: 'claude-haiku-4-5-20251001' } });
    expect(w.find('[data-testid="unknown-model"]').exists()).toBe(false);
    // Back to the organisation default: the param goes away.
    await w.find('select[aria-label="AI provider"]').setValue('');
    expect(last(w)).toEqual({ model: 'claude-haiku-4-5-20251001' });
  });

  it('sets the confidence threshold with a slider and explains the hand-off outcome and the default', async () => {
    const w = mount(AiSettings, { props: { kind: 'ai.classify', modelValue: {} } });
    expect(w.text()).toContain('Below this confidence the node leaves by low_confidence');
    expect(w.text()).toContain('Not set: the default 50 % applies.');
    const slider = w.find('input[data-testid="threshold"]');
    await slider.setValue('0.75');
    expect(last(w)).toEqual({ threshold: 0.75 });
    await w.setProps({ modelValue: { threshold: 0.75 } });
    expect(w.find('output').text()).toBe('75 %');
    await w.find('button[title="Use the default threshold"]').trigger('click');
    expect(last(w)).toEqual({});

    const assign = mount(AiSettings, { props: { kind: 'ai.assign', modelValue: {} } });
    expect(assign.text()).toContain('leaves by no_agent');
    expect(assign.find('fieldset.auto-send').exists()).toBe(false);
  });

  it('ai.draft: auto-send never / policy (min confidence, categories) / always, each valid for the schema', async () => {
    const w = mount(AiSettings, { props: { kind: 'ai.draft', modelValue: { autoSend: false } } });
    expect((w.find('input[value="never"]').element as HTMLInputElement).checked).toBe(true);
    await w.find('input[value="policy"]').setValue(true);
    expect(last(w)).toEqual({ autoSend: { minConfidence: 0.8, categories: ['*'] } });
    await w.setProps({ modelValue: last(w) });
    await w.find('input[data-testid="min-confidence"]').setValue('0.9');
    expect(last(w)).toEqual({ autoSend: { minConfidence: 0.9, categories: ['*'] } });
    await w.setProps({ modelValue: last(w) });
    await w.find('input[aria-label="Auto-send categories"]').setValue('billing, shipping, billing');
    expect(last(w)).toEqual({ autoSend: { minConfidence: 0.9, categories: ['billing', 'shipping'] } });
    const policyParams = last(w);
    await w.find('input[aria-label="Auto-send categories"]').setValue(' ');
    expect(w.text()).toContain('List at least one category');
    expect(last(w)).toEqual(policyParams); // nothing invalid written
    await w.find('input[value="always"]').setValue(true);
    expect(last(w)).toEqual({ autoSend: true });

    const def = { schemaVersion: 1, key: 'k', name: 'n', nodes: [{ id: 'd', kind: 'ai.draft', position: { x: 0, y: 0 }, params: { ...policyParams, provider: 'anthropic', model: 'claude-haiku-5-5', threshold: 0.4 } }], edges: [] };
    expect(validateDefinition(def).errors.filter((e) => e.path.startsWith('/nodes/0/params'))).toEqual([]);
  });

  it('keeps the copied model names and thresholds in step with packages/ai', () => {
    const root = existsSync('packages/ai') ? '.' : '..'; // tests run from designer/ (or the repository root)
    const models = readFileSync(`${root}/packages/ai/src/anthropic/models.ts`, 'utf8');
    const table = models.slice(models.indexOf('export const ANTHROPIC_MODELS'));
    const names = [...table.matchAll(/^\s+'(claude-[a-z0-9-]+)':/gm)].map((m) => m[1]);
    expect([...ANTHROPIC_MODEL_NAMES].sort()).toEqual(names.sort());
    expect(models).toContain(`DEFAULT_ANTHROPIC_MODEL = '${DEFAULT_ANTHROPIC_MODEL}'`);
    const runner = readFileSync(`${root}/packages/ai/src/runner.ts`, 'utf8');
    const thresholds = /DEFAULT_THRESHOLDS = (\{[^}]*\})/.exec(runner)![1]!.replace(/(\w+):/g, '"$1":');
    expect(JSON.parse(thresholds)).toEqual(DEFAULT_THRESHOLDS);
  });
});

describe('DesignerProperties for AI nodes', () => {
  it('shows the AI settings and leaves provider/model/threshold out of the generated form', async () => {
    const node = { id: 'classify_1', kind: 'ai.classify', name: 'Classify', position: { x: 0, y: 0 }, params: { field: 'category', provider: 'local', threshold: 0.6 } } as WorkflowNode;
    const definition = { schemaVersion: 1, key: 'k', name: 'n', nodes: [node], edges: [] } as WorkflowDefinition;
    const w = mount(DesignerProperties, { props: { node, definition, problems: [] }, attachTo: document.body });
    await vi.waitFor(async () => {
      await flushPromises();
      expect(w.find('.schema-form input').exists()).toBe(true);
    }, { timeout: 15_000 });
    expect(w.find('[data-testid="ai-settings"]').exists()).toBe(true);
    const generated = w.find('.schema-form').text();
    expect(generated).toContain('Field');
    expect(generated).not.toContain('AI provider; empty means');
    expect(generated).not.toContain('Below this confidence');
    // Editing the generated field keeps the AI settings.
    const field = w.findAll('.schema-form input').find((i) => (i.element as HTMLInputElement).value === 'category')!;
    await field.setValue('product');
    await field.trigger('change');
    await flushPromises();
    expect((w.emitted('update')!.at(-1) as [{ params: Params }])[0].params).toEqual({ field: 'product', provider: 'local', threshold: 0.6 });
    await w.find('input[data-testid="threshold"]').setValue('0.3');
    expect((w.emitted('update')!.at(-1) as [{ params: Params }])[0].params).toEqual({ field: 'category', provider: 'local', threshold: 0.3 });
    expect(nodeCatalog['ai.classify'].paramsSchema.properties).toHaveProperty('threshold');
    w.unmount();
  });
});
