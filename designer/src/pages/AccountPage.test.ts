// The account page against a mocked API: the profile and permissions, API tokens (scopes limited to the
// user's permissions, the value shown once with a copy button, the list, revoke after a confirmation) and
// the TOTP second factor (setup shows a QR code, the secret and the URI; enable with a code; disable with
// the password, whose 401 is a field error, not a sign-out).
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent } from 'vue';
import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import type { ApiToken, SessionInfo } from '../api/client.ts';
import { applySession, installSession, resetSession, useSession } from '../composables/useSession.ts';
import { ADMIN, AGENT, apiError, json, mockFetch, type Answer, type FetchCall } from '../test/fetch-mock.ts';
import AccountPage from './AccountPage.vue';

const Stub = defineComponent({ template: '<div />' });
const ME: SessionInfo = { ...ADMIN, user: { ...ADMIN.user, totpEnabled: false }, permissions: [...ADMIN.permissions, 'tokens.own', 'users.manage'] };
const AGENT_ME: SessionInfo = { ...AGENT, permissions: [...AGENT.permissions, 'tokens.own'] };

const existing: ApiToken = {
  id: '11111111-1111-4111-8111-111111111111',
  name: 'CI export',
  prefix: 'fdt_abc123',
  scopes: ['workflows.read', 'runs.read'],
  expiresAt: new Date(Date.now() + 20 * 86_400_000).toISOString(),
  lastUsedAt: null,
  revokedAt: null,
  createdAt: new Date(Date.now() - 86_400_000).toISOString(),
};

type Handler = (call: FetchCall) => Answer | undefined;

async function setup(session: SessionInfo = ME, handler: Handler = () => undefined): Promise<{ wrapper: VueWrapper; router: Router; calls: FetchCall[]; uninstall: () => void }> {
  let tokens: ApiToken[] = [existing];
  const calls = mockFetch((call) => {
    const custom = handler(call);
    if (custom) return custom;
    if (call.url === '/api/tokens' && call.method === 'GET') return json(200, { apiTokens: tokens });
    if (call.url === '/api/tokens' && call.method === 'POST') {
      const body = call.body as { name: string; scopes: string[]; expiresInDays: number };
      const apiToken: ApiToken = { ...existing, id: '22222222-2222-4222-8222-222222222222', name: body.name, prefix: 'fdt_new999', scopes: body.scopes, createdAt: new Date().toISOString() };
      tokens = [apiToken, ...tokens];
      return json(201, { token: 'fdt_new999secretvalue', apiToken });
    }
    if (call.method === 'DELETE' && call.url.startsWith('/api/tokens/')) {
      tokens = tokens.map((t) => (call.url.endsWith(t.id) ? { ...t, revokedAt: new Date().toISOString() } : t));
      return json(204);
    }
    if (call.url === '/api/auth/me') return json(200, session);
    return apiError(404, 'FD_NOT_FOUND', `unexpected ${call.method} ${call.url}`);
  });
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/account', component: AccountPage }, { path: '/login', name: 'login', component: Stub, meta: { public: true } }] });
  const uninstall = installSession(router);
  applySession(session);
  await router.push('/account');
  await router.isReady();
  const wrapper = mount({ template: '<RouterView />' }, { global: { plugins: [router] }, attachTo: document.body });
  await flushPromises();
  return { wrapper, router, calls, uninstall };
}

let cleanup: (() => void) | null = null;
beforeEach(() => resetSession());
afterEach(() => {
  cleanup?.();
  cleanup = null;
  vi.unstubAllGlobals();
});

function track(ctx: { wrapper: VueWrapper; uninstall: () => void }): void {
  cleanup = () => {
    ctx.wrapper.unmount();
    ctx.uninstall();
  };
}

describe('AccountPage: profile', () => {
  it("shows name, email, role and the role's permissions", async () => {
    const ctx = await setup();
    track(ctx);
    const profile = ctx.wrapper.get('[data-testid="profile"]');
    expect(profile.text()).toContain('Ada Admin');
    expect(ctx.wrapper.get('[data-testid="profile-email"]').text()).toBe('admin@example.com');
    expect(ctx.wrapper.get('[data-testid="profile-role"]').text()).toBe('admin');
    const perms = ctx.wrapper.findAll('[data-testid="permissions"] li').map((li) => li.get('code').text());
    expect(perms).toEqual(ME.permissions);
    expect(ctx.wrapper.get('[data-testid="permissions"]').text()).toContain('Publish a workflow version');
  });
});

