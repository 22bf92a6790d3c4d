// "New request" against a mocked POST /api/portal/tickets: both fields are needed, the request is sent
// with the CSRF token, and the new request's page opens; the server's field errors land on their field.
import { flushPromises } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resetSession } from '../../composables/useSession.ts';
import { apiError, CUSTOMER, json } from '../../test/fetch-mock.ts';
import { mountPortal, type PortalHarness } from './portal-test-setup.ts';

const created = { id: 't-7', number: '1050', subject: 'Invoice address', status: 'open', priority: 'normal', channel: 'portal', createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() };

let h: PortalHarness | null = null;
beforeEach(() => resetSession());
afterEach(() => {
  h?.unmount();
  h = null;
  vi.unstubAllGlobals();
});

describe('PortalNewRequestPage', () => {
  it('needs a subject and a description, then opens the new request', async () => {
    h = await mountPortal('/portal/new', (c) => {
      if (c.url === '/api/auth/me') return json(200, CUSTOMER);
      if (c.method === 'POST') return json(201, { ticket: created });
      return json(200, { ticket: created, messages: [{ id: 'm-1', from: 'you', body: 'Please change it.', createdAt: created.createdAt, attachments: [] }] });
    });
    const w = h.wrapper;
    expect(w.get('h1').text()).toBe('New request');
    expect(document.activeElement?.id).toBe('portal-subject');
    await w.get('form').trigger('submit');
    expect(w.get('#portal-subject-error').text()).toContain('subject');
    expect(w.get('#portal-body-error').text()).toContain('Describe');
    expect(h.calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    await w.get('#portal-subject').setValue('Invoice address');
    await w.get('#portal-body').setValue('Please change it.');
    await w.get('form').trigger('submit');
    await flushPromises();
    expect(h.calls.find((c) => c.method === 'POST')).toMatchObject({ url: '/api/portal/tickets', body: { subject: 'Invoice address', body: 'Please change it.' }, headers: { 'x-csrf-token': 'csrf-customer' } });
    expect(h.router.currentRoute.value.fullPath).toBe('/portal/tickets/t-7');
    expect(w.get('[data-testid="portal-ticket-subject"]').text()).toBe('Invoice address');
  });

  it("puts the server's field errors on their fields", async () => {
    h = await mountPortal('/portal/new', (c) =>
      c.url === '/api/auth/me' ? json(200, CUSTOMER) : apiError(400, 'FD_INVALID_INPUT', 'bad', [{ path: '/body/subject', message: '/body/subject: must NOT have more than 500 characters' }]),
    );
    await h.wrapper.get('#portal-subject').setValue('x');
    await h.wrapper.get('#portal-body').setValue('y');
    await h.wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(h.wrapper.get('#portal-subject-error').text()).toBe('The subject must NOT have more than 500 characters.');
    expect(h.wrapper.get('#portal-subject').attributes('aria-invalid')).toBe('true');
    expect(h.router.currentRoute.value.fullPath).toBe('/portal/new');
  });
});
