// The portal's front door against a mocked API: the email form and its neutral "check your mail", the
// magic-link token traded for a session, "My requests", the staff note, customers kept out of the designer,
// and a 401 that sends the customer back to the portal sign-in.
import { flushPromises } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PortalTicket } from '../../api/client.ts';
import { resetSession, useSession } from '../../composables/useSession.ts';
import { ADMIN, apiError, CUSTOMER, json } from '../../test/fetch-mock.ts';
import { mountPortal, type PortalHarness } from './portal-test-setup.ts';

const TICKETS: PortalTicket[] = [
  { id: 't-1', number: '1042', subject: 'Charged twice for order 1042', status: 'waiting_customer', priority: 'normal', channel: 'web_form', createdAt: new Date(Date.now() - 7200_000).toISOString(), updatedAt: new Date(Date.now() - 600_000).toISOString() },
  { id: 't-2', number: '1040', subject: 'Where is my parcel?', status: 'resolved', priority: 'normal', channel: 'email', createdAt: new Date(Date.now() - 86_400_000 * 3).toISOString(), updatedAt: new Date(Date.now() - 86_400_000 * 2).toISOString() },
];
const signedOut = () => apiError(401, 'FD_UNAUTHENTICATED', 'sign in first');

let h: PortalHarness | null = null;
beforeEach(() => resetSession());
afterEach(() => {
  h?.unmount();
  h = null;
  vi.unstubAllGlobals();
});

describe('portal sign-in', () => {
  it('asks for an email address and confirms neutrally', async () => {
    h = await mountPortal('/portal', (c) => (c.url === '/api/auth/me' ? signedOut() : json(202, { accepted: true })));
    const w = h.wrapper;
    expect(w.get('h1').text()).toBe('Your support requests');
    expect(w.get('label[for="portal-email"]').text()).toBe('Email');
    expect(document.activeElement?.id).toBe('portal-email');
    expect(w.find('.portal-nav').exists()).toBe(false);
    expect(w.find('.shell-nav').exists()).toBe(false);

    await w.get('form').trigger('submit');
    expect(w.get('#portal-email-error').text()).toBe('Enter your email address.');
    await w.get('#portal-email').setValue('iris@example.com');
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(h.calls.at(-1)).toMatchObject({ method: 'POST', url: '/api/portal/magic-link', body: { email: 'iris@example.com' } });
    expect(w.get('h1').text()).toBe('Check your mail');
    expect(w.get('[data-testid="portal-check-mail"]').text()).toContain('If we have requests from iris@example.com');
    expect(document.activeElement?.tagName).toBe('H1');
  });

  it('a rate limit is explained', async () => {
    h = await mountPortal('/portal', (c) => (c.url === '/api/auth/me' ? signedOut() : apiError(429, 'FD_RATE_LIMITED', 'too many', [], { 'retry-after': '120' })));
    await h.wrapper.get('#portal-email').setValue('iris@example.com');
    await h.wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(h.wrapper.get('[data-testid="portal-signin-error"]').text()).toBe('Too many attempts. Try again in 2 minutes.');
  });

  it('?token= is traded for a session, the token leaves the address, and the requests show', async () => {
    let signedIn = false;
    h = await mountPortal('/portal?token=magic-token-123', (c) => {
      if (c.url === '/api/auth/me') return signedIn ? json(200, CUSTOMER) : signedOut();
      if (c.url === '/api/portal/session') {
        signedIn = true;
        return json(200, CUSTOMER);
      }
      if (c.url.startsWith('/api/portal/tickets')) return json(200, { tickets: TICKETS, nextCursor: null });
      return apiError(404, 'FD_NOT_FOUND', c.url);
    });
    await flushPromises();
    expect(h.calls.find((c) => c.url === '/api/portal/session')).toMatchObject({ method: 'POST', body: { token: 'magic-token-123' } });
    expect(h.router.currentRoute.value.fullPath).toBe('/portal');
    expect(useSession().user.value?.role).toBe('customer');
    const w = h.wrapper;
    expect(w.get('h1').text()).toBe('My requests');
    expect(w.get('[data-testid="portal-user"]').text()).toBe('iris@example.com');
    const items = w.findAll('.portal-item');
    expect(items).toHaveLength(2);
    expect(items[0]!.text()).toContain('Charged twice for order 1042');
    expect(items[0]!.text()).toContain('Waiting for your reply');
    expect(items[0]!.text()).toContain('Updated 10 min ago');
    expect(items[0]!.get('a').attributes('href')).toBe('/portal/tickets/t-1');
    expect(items[1]!.text()).toContain('Resolved');
    expect(w.find('a[href="/portal/new"]').exists()).toBe(true);
  });

  it('a used or expired link says so and shows the email form', async () => {
    h = await mountPortal('/portal?token=old-token-123', (c) =>
      c.url === '/api/auth/me' ? signedOut() : apiError(400, 'FD_INVALID_INPUT', '/body/token: is unknown, already used or expired', [{ path: '/body/token', message: '/body/token: is unknown, already used or expired' }]),
    );
    await flushPromises();
    expect(h.wrapper.get('[data-testid="portal-link-error"]').text()).toContain('already used or has expired');
    expect(h.wrapper.find('#portal-email').exists()).toBe(true);
    expect(h.router.currentRoute.value.fullPath).toBe('/portal');
  });

  it('no requests yet: an empty state with the way to a new one', async () => {
    h = await mountPortal('/portal', (c) => (c.url === '/api/auth/me' ? json(200, CUSTOMER) : json(200, { tickets: [], nextCursor: null })));
    expect(h.wrapper.get('[data-testid="portal-no-requests"]').text()).toContain('No requests yet');
  });

  it('Sign out ends the session and shows the sign-in again', async () => {
    h = await mountPortal('/portal', (c) => {
      if (c.url === '/api/auth/me') return json(200, CUSTOMER);
      if (c.url === '/api/auth/logout') return json(204);
      return json(200, { tickets: TICKETS, nextCursor: null });
    });
    await h.wrapper.get('.portal-user button').trigger('click');
    await flushPromises();
    expect(h.calls.at(-1)).toMatchObject({ method: 'POST', url: '/api/auth/logout', headers: { 'x-csrf-token': 'csrf-customer' } });
    expect(h.wrapper.get('[data-testid="portal-notice"]').text()).toBe('You have signed out.');
    expect(h.wrapper.find('#portal-email').exists()).toBe(true);
  });
});

