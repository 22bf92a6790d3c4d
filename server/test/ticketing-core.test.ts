// The ticketing core over HTTP against a real Postgres, pg-boss and workers: customers and identities
// (resolve, merge), custom-field validation, attachments, list/cursor, search, KB, macros, and workflows
// that act on tickets (reply/assign/setStatus) and resume on customer.replied.
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ORGANISATION_ID } from '../src/db/tables/ticketing.ts';
import { buildAdminApp, json, publishViaApi, startHarness, type Harness } from './api-harness.ts';
import { waitFor } from './wait-for.ts';

let h: Harness;
let app: FastifyInstance;

beforeAll(async () => {
  h = await startHarness('ticketing_core', { workers: true });
  // The harness app keeps the default public limit (10/min); this one lifts it for the bulk of the tests.
  app = await buildAdminApp(h, { webForm: { rateLimitMax: 10_000 } });
  await app.ready();
}, 60_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
});

export async function ticketingCounts(db: Harness['tdb']['db']): Promise<Record<string, number>> {
  const { rows } = await sql<{ name: string; count: string }>`
    select 'tickets' as name, count(*)::text as count from tickets
    union all select 'messages', count(*)::text from messages
    union all select 'attachments', count(*)::text from attachments
    union all select 'customers', count(*)::text from customers
    union all select 'customer_identities', count(*)::text from customer_identities
    union all select 'runs', count(*)::text from runs
    union all select 'pgboss.job', count(*)::text from pgboss.job`.execute(db);
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.count)]));
}

const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });
const get = (url: string) => app.inject({ method: 'GET', url });

describe('customers: one person across channels', () => {
  it('the portal form and the API with email+phone end as one customer after a merge, with all tickets and history', async () => {
    const viaForm = await post('/api/public/tickets', { name: 'Ana Lima', email: 'Ana.Lima@Example.com', subject: 'Cannot log in', body: 'Password reset mail never arrives' });
    expect(viaForm.statusCode, viaForm.body).toBe(201);
    const formTicket = await get(`/api/tickets/${json(viaForm).ticket.id}`);
    const anaId = json(formTicket).customer.id as string;
    expect(json(formTicket).customer.identities).toMatchObject([{ kind: 'email', value: 'ana.lima@example.com' }]);
    expect(json(formTicket).ticket.channel).toBe('web_form');

    // By phone, through the API: nobody knows this number yet, so a second customer appears.
    const viaPhone = await post('/api/tickets', { subject: 'Called about login', body: 'Call summary', channel: 'phone', customer: { phone: '+44 20 7946 0958', name: 'A. Lima' } });
    expect(viaPhone.statusCode, viaPhone.body).toBe(201);
    const phoneCustomerId = json(viaPhone).customer.id as string;
    expect(phoneCustomerId).not.toBe(anaId);
    expect(json(viaPhone).customer.identities).toMatchObject([{ kind: 'phone', value: '+442079460958' }]);

    // Adding the phone to Ana is refused: another customer owns it. Merge instead.
    const clash = await post(`/api/customers/${anaId}/identities`, { kind: 'phone', value: '+442079460958' });
    expect(clash.statusCode).toBe(409);
    expect(json(clash).error.details[0].path).toBe('/body/value');

    expect((await post(`/api/customers/${anaId}/merge`, { mergedId: anaId })).statusCode).toBe(400);
    const merged = await post(`/api/customers/${anaId}/merge`, { mergedId: phoneCustomerId });
    expect(merged.statusCode, merged.body).toBe(200);
    expect(json(merged).moved).toEqual({ identities: 1, tickets: 1, messages: 1 });
    expect(json(merged).merged.mergedInto).toBe(anaId);
    expect((await post(`/api/customers/${anaId}/merge`, { mergedId: phoneCustomerId })).statusCode).toBe(409);

    const ana = json(await get(`/api/customers/${anaId}`));
    expect(ana.customer.identities.map((i: { kind: string }) => i.kind).sort()).toEqual(['email', 'phone']);
    expect(ana.tickets).toHaveLength(2);
    // The merged customer is still readable, and the thread keeps its messages (authorship moved).
    expect(json(await get(`/api/customers/${phoneCustomerId}`)).customer.mergedInto).toBe(anaId);
    const phoneThread = json(await get(`/api/tickets/${json(viaPhone).ticket.id}`));
    expect(phoneThread.messages[0]).toMatchObject({ authorType: 'customer', authorCustomerId: anaId, bodyText: 'Call summary' });

    // Any of her identities, in any spelling, now resolves to Ana.
    const both = await post('/api/tickets', { subject: 'Again', customer: { email: 'ANA.LIMA@example.com', phone: '+442079460958' } });
    expect(json(both).customer.id).toBe(anaId);
    // The run's ticket facts carry the customer (kept by triggers through the merge).
    const row = await h.tdb.db.selectFrom('tickets').select('customer_facts').where('id', '=', json(viaPhone).ticket.id).executeTakeFirstOrThrow();
    expect(row.customer_facts).toMatchObject({ id: anaId, name: 'Ana Lima', identities: ['email', 'phone'] });
  });

  it('resolves concurrent first contacts from the same new address to one customer', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => post('/api/customers', { email: 'race@example.com', name: 'Racer' })));
    const ids = new Set(results.map((r) => json(r).customer.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    const count = await h.tdb.db.selectFrom('customer_identities').select(sql<string>`count(*)`.as('n')).where('value', '=', 'race@example.com').executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
  });

  it('names the bad identity field', async () => {
    const before = await ticketingCounts(h.tdb.db);
    const res = await post('/api/tickets', { subject: 'x', customer: { email: 'not-an-email', phone: '+1 555' } });
    expect(res.statusCode).toBe(400);
    expect(json(res).error.details[0].path).toBe('/body/customer/email');
    const phone = await post('/api/customers', { phone: '+1 555' });
    expect(json(phone).error.details[0].path).toBe('/body/phone');
    expect(await ticketingCounts(h.tdb.db)).toEqual(before);
  });
});

