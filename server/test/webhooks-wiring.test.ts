// The ticketing service emits outbound webhook events in the transaction of the change: creating a ticket,
// adding a message and updating a ticket through the API each reach a subscribed endpoint.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { json, publishViaApi, startHarness, type Harness } from './api-harness.ts';
import { waitFor } from './wait-for.ts';

let h: Harness;
let receiver: Server;
const received: { event: string; ticketId?: string; changed?: string[]; text?: string }[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const payload = JSON.parse(body) as { event: string; ticket?: { id: string }; changed?: string[]; data?: { ticket?: { id: string }; changed?: string[]; text?: string } };
      received.push({ event: payload.event, ticketId: payload.ticket?.id ?? payload.data?.ticket?.id, changed: payload.changed ?? payload.data?.changed, text: payload.data?.text });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  h = await startHarness('webhooks_wiring', { workers: true });
  const port = (receiver.address() as { port: number }).port;
  const endpoint = await h.app.inject({
    method: 'POST',
    url: '/api/webhook-endpoints',
    payload: { url: `http://127.0.0.1:${port}/events`, kind: 'generic', events: ['ticket.created', 'message.created', 'ticket.updated', 'workflow.notification'] },
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

const onTag = (tag: string) => ({ event: 'ticket.created', conditions: { all: [{ fact: 'ticket', path: '$.tags', operator: 'contains', value: tag }] } });
const workflow = (key: string, nodes: unknown[], edges: unknown[]) => ({ schemaVersion: 1, key, name: key, nodes, edges }) as unknown as WorkflowDefinition;

describe('what workflows do to a ticket', () => {
  it('is announced like an agent’s change (webhooks, ticket events to the ticket’s other runs), and notify steps reach chat/webhook endpoints', async () => {
    await publishViaApi(
      h.app,
      workflow(
        'waits-for-priority',
        [
          { id: 'start', kind: 'trigger', position: { x: 0, y: 0 }, params: onTag('wf-act') },
          { id: 'wait', kind: 'wait', position: { x: 0, y: 100 }, params: { resumeOn: ['priority.changed'] } },
          { id: 'done', kind: 'end', position: { x: 0, y: 200 }, params: { status: 'resolved' } },
        ],
        [
          { id: 'e1', source: 'start', target: 'wait', outcome: 'next' },
          { id: 'e2', source: 'wait', target: 'done', outcome: 'resumed' },
        ],
      ),
    );
    await publishViaApi(
      h.app,
      workflow(
        'acts-on-ticket',
        [
          { id: 'start', kind: 'trigger', position: { x: 0, y: 0 }, params: onTag('wf-act') },
          { id: 'act', kind: 'action', position: { x: 0, y: 100 }, params: { steps: [{ type: 'reply', body: 'We are on it.' }, { type: 'setFields', fields: { priority: 'urgent' } }, { type: 'notify', message: 'Escalated #{{ticket.number}} ({{ticket.priority}})' }] } },
          { id: 'wait', kind: 'wait', position: { x: 0, y: 200 }, params: { resumeOn: ['customer.replied'] } },
          { id: 'done', kind: 'end', position: { x: 0, y: 300 }, params: { status: 'resolved' } },
        ],
        [
          { id: 'e1', source: 'start', target: 'act', outcome: 'next' },
          { id: 'e2', source: 'act', target: 'wait', outcome: 'done' },
          { id: 'e3', source: 'wait', target: 'done', outcome: 'resumed' },
        ],
      ),
    );
    const created = json(await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'Acted on by a workflow', tags: ['wf-act'] } }));
    const ticketId = created.ticket.id as string;
    expect(created.runs).toHaveLength(2);
    await waitFor('the workflow reply and change as webhooks', async () =>
      received.some((r) => r.ticketId === ticketId && r.event === 'message.created') && received.some((r) => r.ticketId === ticketId && r.event === 'ticket.updated' && (r.changed ?? []).includes('priority')),
    );
    const number = created.ticket.number;
    await waitFor('the notify step as workflow.notification', async () => received.some((r) => r.ticketId === ticketId && r.event === 'workflow.notification' && r.text === `Escalated #${number} (urgent)`));
    const waiter = created.runs.find((r: { workflowKey: string }) => r.workflowKey === 'waits-for-priority');
    await waitFor('the other run resumed by priority.changed', async () => json(await h.app.inject({ method: 'GET', url: `/api/runs/${waiter.id}` })).run.status === 'completed');
    // The acting run itself was not sent its own change: it still waits for the customer.
    const actor = created.runs.find((r: { workflowKey: string }) => r.workflowKey === 'acts-on-ticket');
    expect(json(await h.app.inject({ method: 'GET', url: `/api/runs/${actor.id}` })).run.currentNode.id).toBe('wait');
  });
});
