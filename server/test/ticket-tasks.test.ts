// The agent workspace's routes: a ticket's runs, the open task/approval steps of those runs with the node's
// form from the run's workflow version, and submitting one — validated against the task (action, form
// schema), sent to the run as task.submit / approval.vote with the signed-in user as actor, audited. Bad
// submissions change nothing. Also the inbox additions to GET /api/tickets: `unassigned` and the `sla` clocks.
import type { WorkflowDefinition } from '@flowdesk/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrincipal, json, publishViaApi, startHarness, tableCounts, type Harness, type TestPrincipal } from './api-harness.ts';

let h: Harness;
let agent: TestPrincipal;
let outsider: TestPrincipal;
const ids = { agent: '', other: '', teamOther: '' };

/** trigger (tag "refund") -> review task with a form -> approval -> resolved | closed. */
const reviewWorkflow = {
  schemaVersion: 1,
  key: 'refund-review',
  name: 'Refund review',
  nodes: [
    { id: 'start', kind: 'trigger', name: 'Ticket created', position: { x: 0, y: 0 }, params: { event: 'ticket.created', conditions: { all: [{ fact: 'ticket', path: '$.tags', operator: 'contains', value: 'refund' }] } } },
    {
      id: 'review',
      kind: 'task',
      name: 'Review the refund',
      position: { x: 0, y: 120 },
      params: { title: 'Check the order', assignee: { type: 'role', role: 'agent' }, form: 'refund_form', actions: [{ id: 'approve', label: 'Send for approval' }, { id: 'deny', label: 'Deny' }] },
    },
    { id: 'sign_off', kind: 'approval', name: 'Manager sign-off', position: { x: 0, y: 240 }, params: { title: 'Approve the refund', approvers: [{ type: 'role', role: 'manager' }], required: 1 } },
    { id: 'done', kind: 'end', name: 'Refunded', position: { x: -100, y: 360 }, params: { status: 'resolved' } },
    { id: 'no', kind: 'end', name: 'Denied', position: { x: 100, y: 360 }, params: { status: 'closed' } },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'review', outcome: 'next' },
    { id: 'e2', source: 'review', target: 'sign_off', outcome: 'approve' },
    { id: 'e3', source: 'review', target: 'no', outcome: 'deny' },
    { id: 'e4', source: 'sign_off', target: 'done', outcome: 'approved' },
    { id: 'e5', source: 'sign_off', target: 'no', outcome: 'rejected' },
  ],
  forms: {
    refund_form: {
      title: 'Refund details',
      schema: { type: 'object', required: ['amount'], properties: { amount: { type: 'number', minimum: 0, title: 'Amount' }, reason: { type: 'string', enum: ['damaged', 'late', 'other'], title: 'Reason' } } },
      uiSchema: { type: 'VerticalLayout', elements: [{ type: 'Control', scope: '#/properties/amount' }, { type: 'Control', scope: '#/properties/reason' }] },
    },
  },
} as unknown as WorkflowDefinition;

beforeAll(async () => {
  h = await startHarness('ticket_tasks');
  const post = async (url: string, payload: Record<string, unknown>) => {
    const res = await h.app.inject({ method: 'POST', url, payload });
    if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
    return json(res);
  };
  ids.agent = (await post('/api/agents', { name: 'Alice', email: 'alice@corp.example' })).agent.id;
  ids.other = (await post('/api/agents', { name: 'Bruno', email: 'bruno@corp.example' })).agent.id;
  ids.teamOther = (await post('/api/teams', { name: 'Other team', agentIds: [ids.other] })).team.id;
  agent = await createPrincipal(h.tdb.db, { role: 'agent', agentId: ids.agent, email: 'alice@corp.example' });
  outsider = await createPrincipal(h.tdb.db, { role: 'agent', agentId: ids.other });
  await publishViaApi(h.app, reviewWorkflow);
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const as = (p: TestPrincipal) => ({ authorization: `Bearer ${p.token}` });
const get = (url: string, p: TestPrincipal = agent) => h.app.inject({ method: 'GET', url, headers: as(p) });
const submit = (ticketId: string, taskId: string, payload: Record<string, unknown>, p: TestPrincipal = agent) =>
  h.app.inject({ method: 'POST', url: `/api/tickets/${ticketId}/tasks/${encodeURIComponent(taskId)}`, payload, headers: as(p) });

async function newTicket(extra: Record<string, unknown> = {}) {
  const res = await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'Refund for order 42', body: 'It arrived broken', tags: ['refund'], ...extra } });
  expect(res.statusCode, res.body).toBe(201);
  return json(res) as { ticket: { id: string }; runs: { id: string }[] };
}