describe('AccountPage: API tokens', () => {
  it('lists tokens with prefix, scopes, last use and expiry', async () => {
    const ctx = await setup();
    track(ctx);
    const row = ctx.wrapper.get(`tr[data-token-id="${existing.id}"]`);
    expect(row.text()).toContain('CI export');
    expect(row.get('code').text()).toBe('fdt_abc123…');
    expect(row.findAll('.chip-list li').map((li) => li.text())).toEqual(['workflows.read', 'runs.read']);
    expect(row.text()).toContain('Never');
    expect(row.text()).toContain(new Date(existing.expiresAt!).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' }));
    expect(row.get('button').attributes('aria-label')).toBe('Revoke CI export');
  });

  it('offers only the user’s own permissions as scopes and needs a name and a scope', async () => {
    const ctx = await setup(AGENT_ME);
    track(ctx);
    const offered = ctx.wrapper.findAll('.scope-option input').map((i) => i.attributes('data-scope'));
    expect(offered).toEqual(AGENT_ME.permissions);
    expect(offered).not.toContain('workflows.publish');
    await ctx.wrapper.get('.token-form').trigger('submit');
    await flushPromises();
    expect(ctx.wrapper.get('#token-name-error').text()).toContain('Give the token a name');
    expect(ctx.wrapper.get('#token-scopes-error').text()).toBe('Tick at least one scope.');
    expect(ctx.calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  it('creates a token: the value is shown once with a warning and a copy button, and the list updates', async () => {
    const writeText = vi.fn(async () => undefined);
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } });
    const ctx = await setup();
    track(ctx);
    const w = ctx.wrapper;
    await w.get('#token-name').setValue('Nightly export');
    await w.get('input[data-scope="runs.read"]').setValue(true);
    await w.get('input[data-scope="workflows.read"]').setValue(true);
    await w.get('#token-expiry').setValue('30');
    await w.get('.token-form').trigger('submit');
    await flushPromises();
    const post = ctx.calls.find((c) => c.method === 'POST' && c.url === '/api/tokens');
    // Scopes go in the list's order, with the CSRF token.
    expect(post).toMatchObject({ body: { name: 'Nightly export', scopes: ['workflows.read', 'runs.read'], expiresInDays: 30 }, headers: { 'x-csrf-token': 'csrf-admin' } });

    const shown = w.get('[data-testid="token-created"]');
    expect((w.get('[data-testid="token-value"]').element as HTMLInputElement).value).toBe('fdt_new999secretvalue');
    expect(shown.get('[role="alert"]').text()).toContain('shown only once');
    await w.get('[data-testid="token-copy"]').trigger('click');
    await flushPromises();
    expect(writeText).toHaveBeenCalledWith('fdt_new999secretvalue');
    expect(w.get('[data-testid="token-copy-status"]').text()).toBe('Copied to the clipboard.');
    expect(w.findAll('[data-testid="token-list"] tbody tr')).toHaveLength(2);
    // The form is empty again; dismissing hides the value for good.
    expect((w.get('#token-name').element as HTMLInputElement).value).toBe('');
    await shown.get('button.btn-sm').trigger('click');
    expect(w.find('[data-testid="token-value"]').exists()).toBe(false);
    expect(w.text()).not.toContain('fdt_new999secretvalue');
  });

  it('without clipboard access the token is selected for a manual copy', async () => {
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText: async () => Promise.reject(new Error('denied')) } });
    const ctx = await setup();
    track(ctx);
    await ctx.wrapper.get('#token-name').setValue('x');
    await ctx.wrapper.get('input[data-scope="runs.read"]').setValue(true);
    await ctx.wrapper.get('.token-form').trigger('submit');
    await flushPromises();
    await ctx.wrapper.get('[data-testid="token-copy"]').trigger('click');
    await flushPromises();
    expect(ctx.wrapper.get('[data-testid="token-copy-status"]').text()).toContain('press Ctrl+C');
    expect(document.activeElement?.id).toBe('token-value');
  });

  it("shows the server's refusal of a scope", async () => {
    const ctx = await setup(ME, (c) =>
      c.method === 'POST' && c.url === '/api/tokens'
        ? apiError(400, 'FD_INVALID_INPUT', 'bad scope', [{ path: '/body/scopes/0', message: '/body/scopes/0: the admin role does not have "portal"' }])
        : undefined,
    );
    track(ctx);
    await ctx.wrapper.get('#token-name').setValue('x');
    await ctx.wrapper.get('input[data-scope="runs.read"]').setValue(true);
    await ctx.wrapper.get('.token-form').trigger('submit');
    await flushPromises();
    expect(ctx.wrapper.get('#token-scopes-error').text()).toBe('The admin role does not have "portal".');
    expect(ctx.wrapper.find('[data-testid="token-created"]').exists()).toBe(false);
  });

  it('revokes after a confirmation; Cancel keeps the token', async () => {
    const ctx = await setup();
    track(ctx);
    const w = ctx.wrapper;
    await w.get(`tr[data-token-id="${existing.id}"] button`).trigger('click');
    let dialog = w.get('[role="dialog"]');
    expect(dialog.attributes('aria-modal')).toBe('true');
    expect(dialog.text()).toContain('Revoke CI export?');
    expect(dialog.text()).toContain('fdt_abc123…');
    await flushPromises();
    expect(document.activeElement?.textContent?.trim()).toBe('Cancel');
    await dialog.findAll('button')[0]!.trigger('click');
    expect(w.find('[role="dialog"]').exists()).toBe(false);
    expect(ctx.calls.filter((c) => c.method === 'DELETE')).toHaveLength(0);

    await w.get(`tr[data-token-id="${existing.id}"] button`).trigger('click');
    dialog = w.get('[role="dialog"]');
    await dialog.findAll('button')[1]!.trigger('click');
    await flushPromises();
    expect(ctx.calls.find((c) => c.method === 'DELETE')).toMatchObject({ url: `/api/tokens/${existing.id}`, headers: { 'x-csrf-token': 'csrf-admin' } });
    expect(w.find('[role="dialog"]').exists()).toBe(false);
    const row = w.get(`tr[data-token-id="${existing.id}"]`);
    expect(row.text()).toContain('revoked');
    expect(row.find('button').exists()).toBe(false);
  });
});

