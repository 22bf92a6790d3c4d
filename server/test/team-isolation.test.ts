// Team isolation: an agent of team A cannot read, search, change, export or follow the runs (events) of
// team B's tickets by any route; unrouted tickets and tickets assigned to the agent personally stay visible.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ORGANISATION_ID } from '../src/db/tables/ticketing.ts';
import { approvalWorkflow, createPrincipal, json, publishViaApi, startHarness, type Harness, type TestPrincipal } from './api-harness.ts';

let h: Harness;
let agentA: TestPrincipal;
let manager: TestPrincipal;
const ids = { teamA: '', teamB: '', agentA: '', agentB: '', ticketA: '', ticketB: '', ticketNone: '', ticketBMine: '', customerB: '', attachmentB: '', runB: '', macro: '' };

beforeAll(async () => {
  h = await startHarness('team_isolation');
  const post = async (url: string, payload: Record<string, unknown>) => {
    const res = await h.app.inject({ method: 'POST', url, payload });
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return json(res);
  };
  ids.agentA = (await post('/api/agents', { name: 'Alice', email: 'alice@corp.example' })).agent.id;
  ids.agentB = (await post('/api/agents', { name: 'Bruno', email: 'bruno@corp.example' })).agent.id;
  ids.teamA = (await post('/api/teams', { name: 'Team A', agentIds: [ids.agentA] })).team.id;
  ids.teamB = (await post('/api/teams', { name: 'Team B', agentIds: [ids.agentB] })).team.id;
  agentA = await createPrincipal(h.tdb.db, { role: 'agent', agentId: ids.agentA });
  manager = await createPrincipal(h.tdb.db, { role: 'manager' });
  await publishViaApi(h.app, approvalWorkflow('isolation-approval'));

  const ticket = async (subject: string, patch: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const created = await post('/api/tickets', { subject, body: `${subject} body`, ...extra });
    const res = await h.app.inject({ method: 'PATCH', url: `/api/tickets/${created.ticket.id}`, payload: patch });
    if (res.statusCode !== 200) throw new Error(res.body);
    return created;
  };
  ids.ticketA = (await ticket('Printer jam alphaword', { teamId: ids.teamA })).ticket.id;
  const b = await ticket('Salary question zebraword', { teamId: ids.teamB }, {
    customer: { email: 'confidential@example.com', name: 'Confidential Person' },
    attachments: [{ filename: 'payslip.txt', contentType: 'text/plain', contentBase64: Buffer.from('salary 100k').toString('base64') }],
  });
  ids.ticketB = b.ticket.id;
  ids.customerB = b.customer.id;
  ids.attachmentB = b.message.attachments[0].id;
  ids.runB = b.runs[0].id;
  ids.ticketNone = (await post('/api/tickets', { subject: 'Unrouted triage item' })).ticket.id;
  ids.ticketBMine = (await ticket('Escalated to Alice personally', { teamId: ids.teamB, assigneeAgentId: ids.agentA })).ticket.id;
  ids.macro = (await post('/api/macros', { name: 'Thanks', body: 'Thank you!' })).macro.id;
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const as = (p: TestPrincipal) => ({ authorization: `Bearer ${p.token}` });

describe('an agent of team A', () => {
  it('lists and searches only visible tickets (own team, unrouted, assigned to them)', async () => {
    const list = json(await h.app.inject({ method: 'GET', url: '/api/tickets?limit=200', headers: as(agentA) }));
    expect(list.tickets.map((t: { id: string }) => t.id).sort()).toEqual([ids.ticketA, ids.ticketNone, ids.ticketBMine].sort());
    const filtered = json(await h.app.inject({ method: 'GET', url: `/api/tickets?teamId=${ids.teamB}`, headers: as(agentA) }));
    expect(filtered.tickets.map((t: { id: string }) => t.id)).toEqual([ids.ticketBMine]);
    for (const q of ['zebraword', 'salary', 'payslip', 'confidential']) {
      const search = json(await h.app.inject({ method: 'GET', url: `/api/tickets/search?q=${q}`, headers: as(agentA) }));
      expect(search.hits, q).toEqual([]);
    }
    const mine = json(await h.app.inject({ method: 'GET', url: '/api/tickets/search?q=alphaword', headers: as(agentA) }));
    expect(mine.hits.map((hit: { ticket: { id: string } }) => hit.ticket.id)).toEqual([ids.ticketA]);
  });

  it('gets 404 (not 403: existence is not disclosed) for every route on a team B ticket', async () => {
    const t = ids.ticketB;
    const attempts: [string, string, Record<string, unknown>?][] = [
      ['GET', `/api/tickets/${t}`],
      ['PATCH', `/api/tickets/${t}`, { priority: 'low' }],
      ['POST', `/api/tickets/${t}/messages`, { body: 'peek' }],
      ['GET', `/api/tickets/${t}/attachments/${ids.attachmentB}`],
      ['POST', `/api/tickets/${t}/macros/${ids.macro}`, {}],
      ['GET', `/api/tickets/${t}/sla`],
      ['GET', `/api/runs/${ids.runB}`],
      ['GET', `/api/runs/${ids.runB}/history`],
      ['POST', `/api/runs/${ids.runB}/events`, { type: 'approval.vote', nodeId: 'approve', approver: 'alice', decision: 'approve' }],
      ['POST', `/api/runs/${ids.runB}/retry`],
    ];
    for (const [method, url, payload] of attempts) {
      const res = await h.app.inject({ method: method as 'GET', url, headers: as(agentA), ...(payload !== undefined ? { payload } : {}) });
      expect(`${method} ${url} -> ${res.statusCode} ${json(res).error?.code}`).toBe(`${method} ${url} -> 404 FD_NOT_FOUND`);
    }
    const start = await h.app.inject({ method: 'POST', url: '/api/runs', headers: as(agentA), payload: { workflowId: (await h.tdb.db.selectFrom('workflows').select('id').executeTakeFirstOrThrow()).id, ticketId: t } });
    expect(start.statusCode).toBe(404);
    // Nothing changed on the ticket.
    expect((await h.tdb.db.selectFrom('tickets').select('priority').where('id', '=', t).executeTakeFirstOrThrow()).priority).toBe('normal');
    expect(await h.tdb.db.selectFrom('messages').select('id').where('ticket_id', '=', t).execute()).toHaveLength(1);
  });

  it('does not see team B runs (the events of its tickets) in the run list', async () => {
    const runs = json(await h.app.inject({ method: 'GET', url: '/api/runs?limit=200', headers: as(agentA) })).runs as { id: string; ticketId: string | null }[];
    expect(runs.map((r) => r.ticketId)).not.toContain(ids.ticketB);
    expect(runs.map((r) => r.id)).not.toContain(ids.runB);
    expect(runs.length).toBeGreaterThan(0);
  });

  it('sees the customer of a team B ticket without that ticket, and cannot export or erase them', async () => {
    const customer = json(await h.app.inject({ method: 'GET', url: `/api/customers/${ids.customerB}`, headers: as(agentA) }));
    expect(JSON.stringify(customer)).not.toContain(ids.ticketB);
    expect((await h.app.inject({ method: 'GET', url: `/api/customers/${ids.customerB}/export`, headers: as(agentA) })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'POST', url: `/api/customers/${ids.customerB}/erase`, headers: as(agentA), payload: { confirm: ids.customerB } })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: '/api/webhook-endpoints', headers: as(agentA) })).statusCode).toBe(403);
  });

  it('loses a ticket the moment it moves to team B', async () => {
    const moved = await h.app.inject({ method: 'PATCH', url: `/api/tickets/${ids.ticketA}`, headers: as(agentA), payload: { teamId: ids.teamB } });
    expect(moved.statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: `/api/tickets/${ids.ticketA}`, headers: as(agentA) })).statusCode).toBe(404);
    await h.tdb.db.updateTable('tickets').set({ team_id: ids.teamA }).where('id', '=', ids.ticketA).execute();
  });
});

