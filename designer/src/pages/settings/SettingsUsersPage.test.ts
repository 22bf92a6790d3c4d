// Settings → Users against a mocked API: the list (role, teams through the linked agent, status, second
// factor, last sign-in; portal customers hidden until asked), adding a user (the body sent, the server's
// field errors at their field, the success toast and the refreshed list; without a password, the invitation
// mail), a role change and deactivation
// behind a confirmation, reactivation, the admin's own row locked, and a load failure with a retry.
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionInfo } from '../../api/client.ts';
import type { AdminUser, Agent, Team } from '../../api/settings.ts';
import { applySession, resetSession } from '../../composables/useSession.ts';
import { useToasts } from '../../composables/useToasts.ts';
import { ADMIN, apiError, json, mockFetch, type Answer, type FetchCall } from '../../test/fetch-mock.ts';
import SettingsUsersPage from './SettingsUsersPage.vue';

const ME: SessionInfo = { ...ADMIN, permissions: [...ADMIN.permissions, 'users.manage', 'directory.read'] };
const base = { organisationId: 'org-1', customerId: null, totpEnabled: false, disabled: false, locked: false, createdAt: '2026-01-01T00:00:00.000Z' };
const agentRow: Agent = { id: 'a-1', name: 'Sam Support', email: 'sam@example.com', skills: ['billing'], capacity: 5, active: true, calendarId: null, teamIds: ['t-1', 't-2'], createdAt: base.createdAt };
const teamRows: Team[] = [
  { id: 't-1', name: 'Billing', agentIds: ['a-1'], createdAt: base.createdAt },
  { id: 't-2', name: 'Returns', agentIds: ['a-1'], createdAt: base.createdAt },
];

function initialUsers(): AdminUser[] {
  return [
    { ...base, id: 'u-admin', email: 'admin@example.com', name: 'Ada Admin', role: 'admin', agentId: null, totpEnabled: true, lastLoginAt: new Date(Date.now() - 5 * 60_000).toISOString() },
    { ...base, id: 'u-sam', email: 'sam@example.com', name: 'Sam Support', role: 'agent', agentId: 'a-1', lastLoginAt: null },
    { ...base, id: 'u-old', email: 'old@example.com', name: null, role: 'manager', agentId: null, disabled: true, lastLoginAt: null },
    { ...base, id: 'u-cust', email: 'iris@example.com', name: 'Iris', role: 'customer', agentId: null, customerId: 'c-1', lastLoginAt: null },
  ];
}

type Handler = (call: FetchCall) => Answer | undefined;
let wrapper: VueWrapper | null = null;

async function setup(handler: Handler = () => undefined): Promise<{ w: VueWrapper; calls: FetchCall[]; users: () => AdminUser[] }> {
  let users = initialUsers();
  const calls = mockFetch((call) => {
    const custom = handler(call);
    if (custom) return custom;
    if (call.url === '/api/users' && call.method === 'GET') return json(200, { users });
    if (call.url === '/api/agents') return json(200, { agents: [agentRow] });
    if (call.url === '/api/teams') return json(200, { teams: teamRows });
    if (call.url === '/api/users' && call.method === 'POST') {
      const b = call.body as { email: string; role: AdminUser['role']; name?: string };
      const created: AdminUser = { ...base, id: 'u-new', email: b.email, name: b.name ?? null, role: b.role, agentId: null, lastLoginAt: null };
      users = [...users, created];
      return json(201, { user: created });
    }
    if (call.method === 'POST' && /^\/api\/users\/[\w-]+\/invite$/.test(call.url)) {
      const id = call.url.split('/')[3];
      return json(202, { sentTo: users.find((u) => u.id === id)!.email, expiresAt: new Date(Date.now() + 72 * 3600_000).toISOString() });
    }
    if (call.method === 'PATCH' && call.url.startsWith('/api/users/')) {
      const id = call.url.slice('/api/users/'.length);
      users = users.map((u) => (u.id === id ? { ...u, ...(call.body as object) } : u));
      return json(200, { user: users.find((u) => u.id === id) });
    }
    return apiError(404, 'FD_NOT_FOUND', `unexpected ${call.method} ${call.url}`);
  });
  applySession(ME);
  wrapper = mount(SettingsUsersPage, { attachTo: document.body });
  await flushPromises();
  return { w: wrapper, calls, users: () => users };
}

const row = (w: VueWrapper, email: string) => w.get(`tr[data-user="${email}"]`);
const toasts = useToasts().toasts;

beforeEach(() => {
  resetSession();
  toasts.splice(0);
});
afterEach(() => {
  wrapper?.unmount();
  wrapper = null;
  document.body.innerHTML = '';
  vi.unstubAllGlobals();
});

