// The templates gallery against a mocked API: every bundled template is listed with its industry, summary
// and kinds, the preview follows the selection, and "Use this template" creates a workflow with a key no
// other workflow has, then opens it. Without workflows.write the button is disabled and says why.
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { WorkflowDefinition } from '@flowdesk/schema';
import type { SessionInfo } from '../api/client.ts';
import { workflowTemplates } from '../composables/templates.ts';
import { applySession, resetSession } from '../composables/useSession.ts';
import { ADMIN, AGENT, apiError, json, mockFetch } from '../test/fetch-mock.ts';
import TemplatesPage from './TemplatesPage.vue';

const Stub = defineComponent({ template: '<div>designer</div>' });
const CanvasStub = defineComponent({ props: ['definition', 'flowId', 'readonly'], template: '<div class="canvas-stub" :data-key="definition.key">{{ definition.nodes.length }} nodes</div>' });

async function setup(session: SessionInfo = ADMIN) {
  const calls = mockFetch((call) => {
    if (call.url === '/api/workflows' && call.method === 'GET') {
      return json(200, { workflows: [{ id: 'w0', key: 'it-incident-sla', name: 'Taken', latestVersion: null, createdAt: '', updatedAt: '' }] });
    }
    if (call.url === '/api/workflows' && call.method === 'POST') {
      const def = (call.body as { definition: WorkflowDefinition }).definition;
      return json(201, { workflow: { id: 'w-new', key: def.key, name: def.name, latestVersion: null, createdAt: '', updatedAt: '', draft: def, versions: [] } });
    }
    return apiError(404, 'FD_NOT_FOUND', `unexpected ${call.method} ${call.url}`);
  });
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/templates', component: TemplatesPage }, { path: '/workflows/:id', component: Stub }] });
  applySession(session);
  await router.push('/templates');
  await router.isReady();
  const wrapper = mount({ template: '<RouterView />' }, { global: { plugins: [router], stubs: { DesignerCanvas: CanvasStub } }, attachTo: document.body });
  await flushPromises();
  return { wrapper, router, calls };
}

beforeEach(() => resetSession());
afterEach(() => {
  vi.unstubAllGlobals();
  document.body.innerHTML = '';
});

describe('TemplatesPage', () => {
  it('lists every template with its industry, summary and node kinds', async () => {
    const { wrapper } = await setup();
    const cards = wrapper.findAll('.template-card');
    expect(cards).toHaveLength(workflowTemplates.length);
    expect(cards.length).toBeGreaterThanOrEqual(4);
    const text = wrapper.get('[data-testid="template-list"]').text();
    for (const industry of ['E-commerce', 'IT services', 'Finance and insurance', 'Manufacturing and logistics']) expect(text).toContain(industry);
    expect(cards[0]!.text()).toContain('Trigger');
    expect(cards[0]!.find('svg.template-thumb').exists()).toBe(true);
  });

  it('previews the selected template', async () => {
    const { wrapper, router } = await setup();
    expect(wrapper.get('.template-card').attributes('aria-pressed')).toBe('true');
    const card = wrapper.get('[data-template="logistics-delivery-exception"]');
    await card.trigger('click');
    await flushPromises();
    expect(card.attributes('aria-pressed')).toBe('true');
    const preview = wrapper.get('[data-testid="template-preview"]');
    expect(preview.text()).toContain('Delivery exception');
    expect(preview.get('.canvas-stub').attributes('data-key')).toBe('logistics-delivery-exception');
    expect(router.currentRoute.value.query.t).toBe('logistics-delivery-exception');
  });

  it('"Use this template" creates a workflow with a unique key and opens it', async () => {
    const { wrapper, router, calls } = await setup();
    await wrapper.get('[data-template="it-incident-sla"]').trigger('click');
    await wrapper.get('[data-testid="template-preview"] button').trigger('click');
    await flushPromises();
    const post = calls.find((c) => c.method === 'POST' && c.url === '/api/workflows')!;
    const def = (post.body as { definition: WorkflowDefinition }).definition;
    expect(def.key).toBe('it-incident-sla-2'); // it-incident-sla is taken
    expect(def.nodes).toEqual(workflowTemplates.find((t) => t.id === 'it-incident-sla')!.definition.nodes);
    expect(post.headers['x-csrf-token']).toBe('csrf-admin');
    expect(router.currentRoute.value.fullPath).toBe('/workflows/w-new');
  });

  it('without workflows.write the button is disabled and names the permission', async () => {
    const { wrapper } = await setup(AGENT);
    const button = wrapper.get('[data-testid="template-preview"] button');
    expect(button.attributes('disabled')).toBeDefined();
    expect(button.attributes('title')).toMatch(/workflows\.write/);
  });
});
