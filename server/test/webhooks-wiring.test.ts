// The ticketing service emits outbound webhook events in the transaction of the change: creating a ticket,
// adding a message and updating a ticket through the API each reach a subscribed endpoint.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startHarness, type Harness } from './api-harness.ts';
import { waitFor } from './wait-for.ts';

let h: Harness;
let receiver: Server;
const received: { event: string; ticketId?: string }[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const payload = JSON.parse(body) as { event: string; ticket?: { id: string }; data?: { ticket?: { id: string } } };
      received.push({ event: payload.event, ticketId: payload.ticket?.id ?? payload.data?.ticket?.id });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  h = await startHarness('webhooks_wiring', { workers: true });
  const port = (receiver.address() as { port: number }).port;
  const endpoint = await h.app.inject({
    method: 'POST',
    url: '/api/webhook-endpoints',
    payload: { url: `http://127.0.0.1:${port}/events`, kind: 'generic', events: ['ticket.created', 'message.created', 'ticket.updated'] },
  });
  expect(endpoint.statusCode, endpoint.body).toBe(201);
}, 60_000);

afterAll(async () => {
  await h?.close();
  await new Promise((r) => receiver.close(r));
});

describe('outbound webhook events from the ticketing flow', () => {
  it('ticket.created, message.created and ticket.updated reach the endpoint', async () => {
    const created = await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'Order 1042 never arrived', customer: { email: 'ana@example.com' } } });
    expect(created.statusCode, created.body).toBe(201);
    const ticketId = json(created).ticket.id as string;
    await waitFor('ticket.created', async () => received.some((r) => r.event === 'ticket.created'));

    const reply = await h.app.inject({ method: 'POST', url: `/api/tickets/${ticketId}/messages`, payload: { visibility: 'public', authorType: 'agent', body: 'On its way.' } });
    expect(reply.statusCode, reply.body).toBe(201);
    await waitFor('message.created', async () => received.some((r) => r.event === 'message.created'));

    const patched = await h.app.inject({ method: 'PATCH', url: `/api/tickets/${ticketId}`, payload: { priority: 'high' } });
    expect(patched.statusCode, patched.body).toBe(200);
    await waitFor('ticket.updated', async () => received.some((r) => r.event === 'ticket.updated'));
  });
});
