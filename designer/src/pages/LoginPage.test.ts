// The login page against a mocked POST /api/auth/login: every error code has its message, the TOTP step
// appears on FD_TOTP_REQUIRED, and success goes to ?next= (same-origin only) or the workflow list.
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent } from 'vue';
import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import { ADMIN, apiError, json, mockFetch, type Answer, type FetchCall } from '../test/fetch-mock.ts';
import { clearSession, resetSession, useSession } from '../composables/useSession.ts';
import LoginPage from './LoginPage.vue';

const Stub = defineComponent({ template: '<div />' });

async function setup(path = '/login', answer: (call: FetchCall) => Answer = () => json(200, ADMIN)): Promise<{ wrapper: VueWrapper; router: Router; calls: FetchCall[] }> {
  const calls = mockFetch(answer);
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', name: 'login', component: LoginPage, meta: { public: true } },
      { path: '/workflows', component: Stub },
      { path: '/runs/:id', component: Stub },
      { path: '/forgot-password', component: Stub },
      { path: '/portal', component: Stub },
    ],
  });
  await router.push(path);
  await router.isReady();
  const wrapper = mount(LoginPage, { global: { plugins: [router] }, attachTo: document.body });
  await flushPromises();
  return { wrapper, router, calls };
}

async function fillAndSubmit(wrapper: VueWrapper, email = 'admin@example.com', password = 'flowdesk-demo'): Promise<void> {
  await wrapper.get('#login-email').setValue(email);
  await wrapper.get('#login-password').setValue(password);
  await wrapper.get('form').trigger('submit');
  await flushPromises();
}

const alertText = (wrapper: VueWrapper): string => wrapper.get('[role="alert"]').text();