describe('portal and designer routes', () => {
  it('staff who open the portal see a note linking to the designer', async () => {
    h = await mountPortal('/portal', (c) => (c.url === '/api/auth/me' ? json(200, ADMIN) : apiError(403, 'FD_FORBIDDEN', 'no')));
    const note = h.wrapper.get('[data-testid="portal-staff-note"]');
    expect(note.text()).toContain('This is the customer portal');
    expect(note.text()).toContain('admin@example.com');
    expect(note.get('a').attributes('href')).toBe('/workflows');
    expect(h.calls.some((c) => c.url.startsWith('/api/portal/'))).toBe(false);
  });

  it('customers who open a designer route, or the login page, are sent to the portal', async () => {
    h = await mountPortal('/workflows', (c) => (c.url === '/api/auth/me' ? json(200, CUSTOMER) : json(200, { tickets: [], nextCursor: null })));
    expect(h.router.currentRoute.value.fullPath).toBe('/portal');
    await h.router.push('/login');
    expect(h.router.currentRoute.value.fullPath).toBe('/portal');
  });

  it('a ticket page without a session goes to the portal sign-in, not the designer login', async () => {
    h = await mountPortal('/portal/tickets/t-1', (c) => (c.url === '/api/auth/me' ? signedOut() : json(200, {})));
    expect(h.router.currentRoute.value.fullPath).toBe('/portal');
    expect(h.wrapper.find('#portal-email').exists()).toBe(true);
  });

  it('a 401 mid-session sends the customer back to the portal sign-in, saying the session ended', async () => {
    let alive = true;
    h = await mountPortal('/portal', (c) => {
      if (c.url === '/api/auth/me') return json(200, CUSTOMER);
      if (!alive) return signedOut();
      if (c.url === '/api/portal/tickets?limit=100') return json(200, { tickets: TICKETS, nextCursor: null });
      return json(200, { ticket: TICKETS[0], messages: [] });
    });
    await h.router.push('/portal/tickets/t-1');
    await flushPromises();
    alive = false;
    await h.wrapper.get('#portal-reply').setValue('Still there?');
    await h.wrapper.get('form.portal-reply').trigger('submit');
    await flushPromises();
    expect(h.router.currentRoute.value.fullPath).toBe('/portal');
    expect(useSession().signedIn.value).toBe(false);
    expect(h.wrapper.get('[data-testid="portal-notice"]').text()).toContain('Your session has ended');
  });
});