describe('custom fields', () => {
  it('validates fields against the organisation schema, with pointers, and writes nothing', async () => {
    await h.tdb.db
      .updateTable('organisations')
      .set({
        ticket_fields_schema: JSON.stringify({
          type: 'object',
          properties: { orderId: { type: 'integer', minimum: 1 }, plan: { enum: ['free', 'pro'] } },
          required: ['plan'],
          additionalProperties: false,
        }),
      })
      .where('id', '=', DEFAULT_ORGANISATION_ID)
      .execute();
    try {
      const before = await ticketingCounts(h.tdb.db);
      const res = await post('/api/tickets', { subject: 'Refund', customer: { email: 'fields@example.com' }, fields: { orderId: 'A-1', plan: 'gold', colour: 'red' } });
      expect(res.statusCode).toBe(400);
      const paths = json(res).error.details.map((d: { path: string }) => d.path).sort();
      expect(paths).toEqual(['/body/fields/colour', '/body/fields/orderId', '/body/fields/plan']);
      const missing = await post('/api/tickets', { subject: 'Refund', fields: {} });
      expect(json(missing).error.details[0].path).toBe('/body/fields/plan');
      expect(await ticketingCounts(h.tdb.db)).toEqual(before);

      const form = json(await get('/api/public/form')).schema;
      expect(form.properties.fields.properties.plan).toEqual({ enum: ['free', 'pro'] });

      const ok = await post('/api/tickets', { subject: 'Refund', fields: { orderId: 7, plan: 'pro' } });
      expect(ok.statusCode, ok.body).toBe(201);
      const bad = await app.inject({ method: 'PATCH', url: `/api/tickets/${json(ok).ticket.id}`, payload: { fields: { plan: null } } });
      expect(bad.statusCode).toBe(400);
      expect(json(bad).error.details[0].path).toBe('/body/fields/plan');
    } finally {
      await h.tdb.db.updateTable('organisations').set({ ticket_fields_schema: JSON.stringify({ type: 'object' }) }).where('id', '=', DEFAULT_ORGANISATION_ID).execute();
    }
  });
});