describe('internal notes', () => {
  it('are not searchable with a token that lacks tickets.internal', async () => {
    await h.app.inject({ method: 'POST', url: `/api/tickets/${ids.ticketA}/messages`, payload: { body: 'internal remark quokkaword', visibility: 'internal' } });
    const full = await createPrincipal(h.tdb.db, { role: 'manager' });
    const narrow = await createPrincipal(h.tdb.db, { role: 'manager', scopes: ['tickets.read'] });
    const hits = async (p: TestPrincipal) => json(await h.app.inject({ method: 'GET', url: '/api/tickets/search?q=quokkaword', headers: as(p) })).hits.length;
    expect(await hits(full)).toBe(1);
    expect(await hits(narrow)).toBe(0);
  });
});

describe('managers and admins', () => {
  it('see every team’s tickets', async () => {
    for (const p of [manager, h.admin]) {
      const list = json(await h.app.inject({ method: 'GET', url: '/api/tickets?limit=200', headers: as(p) }));
      expect(list.tickets.map((t: { id: string }) => t.id)).toEqual(expect.arrayContaining([ids.ticketA, ids.ticketB, ids.ticketNone]));
      expect((await h.app.inject({ method: 'GET', url: `/api/tickets/${ids.ticketB}`, headers: as(p) })).statusCode).toBe(200);
    }
  });

  it('but not another organisation’s', async () => {
    const org = await h.tdb.db.insertInto('organisations').values({ slug: 'other-org', name: 'Other Org' }).returning('id').executeTakeFirstOrThrow();
    const foreignAdmin = await createPrincipal(h.tdb.db, { role: 'admin', organisationId: org.id });
    const list = json(await h.app.inject({ method: 'GET', url: '/api/tickets', headers: as(foreignAdmin) }));
    expect(list.tickets).toEqual([]);
    expect((await h.app.inject({ method: 'GET', url: `/api/tickets/${ids.ticketB}`, headers: as(foreignAdmin) })).statusCode).toBe(404);
    expect(json(await h.app.inject({ method: 'GET', url: '/api/tickets/search?q=zebraword', headers: as(foreignAdmin) })).hits).toEqual([]);
    expect(DEFAULT_ORGANISATION_ID).not.toBe(org.id);
  });
});
