// Actions the signed-in user lacks a permission for are disabled and say why; the shell shows who is signed
// in and signs out.
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { createMemoryHistory, createRouter, RouterView } from 'vue-router';
import { ADMIN, AGENT, json, mockFetch } from '../../test/fetch-mock.ts';
import { applySession, resetSession, useSession } from '../../composables/useSession.ts';
import WorkflowsPage from '../../pages/WorkflowsPage.vue';
import AppUserMenu from './AppUserMenu.vue';
import PermissionButton from './PermissionButton.vue';

const Stub = defineComponent({ template: '<div />' });
const router = () =>
  createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', component: Stub },
      { path: '/workflows', component: Stub },
      { path: '/workflows/:id', component: Stub },
      { path: '/account', component: Stub },
    ],
  });

const publishButton = (extra: Record<string, unknown> = {}) =>
  mount(
    defineComponent(() => () =>
      h(PermissionButton, { class: 'btn btn-primary', permission: 'workflows.publish', action: 'publish workflows', title: 'Publish a new immutable version', ...extra }, () => 'Publish'),
    ),
  );

beforeEach(() => resetSession());
afterEach(() => vi.unstubAllGlobals());

describe('PermissionButton', () => {
  it('is enabled with its own title when the user has the permission, and clicks through', async () => {
    applySession(ADMIN);
    const onClick = vi.fn();
    const wrapper = publishButton({ onClick });
    const button = wrapper.get('button');
    expect(button.attributes('disabled')).toBeUndefined();
    expect(button.attributes('title')).toBe('Publish a new immutable version');
    expect(button.classes()).toEqual(['btn', 'btn-primary']);
    expect(button.attributes('aria-describedby')).toBeUndefined();
    await button.trigger('click');
    expect(onClick).toHaveBeenCalledTimes(1);
  });

  it('is disabled without the permission; the tooltip and the accessible description say why', async () => {
    applySession(AGENT);
    const onClick = vi.fn();
    const wrapper = publishButton({ onClick });
    const button = wrapper.get('button');
    const reason = 'Your role (agent) cannot publish workflows: it needs the workflows.publish permission.';
    expect(button.attributes('disabled')).toBeDefined();
    expect(button.attributes('data-denied')).toBe('true');
    expect(button.attributes('title')).toBe(reason);
    const described = wrapper.get(`#${button.attributes('aria-describedby')!}`);
    expect(described.text()).toBe(reason);
    expect(described.classes()).toContain('sr-only');
    await button.trigger('click');
    expect(onClick).not.toHaveBeenCalled();
  });

  it('other reasons to disable it still apply when the permission is there', () => {
    applySession(ADMIN);
    const button = publishButton({ disabled: true, title: 'Fix the 2 errors first' }).get('button');
    expect(button.attributes('disabled')).toBeDefined();
    expect(button.attributes('title')).toBe('Fix the 2 errors first');
  });

  it('follows the session: signing in as someone else changes it', async () => {
    applySession(AGENT);
    const wrapper = publishButton();
    expect(wrapper.get('button').attributes('disabled')).toBeDefined();
    applySession(ADMIN);
    await flushPromises();
    expect(wrapper.get('button').attributes('disabled')).toBeUndefined();
  });
});

describe('permission-gated pages', () => {
  it("WorkflowsPage: 'New workflow' needs workflows.write", async () => {
    mockFetch(() => json(200, { workflows: [] }));
    for (const [who, disabled] of [[AGENT, true], [ADMIN, false]] as const) {
      applySession(who);
      const r = router();
      await r.push('/workflows');
      const wrapper = mount(WorkflowsPage, { global: { plugins: [r] } });
      await flushPromises();
      const buttons = wrapper.findAll('button').filter((b) => b.text().includes('New workflow'));
      expect(buttons).toHaveLength(2); // page header and the empty state
      for (const b of buttons) {
        expect(b.attributes('disabled') !== undefined).toBe(disabled);
        if (disabled) expect(b.attributes('title')).toContain('needs the workflows.write permission');
      }
      if (!disabled) {
        await buttons[0]!.trigger('click');
        await flushPromises();
        expect(r.currentRoute.value.fullPath).toBe('/workflows/new');
      }
      wrapper.unmount();
    }
  });
});