describe('AccountPage: two-step verification', () => {
  it('setup shows a QR code, the secret and the otpauth URI; a code turns it on', async () => {
    const uri = 'otpauth://totp/Flowdesk:admin%40example.com?issuer=Flowdesk&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30';
    let enabled = false;
    const ctx = await setup(ME, (c) => {
      if (c.url === '/api/auth/totp/setup') return json(200, { secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', uri });
      if (c.url === '/api/auth/totp/enable') {
        if ((c.body as { code: string }).code !== '123456') return apiError(400, 'FD_INVALID_INPUT', '/body/code: is wrong or expired', [{ path: '/body/code', message: '/body/code: is wrong or expired' }]);
        enabled = true;
        return json(204);
      }
      if (c.url === '/api/auth/me') return json(200, { ...ME, user: { ...ME.user, totpEnabled: enabled } });
      return undefined;
    });
    track(ctx);
    const w = ctx.wrapper;
    expect(w.get('[data-testid="totp-state"]').text()).toBe('off');
    await w.get('[data-testid="totp-start"]').trigger('click');
    await flushPromises();
    const qr = w.get('[data-testid="totp-qr"]');
    expect(qr.attributes('src')).toMatch(/^data:image\/svg\+xml;charset=utf-8,%3Csvg/);
    expect(qr.attributes('alt')).toContain('QR code');
    expect(w.get('[data-testid="totp-secret"]').text()).toBe('JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP');
    expect(w.get('[data-testid="totp-uri"]').text()).toBe(uri);
    expect(document.activeElement?.id).toBe('totp-code');

    await w.get('#totp-code').setValue('12');
    await w.get('[data-testid="totp-setup"] form').trigger('submit');
    expect(w.get('#totp-code-error').text()).toContain('6-digit');
    await w.get('#totp-code').setValue('000000');
    await w.get('[data-testid="totp-setup"] form').trigger('submit');
    await flushPromises();
    expect(w.get('#totp-code-error').text()).toContain('That code did not work');

    await w.get('#totp-code').setValue('123 456');
    await w.get('[data-testid="totp-setup"] form').trigger('submit');
    await flushPromises();
    expect(ctx.calls.filter((c) => c.url === '/api/auth/totp/enable').at(-1)?.body).toEqual({ code: '123456' });
    expect(useSession().user.value?.totpEnabled).toBe(true);
    expect(w.get('[data-testid="totp-state"]').text()).toBe('on');
    expect(w.find('[data-testid="totp-setup"]').exists()).toBe(false);
    expect(w.find('#totp-password').exists()).toBe(true);
  });

  it('turning it off needs the password; a wrong one is a field error and keeps the session', async () => {
    const on = { ...ME, user: { ...ME.user, totpEnabled: true } };
    let enabled = true;
    const ctx = await setup(on, (c) => {
      if (c.url === '/api/auth/totp/disable') {
        if ((c.body as { password: string }).password !== 'right-password') return apiError(401, 'FD_INVALID_CREDENTIALS', 'the password is wrong', [{ path: '/body/password', message: '/body/password: is wrong' }]);
        enabled = false;
        return json(204);
      }
      if (c.url === '/api/auth/me') return json(200, { ...on, user: { ...on.user, totpEnabled: enabled } });
      return undefined;
    });
    track(ctx);
    const w = ctx.wrapper;
    expect(w.get('[data-testid="totp-state"]').text()).toBe('on');
    await w.get('#totp-password').setValue('wrong-password');
    await w.get('[data-testid="totp"] form').trigger('submit');
    await flushPromises();
    expect(w.get('#totp-password-error').text()).toBe('The password is incorrect.');
    expect(useSession().signedIn.value).toBe(true);
    expect(ctx.router.currentRoute.value.path).toBe('/account');

    await w.get('#totp-password').setValue('right-password');
    await w.get('[data-testid="totp"] form').trigger('submit');
    await flushPromises();
    expect(w.get('[data-testid="totp-state"]').text()).toBe('off');
    expect(w.find('[data-testid="totp-start"]').exists()).toBe(true);
  });
});
