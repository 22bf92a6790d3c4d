// The versions page against a mocked API: the versions with their notes, the draft's state against the live
// version, the comparison of the two newest versions in words, and Roll back behind a confirmation that
// says running runs stay on their version (POST /rollback, then version 3 in the list).
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { WorkflowDefinition } from '@flowdesk/schema';
import type { SessionInfo } from '../api/client.ts';
import type { VersionSummary } from '../api/client.ts';
import { applySession, resetSession } from '../composables/useSession.ts';
import { ADMIN, AGENT, apiError, json, mockFetch } from '../test/fetch-mock.ts';
import VersionsPage from './VersionsPage.vue';

const Stub = defineComponent({ template: '<div />' });
const CanvasStub = defineComponent({
  props: ['definition', 'diff', 'flowId', 'readonly'],
  setup: () => ({ requestFit: () => undefined, focusNode: () => undefined }),
  template: '<div class="canvas-stub"><span v-for="n in definition.nodes" :key="n.id" :data-diff="diff?.nodeStatus.get(n.id)">{{ n.id }}</span></div>',
});

const v1: WorkflowDefinition = {
  schemaVersion: 1, key: 'refunds', name: 'Refunds',
  nodes: [
    { id: 'start', kind: 'trigger', position: { x: 0, y: 0 }, params: { event: 'ticket.created' } },
    { id: 'approve', kind: 'approval', position: { x: 0, y: 100 }, params: { title: 'Approve', approvers: [{ type: 'role', role: 'manager' }], required: 1 } },
    { id: 'done', kind: 'end', position: { x: 0, y: 200 }, params: { status: 'resolved' } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'approve', outcome: 'next' },
    { id: 'e2', source: 'approve', target: 'done', outcome: 'approved' },
    { id: 'e3', source: 'approve', target: 'done', outcome: 'rejected' },
  ],
};
const v2: WorkflowDefinition = JSON.parse(JSON.stringify(v1)) as WorkflowDefinition;
(v2.nodes[1]!.params as { required: number }).required = 2;

function setup(session: SessionInfo = ADMIN) {
  let versions: VersionSummary[] = [
    { id: 'id1', version: 1, note: 'First', publishedAt: new Date().toISOString() },
    { id: 'id2', version: 2, note: 'Two approvers', publishedAt: new Date().toISOString() },
  ];
  const defs: Record<number, WorkflowDefinition> = { 1: v1, 2: v2 };
  const calls = mockFetch((call) => {
    if (call.url === '/api/workflows/w1' && call.method === 'GET') {
      return json(200, { workflow: { id: 'w1', key: 'refunds', name: 'Refunds', latestVersion: versions.length, createdAt: '', updatedAt: '', draft: defs[versions.length], versions } });
    }
    const m = /^\/api\/workflows\/w1\/versions\/(\d+)$/.exec(call.url);
    if (m) return json(200, { version: { ...versions[Number(m[1]) - 1], workflowId: 'w1', key: 'refunds', definition: defs[Number(m[1])] } });
    if (call.url === '/api/workflows/w1/rollback' && call.method === 'POST') {
      const { version } = call.body as { version: number };
      defs[3] = defs[version]!;
      versions = [...versions, { id: 'id3', version: 3, note: `Rollback to version ${version}`, publishedAt: new Date().toISOString() }];
      return json(201, { version: versions[2] });
    }
    return apiError(404, 'FD_NOT_FOUND', `unexpected ${call.method} ${call.url}`);
  });
  return { calls, mountPage: async () => {
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/workflows/:id/versions', component: VersionsPage, props: true }, { path: '/:p(.*)*', component: Stub }] });
    applySession(session);
    await router.push('/workflows/w1/versions');
    await router.isReady();
    const wrapper = mount({ template: '<RouterView />' }, { global: { plugins: [router], stubs: { DesignerCanvas: CanvasStub } }, attachTo: document.body });
    await flushPromises();
    return { wrapper, router };
  } };
}

beforeEach(() => resetSession());
afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('VersionsPage', () => {
  it('lists the versions, the draft state, and compares the two newest in words and on the canvas', async () => {
    const { wrapper, router } = await setup().mountPage();
    const items = wrapper.findAll('[data-testid="version-list"] li');
    expect(items.map((i) => i.attributes('data-version'))).toEqual(['2', '1']);
    expect(items[0]!.text()).toContain('Two approvers');
    expect(items[0]!.text()).toContain('live');
    expect(wrapper.get('[data-testid="draft-state"]').text()).toContain('Same as the live version 2');
    expect(wrapper.get('[data-testid="change-list"]').text()).toContain('node approve');
    expect(wrapper.get('[data-testid="change-list"]').text()).toContain('params.required 1 → 2');
    expect(wrapper.get('.canvas-stub [data-diff="changed"]').text()).toBe('approve');
    expect(router.currentRoute.value.query).toMatchObject({ from: '1', to: '2' });
    // The way to move running runs: the header, and each older version.
    expect(wrapper.get('[data-testid="move-runs"]').attributes('href')).toBe('/workflows/w1/migrate');
    expect(items[1]!.find('a[aria-label="Move the running runs of version 1 to version 2"]').attributes('href')).toBe('/workflows/w1/migrate?from=1&to=2');
  });

  it('rolls back after a confirmation that says running runs stay on their version', async () => {
    const { calls, mountPage } = setup();
    const { wrapper } = await mountPage();
    const button = wrapper.findAll('button').find((b) => b.text() === 'Roll back to v1')!;
    await button.trigger('click');
    const dialog = document.body.querySelector('[role="dialog"]')!;
    expect(dialog.textContent).toContain('Roll back to version 1?');
    expect(dialog.textContent).toContain('as version 3');
    expect(dialog.querySelector('[data-testid="rollback-runs-note"]')!.textContent).toContain('Running runs stay on their version');
    const note = dialog.querySelector<HTMLInputElement>('input[aria-label="Rollback note"]')!;
    note.value = 'Back to one approver';
    note.dispatchEvent(new Event('input'));
    [...dialog.querySelectorAll('button')].find((b) => b.textContent === 'Roll back to v1')!.click();
    await flushPromises();
    const post = calls.find((c) => c.url === '/api/workflows/w1/rollback')!;
    expect(post.body).toEqual({ version: 1, note: 'Back to one approver' });
    expect(wrapper.findAll('[data-testid="version-list"] li').map((i) => i.attributes('data-version'))).toEqual(['3', '2', '1']);
    // The comparison now shows the rollback: version 2 → version 3 undoes the change.
    expect(wrapper.get('[data-testid="change-list"]').text()).toContain('params.required 2 → 1');
  });

  it('without workflows.publish Roll back is disabled and says why', async () => {
    const { wrapper } = await setup(AGENT).mountPage();
    const button = wrapper.findAll('button').find((b) => b.text() === 'Roll back to v1')!;
    expect(button.attributes('disabled')).toBeDefined();
    expect(button.attributes('title')).toMatch(/workflows\.publish/);
  });
});
