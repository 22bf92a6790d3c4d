// The "Move runs" page against a mocked API: the states with runs and their counts, identical node ids
// pre-filled, the server's preview (problems on the state they concern, word for word; a 400's details too),
// a confirmation before anything moves, the apply request with the preview's count, the result with a link
// to the runs, the empty state, and what a user without workflows.publish sees.
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { WorkflowDefinition } from '@flowdesk/schema';
import type { SessionInfo } from '../api/client.ts';
import type { VersionRunCounts } from '../api/migrations.ts';
import { applySession, resetSession } from '../composables/useSession.ts';
import { ADMIN, AGENT, apiError, json, mockFetch, type Answer, type FetchCall } from '../test/fetch-mock.ts';
import MigrateRunsPage from './MigrateRunsPage.vue';

const Stub = defineComponent({ template: '<div />' });
const at = { x: 0, y: 0 };

const v1: WorkflowDefinition = {
  schemaVersion: 1, key: 'refunds', name: 'Refunds',
  nodes: [
    { id: 'start', kind: 'trigger', position: at, params: { event: 'ticket.created' } },
    { id: 'approve', kind: 'approval', name: 'Manager approval', position: at, params: { title: 'Approve', approvers: [{ type: 'role', role: 'manager' }], required: 1 } },
    { id: 'hold', kind: 'wait', position: at, params: { resumeOn: ['customer.replied'] } },
    { id: 'done', kind: 'end', position: at, params: { status: 'resolved' } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'approve', outcome: 'next' },
    { id: 'e2', source: 'approve', target: 'done', outcome: 'approved' },
    { id: 'e3', source: 'approve', target: 'hold', outcome: 'rejected' },
    { id: 'e4', source: 'hold', target: 'approve', outcome: 'resumed' },
  ],
};
const v2: WorkflowDefinition = JSON.parse(JSON.stringify(v1).replaceAll('"approve"', '"sign_off"').replace('Manager approval', 'Sign-off')) as WorkflowDefinition;

interface Setup {
  counts?: VersionRunCounts[];
  preview?: (call: FetchCall) => Answer;
}

function setup(session: SessionInfo = ADMIN, options: Setup = {}) {
  let counts: VersionRunCounts[] = options.counts ?? [{ version: 1, runs: 3, byState: [{ state: 'approve', runs: 2 }, { state: 'hold', runs: 1 }] }];
  const defs: Record<number, WorkflowDefinition> = { 1: v1, 2: v2 };
  const versions = [
    { id: 'id1', version: 1, note: 'First', publishedAt: new Date().toISOString() },
    { id: 'id2', version: 2, note: 'Renamed the approval', publishedAt: new Date().toISOString() },
  ];
  const calls = mockFetch((call) => {
    if (call.url === '/api/workflows/w1' && call.method === 'GET') {
      return json(200, { workflow: { id: 'w1', key: 'refunds', name: 'Refunds', latestVersion: 2, createdAt: '', updatedAt: '', draft: v2, versions } });
    }
    if (call.url === '/api/workflows/w1/run-counts') return json(200, { versions: counts });
    const m = /^\/api\/workflows\/w1\/versions\/(\d+)$/.exec(call.url);
    if (m) return json(200, { version: { ...versions[Number(m[1]) - 1], workflowId: 'w1', key: 'refunds', definition: defs[Number(m[1])] } });
    if (call.url === '/api/workflows/w1/migrations/preview') {
      if (options.preview) return options.preview(call);
      const { mapping } = call.body as { mapping: Record<string, string> };
      const approveTo = mapping.approve ?? 'approve';
      const ok = approveTo === 'sign_off';
      return json(200, {
        runs: 3,
        byState: [{ from: 'approve', to: ok ? 'sign_off' : null, runs: 2 }, { from: 'hold', to: mapping.hold ?? 'hold', runs: 1 }],
        problems: ok ? [] : [{ path: '/body/mapping/approve', message: '/body/mapping/approve: 2 runs are at node "approve", which version 2 does not have: map it to a node of version 2' }],
      });
    }
    if (call.url === '/api/workflows/w1/migrations' && call.method === 'POST') {
      counts = [];
      return json(200, { migrated: 3, failed: [] });
    }
    return apiError(404, 'FD_NOT_FOUND', `unexpected ${call.method} ${call.url}`);
  });
  return {
    calls,
    mountPage: async (path = '/workflows/w1/migrate') => {
      const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/workflows/:id/migrate', component: MigrateRunsPage, props: true }, { path: '/:p(.*)*', component: Stub }] });
      applySession(session);
      await router.push(path);
      await router.isReady();
      const wrapper = mount({ template: '<RouterView />' }, { global: { plugins: [router] }, attachTo: document.body });
      await flushPromises();
      await flushPromises();
      return { wrapper, router };
    },
  };
}

