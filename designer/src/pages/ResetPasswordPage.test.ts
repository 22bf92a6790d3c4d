// /reset-password?token=… against a mocked POST /api/auth/password-reset/confirm: the two fields are checked,
// the server's field errors land on their field, a dead token says to ask for a new link, and success goes
// to /login, which says the password changed.
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import { resetSession } from '../composables/useSession.ts';
import { apiError, mockFetch, type Answer, type FetchCall } from '../test/fetch-mock.ts';
import LoginPage from './LoginPage.vue';
import ResetPasswordPage from './ResetPasswordPage.vue';

const TOKEN = 'tok_0123456789abcdef';

async function setup(path: string, answer: (call: FetchCall) => Answer = () => ({ status: 204 })): Promise<{ wrapper: VueWrapper; router: Router; calls: FetchCall[] }> {
  const calls = mockFetch(answer);
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/reset-password', component: ResetPasswordPage },
      { path: '/login', name: 'login', component: LoginPage },
      { path: '/forgot-password', component: { template: '<div />' } },
      { path: '/portal', component: { template: '<div />' } },
    ],
  });
  await router.push(path);
  await router.isReady();
  const wrapper = mount({ template: '<RouterView />' }, { global: { plugins: [router] }, attachTo: document.body });
  await flushPromises();
  return { wrapper, router, calls };
}

async function fill(wrapper: VueWrapper, password: string, confirm = password): Promise<void> {
  await wrapper.get('#reset-password').setValue(password);
  await wrapper.get('#reset-confirm').setValue(confirm);
  await wrapper.get('form').trigger('submit');
  await flushPromises();
}

let mounted: VueWrapper | null = null;
beforeEach(() => resetSession());
afterEach(() => {
  mounted?.unmount();
  mounted = null;
  vi.unstubAllGlobals();
});

describe('ResetPasswordPage', () => {
  it('sends the token and the new password, then the login page says it changed', async () => {
    const { wrapper, router, calls } = await setup(`/reset-password?token=${TOKEN}`);
    mounted = wrapper;
    expect(wrapper.get('label[for="reset-password"]').text()).toBe('New password');
    expect(wrapper.get('label[for="reset-confirm"]').text()).toBe('Repeat the new password');
    expect(wrapper.get('#reset-password').attributes('autocomplete')).toBe('new-password');
    expect(document.activeElement?.id).toBe('reset-password');
    await fill(wrapper, 'a much better secret');
    expect(calls).toEqual([expect.objectContaining({ method: 'POST', url: '/api/auth/password-reset/confirm', body: { token: TOKEN, password: 'a much better secret' } })]);
    expect(router.currentRoute.value.fullPath).toBe('/login?reset=1');
    expect(wrapper.get('[data-testid="login-notice"]').text()).toBe('Your password has been changed. Sign in with the new one.');
  });

  it('checks length and the repetition before asking the server', async () => {
    const { wrapper, calls } = await setup(`/reset-password?token=${TOKEN}`);
    mounted = wrapper;
    await fill(wrapper, '');
    expect(wrapper.get('#reset-password-error').text()).toBe('Enter a new password.');
    await fill(wrapper, 'short');
    expect(wrapper.get('#reset-password-error').text()).toBe('The password must be at least 10 characters.');
    expect(wrapper.get('#reset-password').attributes('aria-invalid')).toBe('true');
    await fill(wrapper, 'long enough password', 'long enough passw0rd');
    expect(wrapper.find('#reset-password-error').exists()).toBe(false);
    expect(wrapper.get('#reset-confirm-error').text()).toBe('The two passwords are not the same.');
    expect(document.activeElement?.id).toBe('reset-confirm');
    expect(calls).toHaveLength(0);
  });

  it("shows the server's /body/password error on the field, and keeps the form", async () => {
    const { wrapper, router } = await setup(`/reset-password?token=${TOKEN}`, () =>
      apiError(400, 'FD_INVALID_INPUT', '/body/password: must not be the email address', [{ path: '/body/password', message: '/body/password: must not be the email address' }]),
    );
    mounted = wrapper;
    await fill(wrapper, 'me@example.com');
    expect(wrapper.get('#reset-password-error').text()).toBe('The password must not be the email address.');
    expect(wrapper.get('#reset-password').attributes('aria-describedby')).toBe('reset-password-error');
    expect(document.activeElement?.id).toBe('reset-password');
    expect(router.currentRoute.value.path).toBe('/reset-password');
  });

  it('a used or expired token says so and offers a new link', async () => {
    const { wrapper } = await setup(`/reset-password?token=${TOKEN}`, () =>
      apiError(400, 'FD_INVALID_INPUT', '/body/token: is unknown, already used or expired', [{ path: '/body/token', message: '/body/token: is unknown, already used or expired' }]),
    );
    mounted = wrapper;
    await fill(wrapper, 'a much better secret');
    expect(wrapper.get('[data-testid="reset-link-dead"]').text()).toContain('already used or has expired');
    expect(wrapper.get('a[href="/forgot-password"]').text()).toBe('Request a new link');
    expect(wrapper.find('form').exists()).toBe(false);
  });

  it('without a token there is no form, only the way to a new link', async () => {
    const { wrapper, calls } = await setup('/reset-password');
    mounted = wrapper;
    expect(wrapper.get('[data-testid="reset-link-dead"]').text()).toContain('has no token');
    expect(wrapper.find('form').exists()).toBe(false);
    expect(calls).toHaveLength(0);
  });

  it('network failures and rate limits are said in the alert', async () => {
    const { wrapper } = await setup(`/reset-password?token=${TOKEN}`, () => {
      throw new TypeError('Failed to fetch');
    });
    mounted = wrapper;
    await fill(wrapper, 'a much better secret');
    expect(wrapper.get('[data-testid="reset-error"]').text()).toContain('could not be reached');
  });
});
