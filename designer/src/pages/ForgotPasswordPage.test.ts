// "Forgot password?" against a mocked POST /api/auth/password-reset: the address is checked first, the
// confirmation is neutral (the server answers 202 for any address), and the server's errors are shown.
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineComponent } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import { apiError, json, mockFetch, type Answer, type FetchCall } from '../test/fetch-mock.ts';
import ForgotPasswordPage from './ForgotPasswordPage.vue';

const Stub = defineComponent({ template: '<div />' });

async function setup(answer: (call: FetchCall) => Answer = () => json(202, { accepted: true })) {
  const calls = mockFetch(answer);
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/forgot-password', component: ForgotPasswordPage }, { path: '/login', component: Stub }] });
  await router.push('/forgot-password');
  await router.isReady();
  const wrapper = mount(ForgotPasswordPage, { global: { plugins: [router] }, attachTo: document.body });
  await flushPromises();
  return { wrapper, calls };
}

let mounted: VueWrapper | null = null;
afterEach(() => {
  mounted?.unmount();
  mounted = null;
  vi.unstubAllGlobals();
});

describe('ForgotPasswordPage', () => {
  it('posts the address and confirms without saying whether it has an account', async () => {
    const { wrapper, calls } = await setup();
    mounted = wrapper;
    expect(wrapper.get('h1').text()).toBe('Reset your password');
    expect(document.activeElement?.id).toBe('forgot-email');
    await wrapper.get('#forgot-email').setValue('  someone@example.com ');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(calls).toEqual([expect.objectContaining({ method: 'POST', url: '/api/auth/password-reset', body: { email: 'someone@example.com' } })]);
    const sent = wrapper.get('[data-testid="forgot-sent"]');
    expect(sent.text()).toContain('If someone@example.com belongs to a Flowdesk account');
    expect(sent.attributes('role')).toBe('status');
    expect(wrapper.get('h1').text()).toBe('Check your email');
    expect(document.activeElement?.tagName).toBe('H1');
    expect(wrapper.find('form').exists()).toBe(false);
    expect(wrapper.get('a[href="/login"]').text()).toBe('Back to sign in');

    await wrapper.get('button.login-secondary').trigger('click');
    await flushPromises();
    expect(wrapper.find('#forgot-email').exists()).toBe(true);
  });

  it('checks the address before asking the server', async () => {
    const { wrapper, calls } = await setup();
    mounted = wrapper;
    await wrapper.get('form').trigger('submit');
    expect(wrapper.get('#forgot-email-error').text()).toBe('Enter your email address.');
    await wrapper.get('#forgot-email').setValue('nope');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.get('#forgot-email-error').text()).toContain('name@example.com');
    expect(wrapper.get('#forgot-email').attributes('aria-invalid')).toBe('true');
    expect(wrapper.get('#forgot-email').attributes('aria-describedby')).toBe('forgot-email-error');
    expect(calls).toHaveLength(0);
  });

  it("shows the server's field error, and a wait on 429", async () => {
    let mode: 'invalid' | 'limited' = 'invalid';
    const { wrapper } = await setup(() =>
      mode === 'invalid'
        ? apiError(400, 'FD_INVALID_INPUT', 'bad', [{ path: '/body/email', message: '/body/email: must match format "email"' }])
        : apiError(429, 'FD_RATE_LIMITED', 'too many requests', [], { 'retry-after': '40' }),
    );
    mounted = wrapper;
    await wrapper.get('#forgot-email').setValue('a@b');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('#forgot-email-error').text()).toBe('The email address must match format "email".');
    mode = 'limited';
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('[data-testid="forgot-error"]').text()).toBe('Too many attempts. Try again in 40 seconds.');
    expect(wrapper.find('[data-testid="forgot-sent"]').exists()).toBe(false);
  });
});
