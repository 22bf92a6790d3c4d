import { validateDefinition, type FormDefinition, type WorkflowDefinition } from '@flowdesk/schema';
import { flushPromises, mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import example from '../../../../packages/schema/examples/escalating-approval.json' with { type: 'json' };
import { createWorkflowGraph, provideWorkflowGraph } from '../../composables/useWorkflowGraph.ts';
import FormBuilder from './FormBuilder.vue';
import TaskFormSection from './TaskFormSection.vue';
import { buildForm, fieldKey, moveField, newField, readForm, type FormField } from './form-model.ts';

const field = (f: Partial<FormField> & Pick<FormField, 'key' | 'type'>): FormField => ({ label: f.key, required: false, ...f });

describe('form model (fields -> JSON Schema + uiSchema)', () => {
  it('generates the schema of every field type, the required list and a vertical layout', () => {
    const form = buildForm({
      title: 'Refund decision',
      fields: [
        field({ key: 'reason', type: 'text', label: 'Reason', description: 'Why', required: true }),
        field({ key: 'notes', type: 'longText', label: 'Notes' }),
        field({ key: 'amount', type: 'number', label: 'Amount', required: true }),
        field({ key: 'refundShipping', type: 'boolean', label: 'Refund shipping' }),
        field({ key: 'channel', type: 'choice', label: 'Channel', options: ['card', 'voucher', ' ', 'card'] }),
        field({ key: 'refundOn', type: 'date', label: 'Refund on' }),
      ],
    });
    expect(form.title).toBe('Refund decision');
    expect(form.schema).toEqual({
      type: 'object',
      properties: {
        reason: { type: 'string', title: 'Reason', description: 'Why' },
        notes: { type: 'string', title: 'Notes' },
        amount: { type: 'number', title: 'Amount' },
        refundShipping: { type: 'boolean', title: 'Refund shipping' },
        channel: { type: 'string', title: 'Channel', enum: ['card', 'voucher'] },
        refundOn: { type: 'string', title: 'Refund on', format: 'date' },
      },
      required: ['reason', 'amount'],
    });
    expect(form.uiSchema).toEqual({
      type: 'VerticalLayout',
      elements: [
        { type: 'Control', scope: '#/properties/reason' },
        { type: 'Control', scope: '#/properties/notes', options: { multi: true } },
        { type: 'Control', scope: '#/properties/amount' },
        { type: 'Control', scope: '#/properties/refundShipping' },
        { type: 'Control', scope: '#/properties/channel' },
        { type: 'Control', scope: '#/properties/refundOn' },
      ],
    });
    // The generated form is valid where it is stored: a definition with it validates clean.
    const def = { ...(example as unknown as WorkflowDefinition), forms: { refund: form } };
    expect(validateDefinition(def).errors).toEqual([]);
  });

  it('reads a stored form back (layout order, long text, choice) and keeps keywords it does not edit', () => {
    const stored: FormDefinition = {
      title: 'Claim assessment',
      schema: {
        type: 'object',
        required: ['coveredAmount'],
        properties: {
          coveredAmount: { type: 'number', minimum: 0, title: 'Covered amount' },
          notes: { type: 'string', title: 'Adjuster notes' },
          kind: { type: 'string', enum: ['a', 'b'] },
          count: { type: 'integer', title: 'Count' },
          items: { type: 'array', items: { type: 'string' } },
        },
      },
      uiSchema: { type: 'VerticalLayout', elements: [{ type: 'Control', scope: '#/properties/notes', options: { multi: true } }] },
    };
    const model = readForm(stored);
    expect(model.fields.map((f) => [f.key, f.type, f.required])).toEqual([
      ['notes', 'longText', false],
      ['coveredAmount', 'number', true],
      ['kind', 'choice', false],
      ['count', 'number', false],
      ['items', 'custom', false],
    ]);
    const again = buildForm(model);
    expect((again.schema.properties as Record<string, unknown>).coveredAmount).toEqual({ type: 'number', title: 'Covered amount', minimum: 0 });
    expect((again.schema.properties as Record<string, unknown>).count).toEqual({ type: 'integer', title: 'Count' });
    expect((again.schema.properties as Record<string, unknown>).items).toEqual({ type: 'array', items: { type: 'string' } });
    expect(readForm(again)).toEqual(model);
  });

  it('reorders, names keys from labels and keeps them unique', () => {
    const fields = [field({ key: 'a', type: 'text' }), field({ key: 'b', type: 'text' }), field({ key: 'c', type: 'text' })];
    expect(moveField(fields, 2, -1).map((f) => f.key)).toEqual(['a', 'c', 'b']);
    expect(moveField(fields, 0, -1).map((f) => f.key)).toEqual(['a', 'b', 'c']);
    expect(fieldKey('Refund amount (EUR)', [])).toBe('refundAmountEur');
    expect(fieldKey('Reason', ['reason'])).toBe('reason2');
    expect(fieldKey('123', [])).toBe('field');
    expect(newField('choice', []).options).toEqual(['Option 1', 'Option 2']);
  });
});

describe('FormBuilder', () => {
  const lastForm = (w: ReturnType<typeof mount>): FormDefinition => (w.emitted('update:modelValue')!.at(-1) as [FormDefinition])[0];

  it('adds a field of each type, marks one required, reorders and removes, emitting the schema each time', async () => {
    const w = mount(FormBuilder, { props: { modelValue: { schema: { type: 'object', properties: {} } } }, attachTo: document.body });
    for (const type of ['text', 'longText', 'number', 'boolean', 'choice', 'date']) await w.find(`[data-add="${type}"]`).trigger('click');
    let form = lastForm(w);
    expect(Object.keys(form.schema.properties as object)).toEqual(['text', 'longText', 'number', 'yesNo', 'choice', 'date']);
    expect((form.schema.properties as Record<string, unknown>).choice).toEqual({ type: 'string', title: 'Choice', enum: ['Option 1', 'Option 2'] });

    // Label -> key follows while the key was derived; required flag.
    const labels = w.findAll('input.fb-label');
    await labels[2]!.setValue('Refund amount');
    await w.findAll('[data-testid="form-field"]')[2]!.find('input[type="checkbox"]').setValue(true);
    form = lastForm(w);
    expect(form.schema.required).toEqual(['refundAmount']);
    expect((form.schema.properties as Record<string, { title: string }>).refundAmount!.title).toBe('Refund amount');

    // Move the amount to the top, remove the date.
    await w.find('[aria-label="Move field 3 up"]').trigger('click');
    await w.find('[aria-label="Move field 2 up"]').trigger('click');
    await w.find('[aria-label="Remove field 6"]').trigger('click');
    form = lastForm(w);
    expect((form.uiSchema!.elements as { scope: string }[]).map((e) => e.scope.split('/').at(-1))).toEqual(['refundAmount', 'text', 'longText', 'yesNo', 'choice']);
    w.unmount();
  });

  it('edits choice options and shows problems; renders a live preview with JSON Forms', async () => {
    const w = mount(FormBuilder, {
      props: { modelValue: buildForm({ title: 'Decision', fields: [field({ key: 'channel', type: 'choice', label: 'Channel', options: ['card'] }), field({ key: 'ok', type: 'boolean', label: 'Approved?' }), field({ key: 'on', type: 'date', label: 'Refund on' })] }) },
      attachTo: document.body,
    });
    await w.find('.fb-toggle').trigger('click');
    await w.find('.fb-add-option').trigger('click');
    expect((lastForm(w).schema.properties as Record<string, { enum: string[] }>).channel!.enum).toEqual(['card', 'Option 2']);
    await w.find('[aria-label="Remove option 1"]').trigger('click');
    await w.find('[aria-label="Remove option 1"]').trigger('click');
    expect(w.text()).toContain('Add at least one option.');
    // A duplicate key is refused.
    const key = w.find('[aria-label="Key of field 1"]');
    await key.setValue('ok');
    await key.trigger('change');
    expect(w.text()).toContain('"ok" is already used by another field.');
    expect((key.element as HTMLInputElement).value).toBe('channel');

    await vi.waitFor(async () => {
      await flushPromises();
      const preview = w.find('.fb-preview-body');
      expect(preview.find('input[type="checkbox"]').exists()).toBe(true);
      expect(preview.find('input[type="date"]').exists()).toBe(true); // the preview knows the standard formats
      expect(preview.text()).toContain('Approved?');
    }, { timeout: 15_000 });
    w.unmount();
  });
});

describe('TaskFormSection (attaches a form to the task by key)', () => {
  it('creates a form, attaches it to the node param and edits it through the workflow graph', async () => {
    const def: WorkflowDefinition = {
      schemaVersion: 1,
      key: 'forms',
      name: 'Forms',
      nodes: [
        { id: 'start', kind: 'trigger', position: { x: 0, y: 0 }, params: { event: 'ticket.created' } },
        { id: 'review', kind: 'task', name: 'Review', position: { x: 0, y: 100 }, params: { title: 'Review the refund', assignee: { type: 'role', role: 'agent' }, actions: [{ id: 'done', label: 'Done' }] } },
        { id: 'end', kind: 'end', position: { x: 0, y: 200 }, params: { status: 'resolved' } },
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'review', outcome: 'next' },
        { id: 'e2', source: 'review', target: 'end', outcome: 'done' },
      ],
    } as WorkflowDefinition;
    const graph = createWorkflowGraph(def);
    const Host = defineComponent({
      setup() {
        provideWorkflowGraph(graph);
        return () => h(TaskFormSection, { node: graph.definition.value.nodes[1]!, definition: graph.definition.value });
      },
    });
    const w = mount(Host, { attachTo: document.body });
    await w.find('select[aria-label="Task form"]').setValue('__new');
    await flushPromises();
    const d = graph.definition.value;
    expect((d.nodes[1]!.params as { form?: string }).form).toBe('review_form');
    expect(d.forms?.review_form?.title).toBe('Review the refund');
    await w.find('[data-add="number"]').trigger('click');
    expect(graph.definition.value.forms!.review_form!.schema.properties).toEqual({ number: { type: 'number', title: 'Number' } });
    expect(validateDefinition(graph.definition.value).errors).toEqual([]);
    graph.undo();
    expect(graph.definition.value.forms!.review_form!.schema.properties).toEqual({});
    w.unmount();
  });
});