const button = (wrapper: ReturnType<typeof mount>, testId: string) => wrapper.get(`[data-testid="${testId}"]`);
const row = (wrapper: ReturnType<typeof mount>, state: string) => wrapper.get(`[data-testid="mapping-v1"] tr[data-state="${state}"]`);

beforeEach(() => resetSession());
afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('MigrateRunsPage', () => {
  it('lists the states with runs and their counts, and pre-fills identical node ids', async () => {
    const { wrapper, router } = await setup().mountPage();
    expect(wrapper.get('[data-testid="source-list"]').text()).toContain('Version 1 · 3 runs');
    expect((wrapper.get('input[data-version="1"]').element as HTMLInputElement).checked).toBe(true);
    expect((wrapper.get('[data-testid="target-version"]').element as HTMLSelectElement).value).toBe('2');
    expect(row(wrapper, 'approve').get('[data-testid="state-runs"]').text()).toBe('2');
    expect(row(wrapper, 'approve').text()).toContain('Manager approval');
    expect(row(wrapper, 'hold').get('[data-testid="state-runs"]').text()).toBe('1');
    // hold exists in v2: pre-filled; approve was renamed: left to choose.
    expect((row(wrapper, 'hold').get('select').element as HTMLSelectElement).value).toBe('hold');
    expect((row(wrapper, 'approve').get('select').element as HTMLSelectElement).value).toBe('');
    expect(row(wrapper, 'approve').get('[data-testid="row-outcome"]').text()).toBe('not mapped');
    // The target's states, the trigger excluded.
    expect(row(wrapper, 'approve').findAll('option').map((o) => o.attributes('value'))).toEqual(['', 'sign_off', 'hold', 'done']);
    expect(router.currentRoute.value.query).toMatchObject({ from: '1', to: '2' });
    // Nothing can be applied before a preview.
    expect(button(wrapper, 'apply-button').attributes('disabled')).toBeDefined();
  });

  it('previews: the server\'s problem shows on its state; mapped, it counts the runs; confirm; apply with the count; result', async () => {
    const { calls, mountPage } = setup();
    const { wrapper } = await mountPage();
    await button(wrapper, 'preview-button').trigger('click');
    await flushPromises();
    expect(calls.find((c) => c.url.endsWith('/preview'))!.body).toEqual({ fromVersion: 1, toVersion: 2, mapping: { hold: 'hold' } });
    expect(row(wrapper, 'approve').get('[data-testid="row-outcome"]').text()).toBe('2 runs are at node "approve", which version 2 does not have: map it to a node of version 2');
    expect(row(wrapper, 'approve').classes()).toContain('has-problem');
    expect(wrapper.get('[data-testid="preview-v1"]').text()).toContain('1 problem');
    expect(wrapper.get('[data-testid="preview-v1"] [data-path="/body/mapping/approve"]').text()).toContain('which version 2 does not have');
    expect(row(wrapper, 'hold').get('[data-testid="row-outcome"]').text()).toBe('1 run moves to hold');
    expect(button(wrapper, 'apply-button').attributes('disabled')).toBeDefined();

    await row(wrapper, 'approve').get('select').setValue('sign_off');
    // The mapping changed: the old preview no longer counts.
    expect(wrapper.find('[data-testid="preview-v1"]').exists()).toBe(false);
    expect(button(wrapper, 'apply-blocked').text()).toMatch(/Preview first/);
    await button(wrapper, 'preview-button').trigger('click');
    await flushPromises();
    expect(wrapper.get('[data-testid="preview-v1"]').text()).toContain('3 runs would move from version 1 to version 2');
    expect(row(wrapper, 'approve').get('[data-testid="row-outcome"]').text()).toBe('2 runs move to sign_off');
    expect(button(wrapper, 'apply-button').text()).toBe('Move 3 runs…');

    await button(wrapper, 'apply-button').trigger('click');
    const dialog = document.body.querySelector('[role="dialog"]')!;
    expect(dialog.textContent).toContain('Move 3 runs to version 2?');
    expect(dialog.textContent).toContain('approve → sign_off');
    expect(dialog.textContent).toContain('audit log');
    expect(calls.some((c) => c.url === '/api/workflows/w1/migrations')).toBe(false);
    [...dialog.querySelectorAll('button')].find((b) => b.textContent === 'Move 3 runs')!.click();
    await flushPromises();
    await flushPromises();
    expect(calls.find((c) => c.url === '/api/workflows/w1/migrations')!.body).toEqual({ fromVersion: 1, toVersion: 2, mapping: { approve: 'sign_off', hold: 'hold' }, confirm: 3 });
    expect(wrapper.get('[data-testid="migrate-result"]').text()).toContain('3 runs moved from version 1 to version 2');
    expect(wrapper.get('[data-testid="see-runs"]').attributes('href')).toBe('/runs?workflowId=w1');
    // The counts were read again: nothing left to move.
    expect(wrapper.get('[data-testid="migrate-empty"]').text()).toContain('No run of this workflow is running');
  });

  it('shows a 400\'s details on the state they concern', async () => {
    const preview = () =>
      apiError(400, 'FD_INVALID_INPUT', 'the mapping is invalid', [{ path: '/body/mapping/hold', message: '/body/mapping/hold: node "hold" is the trigger: a run cannot be moved to it' }]);
    const { wrapper } = await setup(ADMIN, { preview }).mountPage();
    await button(wrapper, 'preview-button').trigger('click');
    await flushPromises();
    expect(row(wrapper, 'hold').get('[data-testid="row-outcome"]').text()).toBe('node "hold" is the trigger: a run cannot be moved to it');
    expect(wrapper.get('[data-testid="preview-v1"]').text()).toContain('the mapping is invalid');
    expect(button(wrapper, 'apply-button').attributes('disabled')).toBeDefined();
  });

  it('says so when no run is running on an older version', async () => {
    const { wrapper } = await setup(ADMIN, { counts: [{ version: 2, runs: 4, byState: [{ state: 'sign_off', runs: 4 }] }] }).mountPage();
    const empty = wrapper.get('[data-testid="migrate-empty"]');
    expect(empty.text()).toContain('No runs to move');
    expect(empty.text()).toContain('All 4 runs still running are on version 2');
    expect(wrapper.find('[data-testid="preview-button"]').exists()).toBe(false);
  });

  it('without workflows.publish: the counts are visible, preview and move are disabled and say why', async () => {
    const { calls, mountPage } = setup(AGENT);
    const { wrapper } = await mountPage();
    expect(wrapper.get('[data-testid="needs-publish"]').text()).toContain('workflows.publish');
    expect(row(wrapper, 'approve').get('[data-testid="state-runs"]').text()).toBe('2');
    for (const id of ['preview-button', 'apply-button']) {
      expect(button(wrapper, id).attributes('disabled')).toBeDefined();
      expect(button(wrapper, id).attributes('title')).toMatch(/workflows\.publish/);
    }
    await button(wrapper, 'preview-button').trigger('click');
    expect(calls.some((c) => c.url.endsWith('/preview'))).toBe(false);
  });
});
