// The workflow-steps panel of the ticket page against a mocked API: a task renders the form its workflow
// defines (JSON Schema → JSON Forms) with one button per action; the form's own errors block the submission
// and show at the field; a valid submission posts the action and the data and hands the server's answer up;
// the server's 400 lands under the form with the field's title; an approval shows the votes so far and posts
// the decision with the comment; without runs.write the buttons are off and say why.
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import { defineComponent } from 'vue';
import { applySession, resetSession } from '../../composables/useSession.ts';
import type { Run } from '../../api/client.ts';
import type { TicketTask } from '../../composables/useTicketApi.ts';
import { ADMIN, AGENT, apiError, json, mockFetch, type FetchCall } from '../../test/fetch-mock.ts';
import TicketTaskPanel from './TicketTaskPanel.vue';

const RUN = '11111111-1111-4111-8111-111111111111';
const TICKET = '22222222-2222-4222-8222-222222222222';
const task: TicketTask = {
  id: `${RUN}:2:0`,
  runId: RUN,
  workflowId: '33333333-3333-4333-8333-333333333333',
  workflowKey: 'refund-review',
  workflowVersion: 3,
  nodeId: 'review',
  nodeName: 'Review the refund',
  visit: 1,
  kind: 'task',
  title: 'Check the order',
  assignee: { type: 'role', role: 'agent' },
  createdAt: new Date().toISOString(),
  form: {
    key: 'refund_form',
    title: 'Refund details',
    schema: { type: 'object', required: ['amount'], properties: { amount: { type: 'number', minimum: 0, title: 'Amount' }, reason: { type: 'string', title: 'Reason' } } },
    uiSchema: null,
  },
  actions: [{ id: 'approve', label: 'Send for approval' }, { id: 'deny', label: 'Deny' }],
  approval: null,
};
const approval: TicketTask = {
  ...task,
  id: `${RUN}:3:0`,
  nodeId: 'sign_off',
  nodeName: 'Manager sign-off',
  kind: 'approval',
  title: 'Approve the refund',
  assignee: [{ type: 'role', role: 'manager' }],
  form: null,
  actions: [],
  approval: { required: 2, rejectionsToReject: 1, votes: [{ approver: 'maria@example.com', decision: 'approve' }] },
};
const run: Run = { id: RUN, workflowId: task.workflowId, workflowKey: 'refund-review', workflowVersion: 3, workflowVersionId: RUN, ticketId: TICKET, status: 'waiting', state: 'sign_off', currentNode: { id: 'sign_off', kind: 'approval', name: 'Manager sign-off' }, sequence: 3, error: null, createdAt: '', updatedAt: '', completedAt: null };

const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/:p(.*)*', component: defineComponent({ template: '<div />' }) }] });
let wrapper: VueWrapper | null = null;

async function mountPanel(tasks: TicketTask[]): Promise<VueWrapper> {
  wrapper = mount(TicketTaskPanel, { props: { ticketId: TICKET, tasks, runs: [run] }, global: { plugins: [router] }, attachTo: document.body });
  if (tasks.some((t) => t.form)) {
    await vi.waitFor(async () => {
      await flushPromises();
      expect(wrapper!.find('.form-loading').exists()).toBe(false);
      expect(wrapper!.find('input').exists()).toBe(true);
    }, { timeout: 15_000 });
  }
  return wrapper;
}
const button = (w: VueWrapper, action: string) => w.find(`button[data-action="${action}"]`);
async function typeAmount(w: VueWrapper, value: string): Promise<void> {
  const input = w.findAll('input').find((i) => (i.element as HTMLInputElement).type === 'number')!;
  await input.setValue(value);
  await input.trigger('change');
  await flushPromises();
}

beforeEach(() => {
  resetSession();
  applySession(ADMIN);
});
afterEach(() => {
  wrapper?.unmount();
  wrapper = null;
  vi.unstubAllGlobals();
});