describe('a ticket\'s runs and open tasks', () => {
  it('lists the runs and the open task with its form, actions and assignee', async () => {
    const { ticket, runs } = await newTicket();
    const listed = await get(`/api/tickets/${ticket.id}/runs`);
    expect(listed.statusCode, listed.body).toBe(200);
    expect(json(listed).runs.map((r: { id: string }) => r.id)).toEqual([runs[0]!.id]);
    expect(json(listed).runs[0]).toMatchObject({ workflowKey: 'refund-review', status: 'waiting', currentNode: { id: 'review', kind: 'task', name: 'Review the refund' } });

    const tasks = json(await get(`/api/tickets/${ticket.id}/tasks`)).tasks;
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      runId: runs[0]!.id,
      workflowKey: 'refund-review',
      workflowVersion: 1,
      nodeId: 'review',
      nodeName: 'Review the refund',
      visit: 1,
      kind: 'task',
      title: 'Check the order',
      assignee: { type: 'role', role: 'agent' },
      actions: [{ id: 'approve', label: 'Send for approval' }, { id: 'deny', label: 'Deny' }],
      approval: null,
      form: { key: 'refund_form', title: 'Refund details', schema: reviewWorkflow.forms!.refund_form!.schema, uiSchema: reviewWorkflow.forms!.refund_form!.uiSchema },
    });
    expect(tasks[0].id).toMatch(new RegExp(`^${runs[0]!.id}:\\d+:\\d+$`));
  });

  it('refuses bad submissions at the field, changing nothing', async () => {
    const { ticket } = await newTicket();
    const [task] = json(await get(`/api/tickets/${ticket.id}/tasks`)).tasks;
    const before = await tableCounts(h);
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ data: { amount: 5 } }, '/body/action', /is required \(one of: approve, deny\)/],
      [{ action: 'refund_now', data: { amount: 5 } }, '/body/action', /must be one of: "approve", "deny"/],
      [{ action: 'approve', data: { reason: 'late' } }, '/body/data/amount', /is required/],
      [{ action: 'approve', data: { amount: -3, reason: 'lost' } }, '/body/data/amount', /must be >= 0/],
      [{ action: 'approve', decision: 'approve' }, '/body/decision', /a task takes action/],
      [{ action: 'approve', data: { amount: 5 }, extra: 1 }, '/body/extra', /./],
    ];
    for (const [payload, path, message] of cases) {
      const res = await submit(ticket.id, task.id, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      const error = json(res).error;
      expect(error.code).toBe('FD_INVALID_INPUT');
      expect(error.details.map((d: { path: string }) => d.path)).toContain(path);
      expect(error.message).toMatch(message);
    }
    // Every problem of the form at once.
    const both = json(await submit(ticket.id, task.id, { action: 'approve', data: { amount: 'five', reason: 'lost' } })).error;
    expect(both.details.map((d: { path: string }) => d.path)).toEqual(['/body/data/amount', '/body/data/reason']);
    expect(await tableCounts(h)).toEqual(before);
    expect((await submit(ticket.id, 'not-a-task', { action: 'approve' })).statusCode).toBe(400);
  });

  it('completes the task, then the approval: the run advances, the actor is the signed-in user, both are audited', async () => {
    const { ticket, runs } = await newTicket();
    const runId = runs[0]!.id;
    const [task] = json(await get(`/api/tickets/${ticket.id}/tasks`)).tasks;

    const done = await submit(ticket.id, task.id, { action: 'approve', data: { amount: 42.5, reason: 'damaged' } });
    expect(done.statusCode, done.body).toBe(200);
    const afterTask = json(done);
    expect(afterTask.run).toMatchObject({ id: runId, status: 'waiting', state: 'sign_off' });
    expect(afterTask.tasks).toHaveLength(1);
    expect(afterTask.tasks[0]).toMatchObject({ kind: 'approval', nodeId: 'sign_off', title: 'Approve the refund', form: null, actions: [], approval: { required: 1, rejectionsToReject: 1, votes: [] } });
    // The same task again: it is closed.
    const again = await submit(ticket.id, task.id, { action: 'approve', data: { amount: 42.5 } });
    expect(again.statusCode).toBe(404);
    expect(json(again).error.code).toBe('FD_NOT_FOUND');

    const approval = afterTask.tasks[0];
    const wrong = await submit(ticket.id, approval.id, { action: 'approve' });
    expect(wrong.statusCode).toBe(400);
    expect(json(wrong).error.details[0].path).toBe('/body/action');
    const missing = await submit(ticket.id, approval.id, { comment: 'fine' });
    expect(json(missing).error.details[0].path).toBe('/body/decision');

    const voted = await submit(ticket.id, approval.id, { decision: 'approve', comment: '  Within policy.  ' });
    expect(voted.statusCode, voted.body).toBe(200);
    expect(json(voted).run).toMatchObject({ status: 'completed', state: 'done' });
    expect(json(voted).tasks).toEqual([]);
    expect(json(await get(`/api/tickets/${ticket.id}/tasks`)).tasks).toEqual([]);

    const history = json(await h.app.inject({ method: 'GET', url: `/api/runs/${runId}/history` })).history as { event: Record<string, unknown> }[];
    expect(history.map((e) => e.event)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'task.submit', nodeId: 'review', visit: 1, action: 'approve', data: { amount: 42.5, reason: 'damaged' }, actor: 'alice@corp.example' }),
        expect.objectContaining({ type: 'approval.vote', nodeId: 'sign_off', visit: 1, decision: 'approve', approver: 'alice@corp.example', comment: 'Within policy.' }),
      ]),
    );
    const audit = await h.tdb.db.selectFrom('audit_log').select(['action', 'target_id']).where('action', '=', 'run.task_submitted').where('target_id', 'in', [task.id, approval.id]).execute();
    expect(audit.map((a) => a.target_id).sort()).toEqual([task.id, approval.id].sort());
  });

  it('a step decided elsewhere (the run events route) closes: the task list empties, submitting it answers 404', async () => {
    const { ticket } = await newTicket();
    const [task] = json(await get(`/api/tickets/${ticket.id}/tasks`)).tasks;
    const [approval] = json(await submit(ticket.id, task.id, { action: 'approve', data: { amount: 1 } })).tasks;
    // Someone else votes through the run events route.
    const other = await h.app.inject({ method: 'POST', url: `/api/runs/${approval.runId}/events`, payload: { type: 'approval.vote', nodeId: 'sign_off', approver: 'maria', decision: 'reject' } });
    expect(other.statusCode, other.body).toBe(200);
    // required 1 / rejectionsToReject 1: maria's reject decided it.
    expect(json(other).run.state).toBe('no');
    expect(json(await get(`/api/tickets/${ticket.id}/tasks`)).tasks).toEqual([]);
    // The approval was open a moment ago; submitting now is a 404 (the step closed).
    expect((await submit(ticket.id, approval.id, { decision: 'approve' })).statusCode).toBe(404);
  });

  it('hides another team\'s ticket: runs, tasks and submissions answer 404', async () => {
    const { ticket } = await newTicket();
    const patched = await h.app.inject({ method: 'PATCH', url: `/api/tickets/${ticket.id}`, payload: { teamId: ids.teamOther, assigneeAgentId: ids.other } });
    expect(patched.statusCode).toBe(200);
    const [task] = json(await get(`/api/tickets/${ticket.id}/tasks`, outsider)).tasks;
    expect(task).toBeDefined();
    for (const res of [await get(`/api/tickets/${ticket.id}/runs`), await get(`/api/tickets/${ticket.id}/tasks`), await submit(ticket.id, task.id, { action: 'deny' })]) {
      expect(res.statusCode).toBe(404);
      expect(json(res).error.code).toBe('FD_NOT_FOUND');
    }
  });
});