describe('AppUserMenu', () => {
  it('shows name, email and role, and Sign out posts the logout and goes to /login', async () => {
    const calls = mockFetch(() => json(204));
    applySession(AGENT);
    const r = router();
    await r.push('/workflows');
    const wrapper = mount(AppUserMenu, { global: { plugins: [r] } });
    expect(wrapper.text()).toContain('Alex Agent');
    expect(wrapper.text()).toContain('agent@example.com');
    expect(wrapper.get('[data-testid="user-role"]').text()).toBe('Role: agent');
    expect(wrapper.get('.user-avatar').text()).toBe('AA');
    // The name leads to the account page (profile, API tokens, two-step verification).
    const account = wrapper.get('[data-testid="account-link"]');
    expect(account.attributes('href')).toBe('/account');
    expect(account.text()).toContain('Alex Agent');
    expect(account.text()).toContain('Account & API tokens');
    await wrapper.get('button.user-signout').trigger('click');
    await flushPromises();
    expect(calls).toMatchObject([{ method: 'POST', url: '/api/auth/logout' }]);
    expect(useSession().signedIn.value).toBe(false);
    expect(r.currentRoute.value.path).toBe('/login');
  });
});

const CanvasStub = defineComponent({
  setup(_props, { expose, slots }) {
    expose({ requestFit: () => undefined, fit: async () => undefined, viewportCenter: () => ({ x: 0, y: 0 }), selectedElementIds: () => ({ nodes: [], edges: [] }), focusNode: () => undefined });
    return () => h('div', slots.default?.());
  },
});

describe('DesignerPage toolbar', () => {
  it('Save draft needs workflows.write, Publish needs workflows.publish; an agent sees why and a view-only mark', async () => {
    mockFetch(() => json(200, {}));
    const { default: DesignerPage } = await import('../../pages/DesignerPage.vue');
    for (const [who, denied] of [[AGENT, true], [ADMIN, false]] as const) {
      applySession(who);
      const r = createRouter({ history: createMemoryHistory(), routes: [{ path: '/workflows', component: Stub }, { path: '/workflows/:id', component: DesignerPage, props: true }] });
      await r.push('/workflows/new');
      // The canvas (Vue Flow needs a laid-out DOM) and the side panels are not what this test is about.
      const wrapper = mount(RouterView, { global: { plugins: [r], stubs: { DesignerCanvas: CanvasStub, DesignerPalette: true, SimulatorPanel: true } } });
      await flushPromises();
      const save = wrapper.get('button[data-permission="workflows.write"]');
      const publish = wrapper.get('button[data-permission="workflows.publish"]');
      expect(save.text()).toBe('Save draft');
      expect(publish.text()).toBe('Publish');
      if (denied) {
        expect(save.attributes('title')).toBe('Your role (agent) cannot edit workflows: it needs the workflows.write permission.');
        expect(publish.attributes('title')).toBe('Your role (agent) cannot publish workflows: it needs the workflows.publish permission.');
        expect(publish.attributes('disabled')).toBeDefined();
        expect(wrapper.find('[data-testid="view-only"]').exists()).toBe(true);
      } else {
        expect(save.attributes('data-denied')).toBeUndefined();
        expect(publish.attributes('data-denied')).toBeUndefined();
        // An empty workflow has validation errors: the button says that instead.
        expect(save.attributes('title')).toMatch(/^Fix the \d+ error/);
        expect(wrapper.find('[data-testid="view-only"]').exists()).toBe(false);
      }
      wrapper.unmount();
    }
  });
});
