// The portal serves attachments of public messages on the customer's own tickets, as downloads; never those
// of internal notes, never another customer's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrincipal, json, startHarness, type Harness } from './api-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('portal_attachments');
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const file = (name: string, text: string) => ({ filename: name, contentType: 'text/plain', contentBase64: Buffer.from(text).toString('base64') });

describe('portal attachments', () => {
  it('downloads public ones of own tickets only', async () => {
    const mine = json(await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'Invoice', customer: { email: 'ann@example.com' }, attachments: [file('invoice.txt', 'invoice 42')] } }));
    const theirs = json(await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'Other', customer: { email: 'bob@example.com' }, attachments: [file('other.txt', 'not yours')] } }));
    const note = json(await h.app.inject({ method: 'POST', url: `/api/tickets/${mine.ticket.id}/messages`, payload: { body: 'internal', visibility: 'internal', attachments: [file('secret.txt', 'agents only')] } }));
    const ann = await createPrincipal(h.tdb.db, { role: 'customer', customerId: mine.customer.id });
    const as = { authorization: `Bearer ${ann.token}` };

    const ok = await h.app.inject({ method: 'GET', url: `/api/portal/tickets/${mine.ticket.id}/attachments/${mine.message.attachments[0].id}`, headers: as });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('invoice 42');
    expect(ok.headers['content-disposition']).toMatch(/^attachment; filename="invoice.txt"/);
    expect(ok.headers['x-content-type-options']).toBe('nosniff');

    const internal = await h.app.inject({ method: 'GET', url: `/api/portal/tickets/${mine.ticket.id}/attachments/${note.message.attachments[0].id}`, headers: as });
    expect(internal.statusCode).toBe(404);
    const other = await h.app.inject({ method: 'GET', url: `/api/portal/tickets/${theirs.ticket.id}/attachments/${theirs.message.attachments[0].id}`, headers: as });
    expect(other.statusCode).toBe(404);
    const crossed = await h.app.inject({ method: 'GET', url: `/api/portal/tickets/${mine.ticket.id}/attachments/${theirs.message.attachments[0].id}`, headers: as });
    expect(crossed.statusCode).toBe(404);
  });
});