describe('the inbox list', () => {
  it('filters unassigned tickets and refuses unassigned with an assignee', async () => {
    const mine = (await newTicket({ subject: 'Assigned one', tags: [] })).ticket.id;
    const free = (await newTicket({ subject: 'Nobody has it', tags: [] })).ticket.id;
    await h.app.inject({ method: 'PATCH', url: `/api/tickets/${mine}`, payload: { assigneeAgentId: ids.agent } });
    const unassigned = json(await get('/api/tickets?unassigned=true&limit=200')).tickets.map((t: { id: string }) => t.id);
    expect(unassigned).toContain(free);
    expect(unassigned).not.toContain(mine);
    const assigned = json(await get(`/api/tickets?assigneeAgentId=${ids.agent}`)).tickets.map((t: { id: string }) => t.id);
    expect(assigned).toEqual([mine]);
    const both = await get(`/api/tickets?unassigned=true&assigneeAgentId=${ids.agent}`);
    expect(both.statusCode).toBe(400);
    expect(json(both).error.details[0].path).toBe('/querystring/unassigned');
  });

  it('returns the SLA clocks of the page', async () => {
    const policy = await h.app.inject({ method: 'POST', url: '/api/sla-policies', payload: { name: 'Everything', targets: { urgent: { firstResponseMinutes: 30, resolutionMinutes: 240 } } } });
    expect(policy.statusCode, policy.body).toBe(201);
    const urgent = (await newTicket({ subject: 'Server down', priority: 'urgent', tags: [] })).ticket.id;
    const page = json(await get('/api/tickets?limit=200'));
    const clock = page.sla.find((s: { ticketId: string }) => s.ticketId === urgent);
    expect(clock).toMatchObject({ firstResponseMetAt: null, firstResponseBreachedAt: null, paused: false });
    expect(Date.parse(clock.firstResponseDueAt)).toBeGreaterThan(Date.now());
    const hits = json(await get('/api/tickets/search?q=server'));
    expect(hits.sla.map((s: { ticketId: string }) => s.ticketId)).toContain(urgent);
  });
});