describe('attachments', () => {
  it('refuses a 30 MB attachment with 413 naming the field, and writes nothing', async () => {
    const before = await ticketingCounts(h.tdb.db);
    const big = Buffer.alloc(30 * 1024 * 1024, 7).toString('base64');
    const res = await post('/api/tickets', { subject: 'Huge', attachments: [{ filename: 'dump.zip', contentType: 'application/zip', contentBase64: big }] });
    expect(res.statusCode).toBe(413);
    expect(json(res).error.details[0].path).toBe('/body/attachments/0/content');
    const exe = await post('/api/tickets', { subject: 'Exe', attachments: [{ filename: 'x.exe', contentType: 'application/x-msdownload', contentBase64: 'TVo=' }] });
    expect(exe.statusCode).toBe(400);
    expect(json(exe).error.details[0].path).toBe('/body/attachments/0/contentType');
    const notBase64 = await post('/api/tickets', { subject: 'B64', attachments: [{ filename: 'a.txt', contentType: 'text/plain', contentBase64: '***' }] });
    expect(json(notBase64).error.details[0].path).toBe('/body/attachments/0/contentBase64');
    expect(await ticketingCounts(h.tdb.db)).toEqual(before);
  });

  it('stores a safe filename and a sha256, and serves downloads as attachments with nosniff', async () => {
    const content = Buffer.from('<html><script>alert(1)</script></html>');
    const res = await post('/api/tickets', { subject: 'Log', attachments: [{ filename: '../../etc/"evil"\u0001.txt', contentType: 'text/plain', contentBase64: content.toString('base64') }] });
    expect(res.statusCode, res.body).toBe(201);
    const attachment = json(res).message.attachments[0];
    expect(attachment.filename).toBe('_evil__.txt');
    expect(attachment.sizeBytes).toBe(content.length);
    expect(attachment.sha256).toMatch(/^[0-9a-f]{64}$/);
    const download = await get(`/api/tickets/${json(res).ticket.id}/attachments/${attachment.id}`);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('text/plain');
    expect(download.headers['content-disposition']).toMatch(/^attachment; filename="_evil__.txt"/);
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    expect(download.rawPayload.equals(content)).toBe(true);
    const other = await post('/api/tickets', { subject: 'Other' });
    expect((await get(`/api/tickets/${json(other).ticket.id}/attachments/${attachment.id}`)).statusCode).toBe(404);
  });
});