describe('TicketTaskPanel: a task form generated from the workflow', () => {
  it('renders the form and the actions, and links the run', async () => {
    const calls = mockFetch(() => json(500));
    const w = await mountPanel([task]);
    expect(w.text()).toContain('Check the order');
    expect(w.text()).toContain('Refund details');
    expect(w.text()).toContain('Amount');
    expect(w.text()).toContain('Reason');
    expect(w.text()).toContain('for agents');
    expect(button(w, 'approve').text()).toBe('Send for approval');
    expect(button(w, 'deny').text()).toBe('Deny');
    expect(w.find(`a[href="/runs/${RUN}"]`).text()).toContain('refund-review v3');
    expect(w.find('[data-testid="ticket-run-step"]').text()).toBe('at Manager sign-off');
    expect(calls).toHaveLength(0);
  });

  it('holds back a submission the form itself refuses, then posts the action and the data', async () => {
    const calls: FetchCall[] = mockFetch((call) => (call.method === 'POST' ? json(200, { run: { ...run, state: 'sign_off' }, tasks: [approval] }) : json(404)));
    const w = await mountPanel([task]);
    const reason = w.findAll('input').find((i) => (i.element as HTMLInputElement).type !== 'number')!;
    await reason.setValue('damaged');
    await reason.trigger('change');
    await flushPromises();
    await button(w, 'approve').trigger('click');
    await flushPromises();
    expect(calls).toHaveLength(0);
    expect(w.find('[role="alert"]').text()).toMatch(/Fix the field marked above first/);
    await vi.waitFor(() => expect(w.text()).toMatch(/is a required property|required/i));

    await vi.waitFor(() => expect(w.find('input').exists()).toBe(true));
    await typeAmount(w, '42.5');
    await button(w, 'approve').trigger('click');
    await flushPromises();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.method).toBe('POST');
    expect(calls[0]!.url).toBe(`/api/tickets/${TICKET}/tasks/${encodeURIComponent(task.id)}`);
    // What was typed before the refused attempt is still there.
    expect(calls[0]!.body).toEqual({ action: 'approve', data: { amount: 42.5, reason: 'damaged' } });
    expect(calls[0]!.headers['x-csrf-token']).toBe(ADMIN.csrfToken);
    const submitted = w.emitted('submitted');
    expect(submitted?.[0]?.[0]).toEqual({ run: { ...run, state: 'sign_off' }, tasks: [approval] });
    expect(submitted?.[0]?.[1]).toBe('Review the refund: Send for approval');
  });

  it('keeps what the agent typed when the page reloads the tasks (new objects, same content)', async () => {
    const calls = mockFetch(() => json(200, { run, tasks: [] }));
    const w = await mountPanel([task]);
    await typeAmount(w, '7');
    await w.setProps({ tasks: [structuredClone(task)] });
    await flushPromises();
    await new Promise((r) => setTimeout(r, 50));
    await flushPromises();
    await button(w, 'approve').trigger('click');
    await flushPromises();
    expect(calls[0]!.body).toEqual({ action: 'approve', data: { amount: 7 } });
  });

  it("shows the server's refusal under the form with the field's title", async () => {
    mockFetch(() => apiError(400, 'FD_INVALID_INPUT', '/body/data/amount: must be >= 0', [{ path: '/body/data/amount', message: '/body/data/amount: must be >= 0' }]));
    const w = await mountPanel([task]);
    await typeAmount(w, '3');
    await button(w, 'deny').trigger('click');
    await flushPromises();
    expect(w.find('.task-problems').text()).toBe('Amount: must be >= 0');
    expect(w.emitted('submitted')).toBeUndefined();
  });

  it('reports a step that closed meanwhile as stale', async () => {
    mockFetch(() => apiError(404, 'FD_NOT_FOUND', 'open task not found'));
    const w = await mountPanel([task]);
    await typeAmount(w, '1');
    await button(w, 'deny').trigger('click');
    await flushPromises();
    expect(w.emitted('stale')).toHaveLength(1);
  });
});

describe('TicketTaskPanel: an approval', () => {
  it('shows the votes so far and posts the decision with the comment', async () => {
    const calls = mockFetch(() => json(200, { run: { ...run, status: 'completed', state: 'done', currentNode: { id: 'done', kind: 'end', name: 'Refunded' } }, tasks: [] }));
    const w = await mountPanel([approval]);
    expect(w.find('[data-kind="approval"]').exists()).toBe(true);
    expect(w.find('[data-testid="approval-votes"]').text().replace(/\s+/g, ' ')).toMatch(/1 of 2 approvals · maria@example\.com approved/);
    expect(w.text()).toContain('for managers');
    await w.find('textarea').setValue('  Within policy.  ');
    await button(w, 'reject').trigger('click');
    await flushPromises();
    expect(calls[0]!.body).toEqual({ decision: 'reject', comment: 'Within policy.' });
    expect(w.emitted('submitted')?.[0]?.[1]).toBe('Manager sign-off: rejected');
  });

  it('turns the buttons off without runs.write, saying why', async () => {
    resetSession();
    applySession({ ...AGENT, permissions: ['runs.read', 'tickets.read'] });
    const calls = mockFetch(() => json(200, {}));
    const w = await mountPanel([approval]);
    const approve = button(w, 'approve');
    expect(approve.attributes('disabled')).toBeDefined();
    expect(approve.attributes('title')).toMatch(/cannot vote on approvals: it needs the runs\.write permission/);
    await approve.trigger('click');
    expect(calls).toHaveLength(0);
  });

  it('says when nothing waits for a person', async () => {
    mockFetch(() => json(200, {}));
    const w = await mountPanel([]);
    expect(w.find('[data-testid="no-tasks"]').text().replace(/\s+/g, ' ')).toMatch(/Nothing waits for a person right now\. The workflow is working/);
  });
});