describe('SettingsUsersPage: the list', () => {
  it('shows role, teams, status, second factor and last sign-in; customers only on request', async () => {
    const { w } = await setup();
    expect(w.findAll('tbody tr').map((r) => r.attributes('data-user'))).toEqual(['admin@example.com', 'sam@example.com', 'old@example.com']);

    const sam = row(w, 'sam@example.com');
    expect(sam.text()).toContain('Sam Support');
    expect((sam.get('select').element as HTMLSelectElement).value).toBe('agent');
    expect(sam.findAll('.chip-list li').map((li) => li.text())).toEqual(['Billing', 'Returns']);
    expect(sam.get('[data-testid="user-status"]').text()).toBe('Active');
    expect(sam.get('[data-testid="user-totp"]').text()).toBe('Two-step off');
    expect(sam.text()).toContain('Never');

    const admin = row(w, 'admin@example.com');
    expect(admin.text()).toContain('(you)');
    expect(admin.get('[data-testid="user-totp"]').text()).toBe('Two-step on');
    expect(admin.text()).toContain('5 min ago');
    expect(row(w, 'old@example.com').get('[data-testid="user-status"]').text()).toBe('Deactivated');

    await w.get('input[type="checkbox"]').setValue(true);
    const iris = row(w, 'iris@example.com');
    expect(iris.get('.role-chip').text()).toBe('customer');
    expect(iris.find('select').exists()).toBe(false);

    await w.get('#user-search').setValue('nobody');
    expect(w.get('[data-testid="users-empty"]').text()).toContain('No user matches');
  });

  it('locks the admin’s own role and deactivation (the server refuses them)', async () => {
    const { w } = await setup();
    const admin = row(w, 'admin@example.com');
    expect(admin.get('select').attributes('disabled')).toBeDefined();
    expect(admin.get('[data-testid="user-deactivate"]').attributes('disabled')).toBeDefined();
    expect(admin.get('[data-testid="user-deactivate"]').attributes('title')).toContain('cannot deactivate yourself');
  });

  it('says why the list could not be loaded and tries again', async () => {
    let fail = true;
    const { w, calls } = await setup((call) => (call.url === '/api/users' && fail ? apiError(500, 'FD_INTERNAL', 'Something went wrong on the server') : undefined));
    expect(w.get('[role="alert"]').text()).toContain('Could not load the users: Something went wrong on the server');
    fail = false;
    await w.get('[role="alert"] button').trigger('click');
    await flushPromises();
    expect(w.findAll('tbody tr')).toHaveLength(3);
    expect(calls.filter((c) => c.url === '/api/users')).toHaveLength(2);
  });
});

describe('SettingsUsersPage: adding a user', () => {
  it('sends the form, shows the server’s field errors at their field, then adds the user', async () => {
    let attempt = 0;
    const { w, calls } = await setup((call) => {
      if (call.url === '/api/users' && call.method === 'POST' && attempt++ === 0) {
        return apiError(409, 'FD_CONFLICT', '/body/email: a user with ann@example.com already exists', [{ path: '/body/email', message: '/body/email: is already taken' }]);
      }
      return undefined;
    });
    await w.get('[data-testid="user-add"]').trigger('click');
    expect(document.activeElement?.id).toBe('user-email');

    // The email is required before anything is sent.
    await w.get('[data-testid="user-form"]').trigger('submit');
    expect(w.get('#user-email-error').text()).toContain('Enter the email address');
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    await w.get('#user-email').setValue('ann@example.com');
    await w.get('#user-name').setValue('Ann Lee');
    await w.get('#user-role').setValue('agent');
    await w.get('#user-agent').setValue('');
    await w.get('[data-testid="user-form"]').trigger('submit');
    await flushPromises();
    expect(w.get('#user-email-error').text()).toBe('The email address is already taken.');
    expect(w.get('#user-email').attributes('aria-invalid')).toBe('true');
    expect(w.find('[data-testid="user-form-error"]').exists()).toBe(false);

    await w.get('#user-email').setValue('ann.lee@example.com');
    await w.get('#user-password').setValue('correct horse battery');
    await w.get('[data-testid="user-form"]').trigger('submit');
    await flushPromises();
    const posts = calls.filter((c) => c.method === 'POST');
    expect(posts[1]).toMatchObject({ url: '/api/users', headers: { 'x-csrf-token': 'csrf-admin' }, body: { email: 'ann.lee@example.com', name: 'Ann Lee', role: 'agent', password: 'correct horse battery' } });
    expect(w.find('[data-testid="user-form"]').exists()).toBe(false);
    expect(row(w, 'ann.lee@example.com').text()).toContain('Ann Lee');
    expect(toasts.at(-1)).toMatchObject({ kind: 'success', title: 'Added ann.lee@example.com as agent', detail: 'They can sign in with the password you set.' });
  });

  it('without a password, invites the new user by mail (and can invite again from the list)', async () => {
    const { w, calls } = await setup();
    await w.get('[data-testid="user-add"]').trigger('click');
    await w.get('#user-email').setValue('cleo@example.com');
    await w.get('#user-role').setValue('manager');
    expect((w.get('[data-testid="user-invite"]').element as HTMLInputElement).checked).toBe(true);
    await w.get('[data-testid="user-form"]').trigger('submit');
    await flushPromises();
    const posts = calls.filter((c) => c.method === 'POST');
    expect(posts.map((c) => c.url)).toEqual(['/api/users', '/api/users/u-new/invite']);
    expect(posts[0]!.body).toEqual({ email: 'cleo@example.com', role: 'manager' });
    expect(toasts.at(-1)).toMatchObject({ kind: 'success', title: 'Added cleo@example.com as manager', detail: 'Invitation sent to cleo@example.com: the link to choose a password works for 72 hours.' });

    // Who never signed in can be sent the link again; the admin's own row and deactivated accounts cannot.
    expect(row(w, 'admin@example.com').find('[data-testid="user-invite-send"]').exists()).toBe(false);
    expect(row(w, 'old@example.com').find('[data-testid="user-invite-send"]').exists()).toBe(false);
    await row(w, 'cleo@example.com').get('[data-testid="user-invite-send"]').trigger('click');
    await flushPromises();
    expect(calls.filter((c) => c.url === '/api/users/u-new/invite')).toHaveLength(2);
    expect(toasts.at(-1)).toMatchObject({ kind: 'success', title: 'Invitation sent to cleo@example.com' });
  });

  it('does not invite when asked not to', async () => {
    const { w, calls } = await setup();
    await w.get('[data-testid="user-add"]').trigger('click');
    await w.get('#user-email').setValue('dan@example.com');
    await w.get('[data-testid="user-invite"]').setValue(false);
    await w.get('[data-testid="user-form"]').trigger('submit');
    await flushPromises();
    expect(calls.filter((c) => c.method === 'POST').map((c) => c.url)).toEqual(['/api/users']);
    expect(toasts.at(-1)!.detail).toContain('Forgot password?');
  });

  it('shows a weak password at the password field', async () => {
    const { w } = await setup((call) =>
      call.method === 'POST' ? apiError(400, 'FD_INVALID_INPUT', '/body/password: must be at least 10 characters', [{ path: '/body/password', message: '/body/password: must be at least 10 characters' }]) : undefined,
    );
    await w.get('[data-testid="user-add"]').trigger('click');
    await w.get('#user-email').setValue('bo@example.com');
    await w.get('#user-password').setValue('short');
    await w.get('[data-testid="user-form"]').trigger('submit');
    await flushPromises();
    expect(w.get('#user-password-error').text()).toBe('The password must be at least 10 characters.');
  });
});