describe('list, search, KB', () => {
  it('filters and visits each ticket exactly once through the cursor', async () => {
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await post('/api/tickets', { subject: `Batch ${i}`, tags: ['batch'], priority: i % 2 ? 'high' : 'low' });
      created.push(json(res).ticket.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { tickets: { id: string }[]; nextCursor: string | null } = json(await get(`/api/tickets?tag=batch&limit=3${cursor ? `&cursor=${cursor}` : ''}`));
      seen.push(...page.tickets.map((t: { id: string }) => t.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...created].sort());
    const high = json(await get('/api/tickets?tag=batch&priority=high&limit=200')).tickets;
    expect(high).toHaveLength(3);
    expect(json(await get('/api/tickets?tag=batch&channel=email')).tickets).toHaveLength(0);
    expect((await get('/api/tickets?cursor=garbage')).statusCode).toBe(400);
    expect(json(await get('/api/tickets?status=nope')).error.details[0].path).toBe('/querystring/status');
  });

  it('ranks a subject match above a body match, with highlighted snippets', async () => {
    const inBody = await post('/api/tickets', { subject: 'Office hardware', body: 'The zeppelinprinter on floor two smells of smoke' });
    const inSubject = await post('/api/tickets', { subject: 'Zeppelinprinter exploded', body: 'Please help' });
    const inReply = await post('/api/tickets', { subject: 'Unrelated', body: 'nothing here' });
    await post(`/api/tickets/${json(inReply).ticket.id}/messages`, { body: 'Also the zeppelinprinter jammed', authorType: 'agent' });
    const res = await get('/api/tickets/search?q=zeppelinprinter');
    expect(res.statusCode, res.body).toBe(200);
    const hits = json(res).hits as { ticket: { id: string }; snippet: string; rank: number }[];
    expect(hits.map((x) => x.ticket.id)).toEqual([json(inSubject).ticket.id, json(inBody).ticket.id, json(inReply).ticket.id]);
    for (const hit of hits) expect(hit.snippet.toLowerCase()).toContain('<mark>zeppelinprinter</mark>');
    const page1 = json(await get('/api/tickets/search?q=zeppelinprinter&limit=2'));
    expect(page1.hits).toHaveLength(2);
    const page2 = json(await get(`/api/tickets/search?q=zeppelinprinter&limit=2&cursor=${page1.nextCursor}`));
    expect(page2.hits.map((x: { ticket: { id: string } }) => x.ticket.id)).toEqual([json(inReply).ticket.id]);
    expect(page2.nextCursor).toBeNull();
  });

  it('searches published KB articles only, title first', async () => {
    const a = await post('/api/kb/articles', { title: 'Resetting your quokkapass', bodyMarkdown: 'Open settings.', status: 'published', category: 'account' });
    const b = await post('/api/kb/articles', { title: 'Security', bodyMarkdown: 'Your **quokkapass** is stored hashed.', status: 'published' });
    await post('/api/kb/articles', { title: 'Draft quokkapass notes', bodyMarkdown: 'internal', status: 'draft' });
    const hits = json(await get('/api/kb/search?q=quokkapass')).hits;
    expect(hits.map((x: { article: { id: string } }) => x.article.id)).toEqual([json(a).article.id, json(b).article.id]);
    expect(hits[0].snippet).toContain('<mark>quokkapass</mark>');
    const patched = await app.inject({ method: 'PATCH', url: `/api/kb/articles/${json(b).article.id}`, payload: { status: 'draft' } });
    expect(json(patched).article.status).toBe('draft');
    expect(json(await get('/api/kb/search?q=quokkapass')).hits).toHaveLength(1);
  });
});

describe('macros', () => {
  it('fills placeholders and applies the actions', async () => {
    const agent = json(await post('/api/agents', { name: 'Maria', email: 'Maria@Desk.example', skills: ['billing'] })).agent;
    const team = json(await post('/api/teams', { name: 'Billing', agentIds: [agent.id] })).team;
    expect(team.agentIds).toEqual([agent.id]);
    const macro = await post('/api/macros', {
      name: 'Need info',
      body: 'Hi {{customer.name}}, about #{{ticket.number}} "{{ticket.subject}}": {{ticket.unknown}}',
      actions: [{ type: 'addTags', tags: ['needs-info'] }, { type: 'setStatus', status: 'waiting_customer' }, { type: 'assign', teamId: team.id }],
    });
    expect(macro.statusCode, macro.body).toBe(201);
    const badMacro = await post('/api/macros', { name: 'Bad', body: 'x', actions: [{ type: 'setStatus', status: 'gone' }] });
    expect(json(badMacro).error.details[0].path).toBe('/body/actions/0/status');
    const httpMacro = await post('/api/macros', { name: 'Http', body: 'x', actions: [{ type: 'http', method: 'GET', url: 'http://127.0.0.1/' }] });
    expect(json(httpMacro).error.details[0].path).toBe('/body/actions/0/type');

    const ticket = json(await post('/api/tickets', { subject: 'Invoice wrong', customer: { email: 'bo@example.com', name: 'Bo' } })).ticket;
    const applied = await post(`/api/tickets/${ticket.id}/macros/${json(macro).macro.id}`, { authorAgentId: agent.id });
    expect(applied.statusCode, applied.body).toBe(200);
    expect(json(applied).message.bodyText).toBe(`Hi Bo, about #${ticket.number} "Invoice wrong": {{ticket.unknown}}`);
    expect(json(applied).ticket).toMatchObject({ status: 'waiting_customer', tags: ['needs-info'], teamId: team.id });
    expect(json(applied).ticket.firstRespondedAt).not.toBeNull();
    expect((await post(`/api/tickets/${ticket.id}/macros/${ticket.id}`, {})).statusCode).toBe(404);
  });
});

const waitingWorkflow = (key: string, steps?: unknown[]): WorkflowDefinition =>
  ({
    schemaVersion: 1,
    key,
    name: key,
    nodes: [
      {
        id: 'start', kind: 'trigger', position: { x: 0, y: 0 },
        params: { event: 'ticket.created', conditions: { all: [{ fact: 'ticket', path: '$.tags', operator: 'contains', value: key }] } },
      },
      ...(steps ? [{ id: 'act', kind: 'action', position: { x: 0, y: 60 }, params: { steps } }] : []),
      { id: 'wait', kind: 'wait', position: { x: 0, y: 120 }, params: { resumeOn: ['customer.replied'] } },
      { id: 'done', kind: 'end', position: { x: 0, y: 240 }, params: { status: 'resolved' } },
    ],
    edges: [
      ...(steps ? [{ id: 'e0', source: 'start', target: 'act', outcome: 'next' }, { id: 'e1', source: 'act', target: 'wait', outcome: 'done' }] : [{ id: 'e1', source: 'start', target: 'wait', outcome: 'next' }]),
      { id: 'e2', source: 'wait', target: 'done', outcome: 'resumed' },
    ],
  }) as unknown as WorkflowDefinition;

describe('workflows on tickets', () => {
  it('a customer reply resumes a run waiting on customer.replied; an agent note does not', async () => {
    await publishViaApi(app, waitingWorkflow('wf-reply'));
    const created = json(await post('/api/tickets', { subject: 'Waiting', tags: ['wf-reply'], customer: { email: 'wait@example.com' } }));
    expect(created.runs).toHaveLength(1);
    const runId = created.runs[0].id as string;
    const runOf = async () => json(await get(`/api/runs/${runId}`)).run;
    await waitFor('run waits', async () => (await runOf()).state === 'wait');

    const note = await post(`/api/tickets/${created.ticket.id}/messages`, { body: 'internal', visibility: 'internal' });
    expect(note.statusCode).toBe(201);
    expect((await runOf()).state).toBe('wait');

    const reply = await post(`/api/tickets/${created.ticket.id}/messages`, { body: 'Here is the info', authorType: 'customer' });
    expect(reply.statusCode, reply.body).toBe(201);
    const run = await runOf();
    expect(run).toMatchObject({ status: 'completed', state: 'done' });
    const ticket = json(await get(`/api/tickets/${created.ticket.id}`)).ticket;
    expect(ticket.status).toBe('resolved');
    expect(ticket.resolvedAt).not.toBeNull();
  });

  it('reply / assign / setStatus action steps act on the ticket', async () => {
    const agent = json(await post('/api/agents', { name: 'Wf Agent', email: 'wf@desk.example' })).agent;
    const team = json(await post('/api/teams', { name: 'Wf team' })).team;
    await publishViaApi(
      app,
      waitingWorkflow('wf-actions', [
        { type: 'reply', body: 'Thanks {{customer.name}}, we got #{{ticket.number}}.' },
        { type: 'reply', body: 'Routed by workflow', visibility: 'internal' },
        { type: 'assign', agentId: agent.id, teamId: team.id },
        { type: 'setStatus', status: 'waiting_customer' },
      ]),
    );
    const created = json(await post('/api/tickets', { subject: 'Auto', tags: ['wf-actions'], customer: { email: 'auto@example.com', name: 'Cleo' } }));
    const id = created.ticket.id as string;
    const detail = await waitFor('actions applied', async () => {
      const d = json(await get(`/api/tickets/${id}`));
      return d.ticket.status === 'waiting_customer' ? d : null;
    });
    expect(detail.ticket).toMatchObject({ assigneeAgentId: agent.id, teamId: team.id });
    expect(detail.messages.map((m: { authorType: string; visibility: string; bodyText: string }) => [m.authorType, m.visibility, m.bodyText])).toEqual([
      ['customer', 'public', ''],
      ['system', 'public', `Thanks Cleo, we got #${created.ticket.number}.`],
      ['system', 'internal', 'Routed by workflow'],
    ]);
    // The customer answers: the ticket reopens and the run resumes to its end.
    await post(`/api/tickets/${id}/messages`, { body: 'ok', authorType: 'customer' });
    await waitFor('run completed', async () => json(await get(`/api/runs/${created.runs[0].id}`)).run.status === 'completed');
  });

  it('PATCH changes the ticket, starts ticket.updated workflows and tells waiting runs', async () => {
    const def = waitingWorkflow('wf-update');
    (def.nodes[0] as { params: unknown }).params = { event: 'ticket.updated', conditions: { all: [{ fact: 'ticket', path: '$.priority', operator: 'equal', value: 'urgent' }] } };
    const wait = def.nodes.find((n) => n.id === 'wait') as { params: unknown };
    wait.params = { resumeOn: ['status.changed'] };
    await publishViaApi(app, def);
    const ticket = json(await post('/api/tickets', { subject: 'Escalate me' })).ticket;
    const same = await app.inject({ method: 'PATCH', url: `/api/tickets/${ticket.id}`, payload: { priority: 'normal' } });
    expect(json(same)).toMatchObject({ changed: [], runs: [] });
    const urgent = await app.inject({ method: 'PATCH', url: `/api/tickets/${ticket.id}`, payload: { priority: 'urgent', addTags: ['vip'] } });
    expect(urgent.statusCode, urgent.body).toBe(200);
    expect(json(urgent).changed.sort()).toEqual(['priority', 'tags']);
    expect(json(urgent).runs).toHaveLength(1);
    const runId = json(urgent).runs[0].id;
    await waitFor('run waits', async () => json(await get(`/api/runs/${runId}`)).run.state === 'wait');
    await app.inject({ method: 'PATCH', url: `/api/tickets/${ticket.id}`, payload: { status: 'on_hold' } });
    expect(json(await get(`/api/runs/${runId}`)).run.status).toBe('completed');
    const badAgent = await app.inject({ method: 'PATCH', url: `/api/tickets/${ticket.id}`, payload: { assigneeAgentId: ticket.id } });
    expect(badAgent.statusCode).toBe(400);
    expect(json(badAgent).error.details[0].path).toBe('/body/assigneeAgentId');
  });
});

describe('unknown ids and the public limit', () => {
  it('answers 404 for unknown tickets everywhere', async () => {
    const id = '7d1f3c1e-0000-4000-8000-000000000000';
    const before = await ticketingCounts(h.tdb.db);
    for (const res of [
      await get(`/api/tickets/${id}`),
      await post(`/api/tickets/${id}/messages`, { body: 'x' }),
      await app.inject({ method: 'PATCH', url: `/api/tickets/${id}`, payload: { status: 'open' } }),
      await get(`/api/tickets/${id}/attachments/${id}`),
      await post(`/api/tickets/${id}/macros/${id}`, {}),
      await get(`/api/customers/${id}`),
      await post(`/api/customers/${id}/identities`, { kind: 'email', value: 'x@example.com' }),
      await get(`/api/kb/articles/${id}`),
      await get(`/api/macros/${id}`),
      await get(`/api/agents/${id}`),
    ]) {
      expect(res.statusCode, res.body).toBe(404);
      expect(json(res).error.code).toBe('FD_NOT_FOUND');
    }
    expect((await get('/api/tickets/not-a-uuid')).statusCode).toBe(400);
    expect(await ticketingCounts(h.tdb.db)).toEqual(before);
  });

  it('rate-limits the public form per IP with the API error shape', async () => {
    const limited = await buildAdminApp(h, { webForm: { rateLimitMax: 2 } });
    try {
      const send = () => limited.inject({ method: 'POST', url: '/api/public/tickets', payload: { email: 'rl@example.com', subject: 's', body: 'b' }, remoteAddress: '10.0.0.9' });
      expect((await send()).statusCode).toBe(201);
      expect((await send()).statusCode).toBe(201);
      const third = await send();
      expect(third.statusCode).toBe(429);
      expect(json(third).error.code).toBe('FD_RATE_LIMITED');
    } finally {
      await limited.close();
    }
  });
});
