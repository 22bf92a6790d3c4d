// Importing a workflow file on the workflows page: an invalid file shows every problem in a dialog and
// creates nothing; a valid one is created through POST /api/workflows (with a free key) and opened.
import { flushPromises, mount } from '@vue/test-utils';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { applySession, resetSession } from '../composables/useSession.ts';
import { ADMIN, apiError, json, mockFetch } from '../test/fetch-mock.ts';
import WorkflowsPage from './WorkflowsPage.vue';

const Stub = defineComponent({ template: '<div>designer</div>' });
const example = readFileSync(resolve(__dirname, '../../../packages/schema/examples/escalating-approval.json'), 'utf8');

async function setup() {
  const calls = mockFetch((call) => {
    if (call.url === '/api/workflows' && call.method === 'GET') {
      return json(200, { workflows: [{ id: 'w0', key: 'escalating-approval', name: 'Escalating approval', latestVersion: 1, createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() }] });
    }
    if (call.url === '/api/workflows' && call.method === 'POST') {
      const def = (call.body as { definition: WorkflowDefinition }).definition;
      return json(201, { workflow: { id: 'w-imported', key: def.key, name: def.name, latestVersion: null, createdAt: '', updatedAt: '', draft: def, versions: [] } });
    }
    return apiError(404, 'FD_NOT_FOUND', `unexpected ${call.method} ${call.url}`);
  });
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/workflows', component: WorkflowsPage }, { path: '/workflows/:id', component: Stub }, { path: '/:p(.*)*', component: Stub }] });
  applySession(ADMIN);
  await router.push('/workflows');
  await router.isReady();
  const wrapper = mount({ template: '<RouterView />' }, { global: { plugins: [router] }, attachTo: document.body });
  await flushPromises();
  return { wrapper, router, calls };
}

async function upload(wrapper: Awaited<ReturnType<typeof setup>>['wrapper'], name: string, text: string): Promise<void> {
  const input = wrapper.get('[data-testid="import-file"]');
  Object.defineProperty(input.element, 'files', { value: [new File([text], name, { type: 'application/json' })], configurable: true });
  await input.trigger('change');
  await flushPromises();
}

beforeEach(() => resetSession());
afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('import on the workflows page', () => {
  it('an invalid file lists its problems and creates nothing', async () => {
    const { wrapper, calls } = await setup();
    const broken = JSON.parse(example) as { nodes: { id: string }[]; edges: { target: string }[] };
    broken.nodes = broken.nodes.filter((n) => n.id !== 'resolved');
    await upload(wrapper, 'broken.json', JSON.stringify(broken));
    const dialog = wrapper.get('[data-testid="import-errors"]');
    expect(dialog.text()).toContain('broken.json cannot be imported');
    expect(dialog.findAll('li').length).toBeGreaterThan(0);
    expect(dialog.text()).toContain('"resolved"');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    await dialog.get('button').trigger('click');
    expect(wrapper.find('[data-testid="import-errors"]').exists()).toBe(false);
  });

  it('a file that is not JSON says so', async () => {
    const { wrapper } = await setup();
    await upload(wrapper, 'notes.json', 'hello');
    expect(wrapper.get('[data-testid="import-errors"]').text()).toContain('The file is not JSON');
  });

  it('a valid file becomes a new workflow with a free key, then opens', async () => {
    const { wrapper, router, calls } = await setup();
    await upload(wrapper, 'escalating-approval.workflow.json', example);
    const post = calls.find((c) => c.method === 'POST' && c.url === '/api/workflows')!;
    expect((post.body as { definition: WorkflowDefinition }).definition.key).toBe('escalating-approval-2');
    expect(router.currentRoute.value.fullPath).toBe('/workflows/w-imported');
  });
});
