// The conversation of a ticket: customer messages, replies, internal notes and workflow messages look
// different and say what they are in text; authors are named (customer, agent by id, "Workflow"); bodies
// are text, never HTML; attachments are download links to the ticket's attachment route.
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import type { Customer, Message } from '../../composables/useTicketApi.ts';
import TicketThread from './TicketThread.vue';

const TICKET = '22222222-2222-4222-8222-222222222222';
const AGENT_ID = '44444444-4444-4444-8444-444444444444';
const customer: Customer = {
  id: '55555555-5555-4555-8555-555555555555',
  name: 'Iris Customer',
  language: 'en',
  mergedInto: null,
  identities: [{ id: 'i1', kind: 'email', value: 'iris@example.com', verified: true, createdAt: '' }],
  createdAt: '',
  updatedAt: '',
};
const base = { authorCustomerId: null, authorAgentId: null, channel: 'email', bodyHtml: null, attachments: [], createdAt: '2026-11-25T10:00:00.000Z' };
const messages: Message[] = [
  {
    ...base,
    id: 'm1',
    visibility: 'public',
    authorType: 'customer',
    authorCustomerId: customer.id,
    bodyText: 'My parcel arrived <b>broken</b>.\nPhotos attached.',
    attachments: [{ id: '66666666-6666-4666-8666-666666666666', filename: 'parcel.jpg', contentType: 'image/jpeg', sizeBytes: 245_760, sha256: 'x', createdAt: '' }],
  },
  { ...base, id: 'm2', visibility: 'internal', authorType: 'agent', authorAgentId: AGENT_ID, channel: 'api', bodyText: 'Checked the courier log: damaged in transit.' },
  { ...base, id: 'm3', visibility: 'public', authorType: 'agent', authorAgentId: AGENT_ID, channel: 'api', bodyText: 'Sorry about that, a refund is on its way.' },
  { ...base, id: 'm4', visibility: 'public', authorType: 'system', channel: 'api', bodyText: 'We received your request.' },
];

function render(agentNames: Record<string, string> = { [AGENT_ID]: 'Alex Agent' }) {
  return mount(TicketThread, { props: { ticketId: TICKET, messages, customer, agentNames } });
}

describe('TicketThread', () => {
  it('renders each kind of message distinctly and names it in text', () => {
    const w = render();
    const items = w.findAll('li.msg');
    expect(items.map((i) => i.attributes('data-kind'))).toEqual(['customer', 'note', 'reply', 'system']);
    const head = (i: number) => [items[i]!.find('.msg-author').text(), items[i]!.find('.msg-label').text()];
    expect(head(0)).toEqual(['Iris Customer', 'via Email']);
    expect(head(1)).toEqual(['Alex Agent', 'Internal note']);
    expect(head(2)).toEqual(['Alex Agent', 'Reply']);
    expect(head(3)).toEqual(['Workflow', 'Automatic reply']);
    expect(items[1]!.classes()).toContain('msg-note');
    expect(items[1]!.find('.msg-label-note').exists()).toBe(true);
    expect(w.find('ol').attributes('aria-label')).toBe('Conversation');
  });

  it('shows bodies as text, never as HTML', () => {
    const w = render();
    const body = w.find('[data-message-id="m1"] .msg-body');
    expect(body.text()).toContain('My parcel arrived <b>broken</b>.');
    expect(body.find('b').exists()).toBe(false);
  });

  it('links attachments to the download route with their size', () => {
    const w = render();
    const link = w.find('[data-message-id="m1"] .msg-files a');
    expect(link.attributes('href')).toBe(`/api/tickets/${TICKET}/attachments/66666666-6666-4666-8666-666666666666`);
    expect(link.attributes('download')).toBeDefined();
    expect(link.text()).toBe('parcel.jpg');
    expect(w.find('[data-message-id="m1"] .msg-files').text()).toContain('240 KB');
    expect(w.find('[data-message-id="m2"] .msg-files').exists()).toBe(false);
  });

  it('falls back to "Agent" for an agent it cannot name, and to the identity for a nameless customer', () => {
    const w = mount(TicketThread, { props: { ticketId: TICKET, messages, customer: { ...customer, name: null } } });
    expect(w.find('[data-message-id="m1"] .msg-author').text()).toBe('iris@example.com');
    expect(w.find('[data-message-id="m3"] .msg-author').text()).toBe('Agent');
  });
});
