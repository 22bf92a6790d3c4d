import type { Condition, RuleParams } from '@flowdesk/schema';
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import ConditionGroup from './ConditionGroup.vue';
import RuleSetEditor from './RuleSetEditor.vue';
import { fieldOptions } from '../../composables/useTicketFields.ts';

const lastEmitted = <T>(wrapper: { emitted: (e: string) => unknown[][] | undefined }, event = 'update:modelValue'): T => {
  const all = wrapper.emitted(event);
  expect(all, `expected a ${event} event`).toBeTruthy();
  return all!.at(-1)![0] as T;
};

const oneRule: RuleParams = {
  rules: [{ name: 'Urgent', outcome: 'urgent', conditions: { all: [{ fact: 'ticket', path: '$.priority', operator: 'equal', value: 'urgent' }] } }],
  defaultOutcome: 'normal',
};

describe('RuleSetEditor (rule node form)', () => {
  it('adds a rule with a starter condition and keeps the default outcome', async () => {
    const wrapper = mount(RuleSetEditor, { props: { modelValue: { rules: [], defaultOutcome: 'default' } } });
    expect(wrapper.text()).toContain('No rules yet');
    await wrapper.get('button.btn.btn-sm').trigger('click');
    const value = lastEmitted<RuleParams>(wrapper);
    expect(value.defaultOutcome).toBe('default');
    expect(value.rules).toHaveLength(1);
    expect(value.rules[0]).toMatchObject({ name: 'Rule 1', outcome: 'matched', conditions: { all: [{ fact: 'ticket', path: '$.priority', operator: 'equal' }] } });
  });

  it('edits a rule name, outcome and the default outcome', async () => {
    const wrapper = mount(RuleSetEditor, { props: { modelValue: oneRule } });
    await wrapper.get('input[aria-label="Rule outcome"]').setValue('escalate');
    expect(lastEmitted<RuleParams>(wrapper).rules[0]!.outcome).toBe('escalate');
    await wrapper.get('input[aria-label="Default outcome"]').setValue('standard');
    expect(lastEmitted<RuleParams>(wrapper).defaultOutcome).toBe('standard');
  });

  it('reorders and removes rules', async () => {
    const two: RuleParams = { ...oneRule, rules: [...oneRule.rules, { ...oneRule.rules[0]!, name: 'Second', outcome: 'second' }] };
    const wrapper = mount(RuleSetEditor, { props: { modelValue: two } });
    await wrapper.findAll('button[aria-label="Move rule up"]')[1]!.trigger('click');
    expect(lastEmitted<RuleParams>(wrapper).rules.map((r) => r.name)).toEqual(['Second', 'Urgent']);
    await wrapper.findAll('button[aria-label="Remove rule"]')[0]!.trigger('click');
    expect(lastEmitted<RuleParams>(wrapper).rules.map((r) => r.name)).toEqual(['Second']);
  });
});

describe('ConditionGroup (condition builder)', () => {
  const fields = fieldOptions();
  const group = { all: [{ fact: 'ticket', path: '$.priority', operator: 'equal', value: 'urgent' }] };

  it('shows the field, operator and value of a fact condition', () => {
    const wrapper = mount(ConditionGroup, { props: { modelValue: group, fields } });
    expect((wrapper.get('select[aria-label="Field"]').element as HTMLSelectElement).value).toBe('ticket:$.priority');
    expect((wrapper.get('select[aria-label="Operator"]').element as HTMLSelectElement).value).toBe('equal');
    expect((wrapper.get('input[aria-label="Value"]').element as HTMLInputElement).value).toBe('urgent');
  });

  it('picks a ticket field: fact and path follow, arrays switch to "contains"', async () => {
    const wrapper = mount(ConditionGroup, { props: { modelValue: group, fields } });
    await wrapper.get('select[aria-label="Field"]').setValue('ticket:$.tags');
    expect(lastEmitted(wrapper)).toEqual({ all: [{ fact: 'ticket', path: '$.tags', operator: 'contains', value: '' }] });
  });

  it('turns "a, b" into a list for "is one of" and numbers into numbers for comparisons', async () => {
    const wrapper = mount(ConditionGroup, { props: { modelValue: group, fields } });
    await wrapper.get('select[aria-label="Operator"]').setValue('in');
    expect(lastEmitted(wrapper)).toEqual({ all: [{ fact: 'ticket', path: '$.priority', operator: 'in', value: ['urgent'] }] });
    await wrapper.setProps({ modelValue: lastEmitted(wrapper) });
    await wrapper.get('input[aria-label="Value"]').setValue('high, urgent');
    expect(lastEmitted(wrapper)).toEqual({ all: [{ fact: 'ticket', path: '$.priority', operator: 'in', value: ['high', 'urgent'] }] });

    const amount = mount(ConditionGroup, { props: { modelValue: { any: [{ fact: 'ticket', path: '$.fields.orderValue', operator: 'greaterThan', value: 0 }] }, fields } });
    await amount.get('input[aria-label="Value"]').setValue('100');
    expect(lastEmitted(amount)).toEqual({ any: [{ fact: 'ticket', path: '$.fields.orderValue', operator: 'greaterThan', value: 100 }] });
  });

  it('switches all/any, adds conditions and nested groups, removes them', async () => {
    const wrapper = mount(ConditionGroup, { props: { modelValue: group, fields } });
    await wrapper.get('select[aria-label="Match all or any"]').setValue('any');
    expect(lastEmitted(wrapper)).toEqual({ any: group.all });
    await wrapper.get('button.btn.btn-sm').trigger('click'); // + Condition
    expect((lastEmitted(wrapper) as { all: unknown[] }).all).toHaveLength(2);
    const addGroup = wrapper.findAll('button').find((b) => b.text() === '+ Group')!;
    await addGroup.trigger('click');
    const withGroup = lastEmitted<{ all: Condition[] }>(wrapper);
    expect(withGroup.all[1]).toMatchObject({ any: [{ fact: 'ticket', operator: 'equal' }] });
    await wrapper.setProps({ modelValue: withGroup });
    expect(wrapper.findAll('.cond-group')).toHaveLength(2);
    await wrapper.get('button[aria-label="Remove group"]').trigger('click');
    expect(lastEmitted(wrapper)).toEqual(group);
    await wrapper.setProps({ modelValue: group });
    await wrapper.get('button[aria-label="Remove condition"]').trigger('click');
    expect(lastEmitted(wrapper)).toEqual({ all: [] });
  });

  it('offers the results of earlier AI nodes and a custom fact/path', async () => {
    const withAi = fieldOptions({ schemaVersion: 1, key: 'k', name: 'n', edges: [], nodes: [{ id: 'classify_1', kind: 'ai.classify', name: 'Classify', position: { x: 0, y: 0 }, params: { field: 'category' } }] });
    const wrapper = mount(ConditionGroup, { props: { modelValue: group, fields: withAi } });
    const options = wrapper.findAll('select[aria-label="Field"] option').map((o) => o.text());
    expect(options).toContain('Classify: label');
    await wrapper.get('select[aria-label="Field"]').setValue('__custom__');
    await wrapper.setProps({ modelValue: { all: [{ fact: 'event', path: '$.', operator: 'equal', value: '' }] } });
    await wrapper.get('input[aria-label="Path"]').setValue('$.name');
    expect(lastEmitted(wrapper)).toEqual({ all: [{ fact: 'event', path: '$.name', operator: 'equal', value: '' }] });
  });
});
