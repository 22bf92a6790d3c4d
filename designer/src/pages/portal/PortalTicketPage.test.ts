// A portal request against a mocked API: subject, status, the public conversation as you/support bubbles,
// a reply that is posted and shows up, and "not found" for a request that is not the customer's.
import { flushPromises } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PortalMessage, PortalTicket } from '../../api/client.ts';
import { resetSession } from '../../composables/useSession.ts';
import { apiError, CUSTOMER, json } from '../../test/fetch-mock.ts';
import { mountPortal, type PortalHarness } from './portal-test-setup.ts';

const TICKET: PortalTicket = { id: 't-1', number: '1042', subject: 'Charged twice for order 1042', status: 'waiting_customer', priority: 'normal', channel: 'web_form', createdAt: '2026-03-02T09:15:00.000Z', updatedAt: '2026-03-02T11:00:00.000Z' };
const MESSAGES: PortalMessage[] = [
  { id: 'm-1', from: 'you', body: 'I was charged twice.\nPlease refund one.', createdAt: '2026-03-02T09:15:00.000Z', attachments: [{ id: 'a-1', filename: 'statement.pdf', contentType: 'application/pdf', sizeBytes: 48_000 }] },
  { id: 'm-2', from: 'support', body: 'Sorry about that! Which card was it?', createdAt: '2026-03-02T11:00:00.000Z', attachments: [] },
];

let h: PortalHarness | null = null;
beforeEach(() => resetSession());
afterEach(() => {
  h?.unmount();
  h = null;
  vi.unstubAllGlobals();
});

describe('PortalTicketPage', () => {
  it('shows the subject, status and the conversation, yours and support’s apart', async () => {
    h = await mountPortal('/portal/tickets/t-1', (c) => (c.url === '/api/auth/me' ? json(200, CUSTOMER) : json(200, { ticket: TICKET, messages: MESSAGES })));
    const w = h.wrapper;
    expect(h.calls.at(-1)).toMatchObject({ method: 'GET', url: '/api/portal/tickets/t-1' });
    expect(w.get('[data-testid="portal-ticket-subject"]').text()).toBe('Charged twice for order 1042');
    expect(w.get('[data-testid="portal-ticket-status"]').text()).toBe('Status: Waiting for your reply');
    const rows = w.findAll('[data-testid="conversation"] > li');
    expect(rows.map((r) => r.attributes('data-from'))).toEqual(['you', 'support']);
    expect(rows[0]!.classes()).toContain('from-you');
    expect(rows[0]!.get('.bubble-head strong').text()).toBe('You');
    expect(rows[0]!.get('.bubble-body').text()).toBe('I was charged twice.\nPlease refund one.');
    expect(rows[0]!.text()).toContain('statement.pdf');
    expect(rows[0]!.text()).toContain('47 KB');
    expect(rows[1]!.get('.bubble-head strong').text()).toBe('Support');
    expect(rows[1]!.get('article').attributes('aria-label')).toMatch(/^Support, /);
    expect(w.get('label[for="portal-reply"]').text()).toBe('Your reply');
  });

  it('posts a reply, clears the box and shows it in the conversation', async () => {
    let messages = [...MESSAGES];
    h = await mountPortal('/portal/tickets/t-1', (c) => {
      if (c.url === '/api/auth/me') return json(200, CUSTOMER);
      if (c.method === 'POST' && c.url === '/api/portal/tickets/t-1/replies') {
        messages = [...messages, { id: 'm-3', from: 'you', body: (c.body as { body: string }).body, createdAt: new Date().toISOString(), attachments: [] }];
        return json(201, { ticket: { ...TICKET, status: 'open' } });
      }
      return json(200, { ticket: messages.length > 2 ? { ...TICKET, status: 'open' } : TICKET, messages });
    });
    const w = h.wrapper;
    await w.get('form.portal-reply').trigger('submit');
    expect(w.get('#portal-reply-error').text()).toBe('Write your reply first.');
    expect(h.calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    await w.get('#portal-reply').setValue('  The Visa ending 4242.  ');
    await w.get('form.portal-reply').trigger('submit');
    await flushPromises();
    expect(h.calls.find((c) => c.method === 'POST')).toMatchObject({ url: '/api/portal/tickets/t-1/replies', body: { body: 'The Visa ending 4242.' }, headers: { 'x-csrf-token': 'csrf-customer' } });
    expect((w.get('#portal-reply').element as HTMLTextAreaElement).value).toBe('');
    expect(w.get('[data-testid="portal-reply-status"]').text()).toBe('Your reply was sent.');
    const last = w.findAll('[data-testid="conversation"] > li').at(-1)!;
    expect(last.attributes('data-from')).toBe('you');
    expect(last.text()).toContain('The Visa ending 4242.');
    expect(w.get('[data-testid="portal-ticket-status"]').text()).toContain('Open');
  });

  it('a request that is not the customer’s is "not found"', async () => {
    h = await mountPortal('/portal/tickets/t-9', (c) => (c.url === '/api/auth/me' ? json(200, CUSTOMER) : apiError(404, 'FD_NOT_FOUND', 'ticket t-9 not found')));
    expect(h.wrapper.get('[data-testid="portal-not-found"]').text()).toContain('Request not found');
    expect(h.wrapper.find('form').exists()).toBe(false);
  });

  it('a server error while loading offers to try again', async () => {
    let fail = true;
    h = await mountPortal('/portal/tickets/t-1', (c) => {
      if (c.url === '/api/auth/me') return json(200, CUSTOMER);
      return fail ? apiError(500, 'FD_INTERNAL', 'boom') : json(200, { ticket: TICKET, messages: MESSAGES });
    });
    const alert = h.wrapper.get('[role="alert"]');
    expect(alert.text()).toContain('could not be loaded: boom');
    fail = false;
    await alert.get('button').trigger('click');
    await flushPromises();
    expect(h.wrapper.findAll('[data-testid="conversation"] > li')).toHaveLength(2);
  });
});