let mounted: VueWrapper | null = null;
beforeEach(() => resetSession());
afterEach(() => {
  mounted?.unmount();
  mounted = null;
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('LoginPage', () => {
  it('is labelled, focuses the email field and posts the credentials; success goes to ?next=', async () => {
    const { wrapper, router, calls } = await setup('/login?next=/runs/r-1');
    mounted = wrapper;
    expect(wrapper.get('label[for="login-email"]').text()).toBe('Email');
    expect(wrapper.get('label[for="login-password"]').text()).toBe('Password');
    expect(document.activeElement?.id).toBe('login-email');
    expect(wrapper.find('#login-totp').exists()).toBe(false);

    await fillAndSubmit(wrapper, '  admin@example.com ');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ url: '/api/auth/login', method: 'POST', credentials: 'same-origin', body: { email: 'admin@example.com', password: 'flowdesk-demo' } });
    expect(router.currentRoute.value.fullPath).toBe('/runs/r-1');
    expect(useSession().user.value?.email).toBe('admin@example.com');
    expect(useSession().csrfToken.value).toBe('csrf-admin');
  });

  it('goes to the workflow list without ?next=, and ignores a next that leaves the app', async () => {
    const first = await setup('/login');
    await fillAndSubmit(first.wrapper);
    expect(first.router.currentRoute.value.fullPath).toBe('/workflows');
    first.wrapper.unmount();

    clearSession();
    const second = await setup('/login?next=//evil.example/steal');
    mounted = second.wrapper;
    await fillAndSubmit(second.wrapper);
    expect(second.router.currentRoute.value.fullPath).toBe('/workflows');
  });

  it('Enter in the password field submits the form', async () => {
    const { wrapper, calls } = await setup();
    mounted = wrapper;
    await wrapper.get('#login-email').setValue('admin@example.com');
    await wrapper.get('#login-password').setValue('flowdesk-demo');
    // A native form submits on Enter through its submit button; jsdom does not emulate the keypress,
    // so check the pieces: Enter reaches a form whose only submit button is the Sign in button.
    expect(wrapper.get('#login-password').element.closest('form')).toBe(wrapper.get('form').element);
    expect(wrapper.findAll('button[type="submit"]').map((b) => b.text())).toEqual(['Sign in']);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(calls).toHaveLength(1);
  });

  it('checks the fields before asking the server', async () => {
    const { wrapper, calls } = await setup();
    mounted = wrapper;
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(calls).toHaveLength(0);
    expect(wrapper.get('#login-email-error').text()).toBe('Enter your email address.');
    expect(wrapper.get('#login-password-error').text()).toBe('Enter your password.');
    expect(wrapper.get('#login-email').attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('#login-email').attributes('aria-describedby')).toBe('login-email-error');
    expect(document.activeElement?.id).toBe('login-email');

    await wrapper.get('#login-email').setValue('not-an-email');
    await wrapper.get('#login-password').setValue('x');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.get('#login-email-error').text()).toContain('name@example.com');
    expect(wrapper.find('#login-password-error').exists()).toBe(false);
    expect(calls).toHaveLength(0);
  });

  it('FD_INVALID_CREDENTIALS: says the credentials are wrong, clears and focuses the password', async () => {
    const { wrapper, router } = await setup('/login', () => apiError(401, 'FD_INVALID_CREDENTIALS', 'Invalid email or password'));
    mounted = wrapper;
    await fillAndSubmit(wrapper, 'admin@example.com', 'wrong');
    expect(alertText(wrapper)).toBe('The email address or password is incorrect.');
    expect((wrapper.get('#login-password').element as HTMLInputElement).value).toBe('');
    expect(document.activeElement?.id).toBe('login-password');
    expect(router.currentRoute.value.path).toBe('/login');
    expect(useSession().signedIn.value).toBe(false);
  });

  it('FD_TOTP_REQUIRED: shows the code field, sends the code, and says so when the code is wrong', async () => {
    let attempt = 0;
    const { wrapper, router, calls } = await setup('/login?next=/workflows', (call) => {
      attempt++;
      const totp = (call.body as { totp?: string }).totp;
      if (!totp || totp !== '123456') return apiError(401, 'FD_TOTP_REQUIRED', 'A second factor is required', [{ path: '/body/totp', message: 'Enter the code' }]);
      return json(200, ADMIN);
    });
    mounted = wrapper;
    await fillAndSubmit(wrapper);
    expect(wrapper.find('[data-testid="totp-step"]').exists()).toBe(true);
    expect(wrapper.get('label[for="login-totp"]').text()).toBe('Authentication code');
    expect(wrapper.get('#login-totp').attributes('autocomplete')).toBe('one-time-code');
    expect(wrapper.get('[data-testid="login-notice"]').text()).toContain('two-step verification');
    expect(alertText(wrapper)).toBe('');
    expect(document.activeElement?.id).toBe('login-totp');
    expect(wrapper.get('button[type="submit"]').text()).toBe('Verify and sign in');

    // An empty code is caught before the server.
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(calls).toHaveLength(1);
    expect(wrapper.get('#login-totp-error').text()).toContain('Enter the code');

    await wrapper.get('#login-totp').setValue('000000');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(calls[1]!.body).toEqual({ email: 'admin@example.com', password: 'flowdesk-demo', totp: '000000' });
    expect(wrapper.get('#login-totp-error').text()).toContain('That code did not work');
    expect(wrapper.get('#login-totp').attributes('aria-invalid')).toBe('true');

    await wrapper.get('#login-totp').setValue('123 456');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(calls[2]!.body).toMatchObject({ totp: '123456' });
    expect(attempt).toBe(3);
    expect(router.currentRoute.value.fullPath).toBe('/workflows');
  });

  it('"Use a different account" leaves the code step', async () => {
    const { wrapper } = await setup('/login', () => apiError(401, 'FD_TOTP_REQUIRED', 'A second factor is required'));
    mounted = wrapper;
    await fillAndSubmit(wrapper);
    expect(wrapper.get('#login-email').attributes('readonly')).toBeDefined();
    await wrapper.get('button.login-secondary').trigger('click');
    expect(wrapper.find('#login-totp').exists()).toBe(false);
    expect(wrapper.get('#login-email').attributes('readonly')).toBeUndefined();
  });

  it('FD_LOGIN_LOCKED: shows the wait from Retry-After, disables Sign in and counts down', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const { wrapper, calls } = await setup('/login', () => apiError(429, 'FD_LOGIN_LOCKED', 'Too many attempts', [], { 'retry-after': '90' }));
    mounted = wrapper;
    await fillAndSubmit(wrapper, 'admin@example.com', 'wrong');
    expect(alertText(wrapper)).toBe('Too many failed sign-in attempts. Try again in 2 minutes.');
    const submit = wrapper.get('button[type="submit"]');
    expect(submit.attributes('disabled')).toBeDefined();

    await vi.advanceTimersByTimeAsync(45_000);
    expect(alertText(wrapper)).toBe('Too many failed sign-in attempts. Try again in 45 seconds.');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(calls).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(46_000);
    expect(alertText(wrapper)).toBe('');
    expect(wrapper.get('button[type="submit"]').attributes('disabled')).toBeUndefined();
    expect(wrapper.get('[data-testid="login-notice"]').text()).toContain('try to sign in again');
  });

  it('FD_RATE_LIMITED (too many attempts from one address) waits the same way', async () => {
    const { wrapper } = await setup('/login', () => apiError(429, 'FD_RATE_LIMITED', 'too many requests', [], { 'retry-after': '30' }));
    mounted = wrapper;
    await fillAndSubmit(wrapper);
    expect(alertText(wrapper)).toBe('Too many sign-in attempts from this network. Try again in 30 seconds.');
    expect(wrapper.get('button[type="submit"]').attributes('disabled')).toBeDefined();
  });

  it('FD_INVALID_INPUT: puts each detail on its field', async () => {
    const { wrapper } = await setup('/login', () =>
      apiError(400, 'FD_INVALID_INPUT', 'The request is not valid', [
        { path: '/body/email', message: 'must match format "email"' },
        { path: '/body/password', message: 'must NOT have more than 1024 characters' },
      ]),
    );
    mounted = wrapper;
    await fillAndSubmit(wrapper, 'admin@example.com', 'x');
    expect(wrapper.get('#login-email-error').text()).toBe('must match format "email"');
    expect(wrapper.get('#login-password-error').text()).toBe('must NOT have more than 1024 characters');
    expect(alertText(wrapper)).toBe('');
    expect(document.activeElement?.id).toBe('login-email');
  });

  it('FD_INVALID_INPUT without a field detail shows the server message; network failures say the server is unreachable', async () => {
    let mode: 'input' | 'network' = 'input';
    const { wrapper } = await setup('/login', () => {
      if (mode === 'network') throw new TypeError('Failed to fetch');
      return apiError(400, 'FD_INVALID_INPUT', 'body must be an object');
    });
    mounted = wrapper;
    await fillAndSubmit(wrapper);
    expect(alertText(wrapper)).toBe('body must be an object');
    mode = 'network';
    await fillAndSubmit(wrapper);
    expect(alertText(wrapper)).toContain('could not be reached');
  });

  it('"Forgot password?" leads to the reset request; customers are pointed to the portal', async () => {
    const { wrapper, router } = await setup();
    mounted = wrapper;
    expect(wrapper.text()).not.toContain('Ask a Flowdesk administrator');
    const link = wrapper.get('[data-testid="forgot-link"]');
    expect(link.text()).toBe('Forgot password?');
    expect(link.attributes('href')).toBe('/forgot-password');
    expect(wrapper.get('a[href="/portal"]').text()).toContain('support portal');
    await link.trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.path).toBe('/forgot-password');
  });

  it('says when the password was just reset', async () => {
    const { wrapper } = await setup('/login?reset=1');
    mounted = wrapper;
    expect(wrapper.get('[data-testid="login-notice"]').text()).toBe('Your password has been changed. Sign in with the new one.');
  });

  it('says when the session ended', async () => {
    clearSession({ expired: true });
    const { wrapper } = await setup();
    mounted = wrapper;
    expect(wrapper.get('[data-testid="login-notice"]').text()).toBe('Your session has ended. Sign in again to continue.');
  });
});
