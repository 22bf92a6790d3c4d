// Tickets and runs over HTTP with the real Runtime, pg-boss and workers on a real Postgres:
// create ticket -> triggered run -> vote -> completed; start runs by version or workflow; events that
// do not apply are 409 and change nothing; history; keyset pagination; retry of a run that is not stuck.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { approvalWorkflow, json, publishViaApi, startHarness, tableCounts, type Harness } from './api-harness.ts';
import { waitFor } from './wait-for.ts';

const demo = JSON.parse(readFileSync(new URL('../../packages/schema/examples/escalating-approval.json', import.meta.url), 'utf8')) as WorkflowDefinition;

let h: Harness;
let simple: { workflowId: string; versionId: string };

beforeAll(async () => {
  h = await startHarness('api_runs', { workers: true });
  simple = await publishViaApi(h.app, approvalWorkflow('runs-simple'));
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('tickets and runs', () => {
  it('creating a ticket starts the matching workflows; a vote completes the run (the docs/api.md session)', async () => {
    const demoIds = await publishViaApi(h.app, demo);
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/tickets',
      payload: { subject: 'Refund for order 42', body: 'Please refund', priority: 'urgent', tags: ['billing'], fields: { order: 42 } },
    });
    expect(created.statusCode).toBe(201);
    const { ticket, runs } = json(created);
    expect(ticket).toMatchObject({ subject: 'Refund for order 42', priority: 'urgent', tags: ['billing'], fields: { order: 42 }, status: 'open' });
    const byKey = Object.fromEntries(runs.map((r: { workflowKey: string }) => [r.workflowKey, r]));
    expect(Object.keys(byKey).sort()).toEqual(['escalating-approval', 'runs-simple']);
    expect(byKey['runs-simple']).toMatchObject({ ticketId: ticket.id, state: 'approve', status: 'waiting', currentNode: { id: 'approve', kind: 'approval' } });
    const demoRun = byKey['escalating-approval'];
    expect(demoRun.workflowVersionId).toBe(demoIds.versionId);

    const got = await h.app.inject({ method: 'GET', url: `/api/tickets/${ticket.id}` });
    expect(got.statusCode).toBe(200);
    expect(json(got).ticket.id).toBe(ticket.id);

    // Rules are evaluated in-process as part of the start; the urgent ticket goes straight to the manager.
    const waiting = await waitFor('triage', async () => {
      const res = await h.app.inject({ method: 'GET', url: `/api/runs/${demoRun.id}` });
      return json(res).run.state === 'manager_approval' ? json(res).run : null;
    });
    expect(waiting).toMatchObject({ workflowKey: 'escalating-approval', workflowVersion: 1, currentNode: { id: 'manager_approval', kind: 'approval', name: 'Manager approval' } });

    const vote = await h.app.inject({
      method: 'POST',
      url: `/api/runs/${demoRun.id}/events`,
      payload: { type: 'approval.vote', nodeId: 'manager_approval', approver: 'maria', decision: 'approve', comment: 'ok' },
    });
    expect(vote.statusCode).toBe(200);
    expect(json(vote)).toMatchObject({ applied: true, run: { id: demoRun.id, status: 'completed', state: 'resolved' } });
    expect(json(vote).run.completedAt).toEqual(expect.any(String));

    const history = await h.app.inject({ method: 'GET', url: `/api/runs/${demoRun.id}/history` });
    expect(history.statusCode).toBe(200);
    const entries = json(history).history as { sequence: number; event: { type: string }; fromState: string | null; toState: string }[];
    expect(entries.map((e) => e.sequence)).toEqual(entries.map((_, i) => i + 1));
    expect(entries.at(-1)).toMatchObject({ event: { type: 'approval.vote' }, fromState: 'manager_approval', toState: 'resolved' });

    // The run is over: another vote is not applicable, says why, and changes nothing.
    const before = await tableCounts(h);
    const late = await h.app.inject({
      method: 'POST',
      url: `/api/runs/${demoRun.id}/events`,
      payload: { type: 'approval.vote', nodeId: 'manager_approval', approver: 'bob', decision: 'reject' },
    });
    expect(late.statusCode).toBe(409);
    expect(json(late).error.code).toBe('FD_EVENT_NOT_APPLICABLE');
    expect(json(late).error.message).toMatch(/completed/);
    expect(await tableCounts(h)).toEqual(before);
  });

  it('starts runs by version id or by workflow id (latest published), with or without a ticket', async () => {
    const byVersion = await h.app.inject({ method: 'POST', url: '/api/runs', payload: { workflowVersionId: simple.versionId, ticket: { priority: 'low' } } });
    expect(byVersion.statusCode).toBe(201);
    expect(json(byVersion).run).toMatchObject({ workflowVersionId: simple.versionId, ticketId: null, state: 'approve', workflowVersion: 1 });

    // Publish v2: a start by workflow id now uses it; the earlier run stays on v1.
    await h.app.inject({ method: 'POST', url: `/api/workflows/${simple.workflowId}/publish`, payload: { note: 'v2' } });
    const byWorkflow = await h.app.inject({ method: 'POST', url: '/api/runs', payload: { workflowId: simple.workflowId } });
    expect(byWorkflow.statusCode).toBe(201);
    expect(json(byWorkflow).run).toMatchObject({ workflowId: simple.workflowId, workflowVersion: 2 });
    const first = await h.app.inject({ method: 'GET', url: `/api/runs/${json(byVersion).run.id}` });
    expect(json(first).run.workflowVersion).toBe(1);

    const tk = json(await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'no trigger match needed' } })).ticket;
    const withTicket = await h.app.inject({ method: 'POST', url: '/api/runs', payload: { workflowVersionId: simple.versionId, ticketId: tk.id } });
    expect(withTicket.statusCode).toBe(201);
    expect(json(withTicket).run.ticketId).toBe(tk.id);
  });

  it('refuses runs it cannot start, with the field named, and writes nothing', async () => {
    const draftOnly = json(await h.app.inject({ method: 'POST', url: '/api/workflows', payload: { definition: approvalWorkflow('never-published') } })).workflow;
    const before = await tableCounts(h);
    const ghost = '00000000-0000-4000-8000-000000000000';
    const cases: [unknown, number, string, string][] = [
      [{}, 400, 'FD_INVALID_INPUT', '/body/workflowVersionId'],
      [{ workflowVersionId: simple.versionId, workflowId: simple.workflowId }, 400, 'FD_INVALID_INPUT', '/body/workflowVersionId'],
      [{ workflowVersionId: ghost }, 404, 'FD_NOT_FOUND', '/body/workflowVersionId'],
      [{ workflowId: ghost }, 404, 'FD_NOT_FOUND', '/body/workflowId'],
      [{ workflowId: draftOnly.id }, 409, 'FD_NOT_PUBLISHED', '/body/workflowId'],
      [{ workflowVersionId: simple.versionId, ticketId: ghost }, 404, 'FD_NOT_FOUND', '/body/ticketId'],
      [{ workflowVersionId: 'v1' }, 400, 'FD_INVALID_INPUT', '/body/workflowVersionId'],
      [{ workflowVersionId: simple.versionId, ticket: 'urgent' }, 400, 'FD_INVALID_INPUT', '/body/ticket'],
      [{ workflowVersionId: simple.versionId, state: 'done' }, 400, 'FD_INVALID_INPUT', '/body/state'],
    ];
    for (const [payload, status, code, path] of cases) {
      const res = await h.app.inject({ method: 'POST', url: '/api/runs', payload: payload as object });
      expect({ payload, status: res.statusCode }).toEqual({ payload, status });
      expect(json(res).error.code).toBe(code);
      expect(json(res).error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect(await tableCounts(h)).toEqual(before);
  });

  it('answers events that do not apply with 409 and reason, unknown runs with 404, and retry of a healthy run with 409', async () => {
    const run = json(await h.app.inject({ method: 'POST', url: '/api/runs', payload: { workflowVersionId: simple.versionId } })).run;
    const before = await tableCounts(h);
    const row = await h.tdb.db.selectFrom('runs').selectAll().where('id', '=', run.id).executeTakeFirstOrThrow();

    const wrongNode = await h.app.inject({
      method: 'POST',
      url: `/api/runs/${run.id}/events`,
      payload: { type: 'task.submit', nodeId: 'elsewhere', action: 'done', at: '2026-01-01T00:00:00Z' },
    });
    expect(wrongNode.statusCode).toBe(409);
    expect(json(wrongNode).error).toMatchObject({ code: 'FD_EVENT_NOT_APPLICABLE', details: [] });
    expect(json(wrongNode).error.message.length).toBeGreaterThan(0);

    const unknownRun = await h.app.inject({
      method: 'POST',
      url: '/api/runs/00000000-0000-4000-8000-000000000000/events',
      payload: { type: 'ticket.event', name: 'customer.replied' },
    });
    expect(unknownRun.statusCode).toBe(404);
    expect(json(unknownRun).error.code).toBe('FD_NOT_FOUND');
    for (const url of ['/api/runs/00000000-0000-4000-8000-000000000000', '/api/runs/00000000-0000-4000-8000-000000000000/history']) {
      const res = await h.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(404);
    }
    const retryUnknown = await h.app.inject({ method: 'POST', url: '/api/runs/00000000-0000-4000-8000-000000000000/retry' });
    expect(retryUnknown.statusCode).toBe(404);

    const retry = await h.app.inject({ method: 'POST', url: `/api/runs/${run.id}/retry` });
    expect(retry.statusCode).toBe(409);
    expect(json(retry).error.code).toBe('FD_CONFLICT');

    expect(await tableCounts(h)).toEqual(before);
    expect(await h.tdb.db.selectFrom('runs').selectAll().where('id', '=', run.id).executeTakeFirstOrThrow()).toEqual(row);

    const reject = await h.app.inject({
      method: 'POST',
      url: `/api/runs/${run.id}/events`,
      payload: { type: 'approval.vote', nodeId: 'approve', approver: 'ann', decision: 'reject', ticket: { note: 'no budget' } },
    });
    expect(reject.statusCode).toBe(200);
    expect(json(reject).run).toMatchObject({ status: 'completed', state: 'no', sequence: row.sequence + 1 });
  });

  it('lists runs newest first with filters and an opaque keyset cursor that visits every run once', async () => {
    const fresh = await publishViaApi(h.app, approvalWorkflow('paging'));
    const started: string[] = [];
    for (let i = 0; i < 7; i++) {
      started.push(json(await h.app.inject({ method: 'POST', url: '/api/runs', payload: { workflowVersionId: fresh.versionId } })).run.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/runs?workflowId=${fresh.workflowId}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await h.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      const body = json(res);
      expect(body.runs.length).toBeLessThanOrEqual(3);
      seen.push(...body.runs.map((r: { id: string }) => r.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen.length).toBe(7);
    expect(new Set(seen)).toEqual(new Set(started));
    // Newest first.
    const created = await h.tdb.db.selectFrom('runs').select(['id', 'created_at']).where('id', 'in', seen).execute();
    const order = new Map(created.map((r) => [r.id, r.created_at.getTime()]));
    for (let i = 1; i < seen.length; i++) expect(order.get(seen[i - 1]!)!).toBeGreaterThanOrEqual(order.get(seen[i]!)!);

    const waiting = json(await h.app.inject({ method: 'GET', url: `/api/runs?status=waiting&workflowId=${fresh.workflowId}` }));
    expect(waiting.runs.length).toBe(7);
    expect(waiting.nextCursor).toBeNull();
    const completed = json(await h.app.inject({ method: 'GET', url: `/api/runs?status=completed&workflowId=${fresh.workflowId}` }));
    expect(completed.runs).toEqual([]);
    const all = json(await h.app.inject({ method: 'GET', url: '/api/runs' }));
    expect(all.runs.length).toBeGreaterThanOrEqual(7);
    expect(all.runs.length).toBeLessThanOrEqual(50);
  });
});
