import { nodeCatalog } from '@flowdesk/schema';
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import SchemaForm from './SchemaForm.vue';

async function mounted(kind: keyof typeof nodeCatalog, data: unknown) {
  const wrapper = mount(SchemaForm, { props: { schema: nodeCatalog[kind].paramsSchema, modelValue: data }, attachTo: document.body });
  await vi.waitFor(async () => {
    await flushPromises();
    expect(wrapper.find('.form-loading').exists()).toBe(false);
    expect(wrapper.find('input, select').exists()).toBe(true);
  }, { timeout: 15_000 });
  return wrapper;
}

describe('SchemaForm (generated from paramsSchema with JSON Forms)', () => {
  it('renders every property of the approval kind with its description, and edits emit new params', async () => {
    const wrapper = await mounted('approval', structuredClone(nodeCatalog.approval.defaults));
    const text = wrapper.text();
    expect(text).toContain('Title');
    expect(text).toContain('What is being approved, shown to the approvers.');
    expect(text).toContain('Required');
    const title = wrapper.findAll('input').find((i) => (i.element as HTMLInputElement).value === 'Approve the request');
    expect(title, 'title input shows the default').toBeTruthy();
    await title!.setValue('Refund over 100 EUR');
    await title!.trigger('change');
    await flushPromises();
    const events = wrapper.emitted('update:modelValue') ?? [];
    expect(events.at(-1)?.[0]).toMatchObject({ title: 'Refund over 100 EUR', approvers: [{ type: 'role', role: 'manager' }] });
    wrapper.unmount();
  });

  it('renders enums as selects (end status) and shows schema errors next to the field (wait duration)', async () => {
    const end = await mounted('end', { status: 'resolved' });
    const options = end.findAll('select option').map((o) => o.attributes('value'));
    expect(options).toEqual(expect.arrayContaining(['resolved', 'closed', 'cancelled']));
    end.unmount();

    const wait = await mounted('wait', { duration: 'three days' });
    await vi.waitFor(() => expect(wait.text()).toMatch(/must match format "iso-duration"/));
    wait.unmount();
  });

  it('keeps what the user typed when the validation mode changes (JSON Forms restarts from its data prop)', async () => {
    const wrapper = await mounted('approval', structuredClone(nodeCatalog.approval.defaults));
    await wrapper.setProps({ hideErrors: true });
    const title = wrapper.findAll('input').find((i) => (i.element as HTMLInputElement).value === 'Approve the request');
    await title!.setValue('Typed before the mode changed');
    await title!.trigger('change');
    await flushPromises();
    // The parent does not echo the value back (as a form that keeps its own draft would not): only the mode changes.
    await wrapper.setProps({ hideErrors: false });
    await flushPromises();
    const values = wrapper.findAll('input').map((i) => (i.element as HTMLInputElement).value);
    expect(values).toContain('Typed before the mode changed');
    expect(wrapper.emitted('update:modelValue')?.at(-1)?.[0]).toMatchObject({ title: 'Typed before the mode changed' });
    wrapper.unmount();
  });

  it('does not echo the initial data back as a change', async () => {
    const wrapper = await mounted('ai.classify', { field: 'category' });
    expect(wrapper.emitted('update:modelValue')).toBeUndefined();
    wrapper.unmount();
  });
});