describe('SettingsUsersPage: changing a user', () => {
  it('changes a role after a confirmation that says sessions end', async () => {
    const { w, calls } = await setup();
    const select = row(w, 'sam@example.com').get('select');
    await select.setValue('manager');
    // Nothing is sent and the select still shows the current role until confirmed.
    expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(0);
    expect((select.element as HTMLSelectElement).value).toBe('agent');
    const dialog = w.get('[role="dialog"]');
    expect(dialog.text()).toContain('Make Sam Support a manager?');
    expect(dialog.text()).toContain('open sessions end now');
    await dialog.findAll('button').at(-1)!.trigger('click');
    await flushPromises();
    expect(calls.find((c) => c.method === 'PATCH')).toMatchObject({ url: '/api/users/u-sam', body: { role: 'manager' } });
    expect((row(w, 'sam@example.com').get('select').element as HTMLSelectElement).value).toBe('manager');
    expect(w.find('[role="dialog"]').exists()).toBe(false);
    expect(toasts.at(-1)).toMatchObject({ kind: 'success', title: 'sam@example.com is now a manager.' });
  });

  it('keeps the dialog open with the server’s reason when the change is refused', async () => {
    const { w } = await setup((call) => (call.method === 'PATCH' ? apiError(403, 'FD_FORBIDDEN', 'this needs the users.manage permission') : undefined));
    await row(w, 'sam@example.com').get('[data-testid="user-deactivate"]').trigger('click');
    const dialog = w.get('[role="dialog"]');
    await dialog.findAll('button').at(-1)!.trigger('click');
    await flushPromises();
    expect(w.get('[role="dialog"] [role="alert"]').text()).toBe('this needs the users.manage permission');
    expect(row(w, 'sam@example.com').get('[data-testid="user-status"]').text()).toBe('Active');
  });

  it('deactivates after a confirmation and reactivates', async () => {
    const { w, calls } = await setup();
    await row(w, 'sam@example.com').get('[data-testid="user-deactivate"]').trigger('click');
    const dialog = w.get('[role="dialog"]');
    expect(dialog.text()).toContain('Deactivate Sam Support?');
    expect(document.activeElement?.textContent).toBe('Cancel');
    await dialog.findAll('button').at(-1)!.trigger('click');
    await flushPromises();
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([{ disabled: true }]);
    expect(row(w, 'sam@example.com').get('[data-testid="user-status"]').text()).toBe('Deactivated');

    await row(w, 'sam@example.com').get('[data-testid="user-reactivate"]').trigger('click');
    await flushPromises();
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([{ disabled: true }, { disabled: false }]);
    expect(row(w, 'sam@example.com').get('[data-testid="user-status"]').text()).toBe('Active');
  });
});
