// GET /api/runs/:id/stream over a real HTTP connection: the first event at once, another when the run moves,
// `end` when it completes; scoped like every run read.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalWorkflow, createPrincipal, json, publishViaApi, startHarness, type Harness } from './api-harness.ts';

let h: Harness;
let base: string;

beforeAll(async () => {
  h = await startHarness('run_stream');
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
}, 60_000);
afterAll(async () => {
  await h?.close();
});

interface SseEvent {
  event: string;
  data: any;
}

/** Opens the stream and collects parsed events; `next(n)` resolves once n events have arrived. */
function openStream(path: string, token: string) {
  const events: SseEvent[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let response: IncomingMessage | undefined;
  let ended = false;
  const ready = new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
      response = res;
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          for (const w of waiters.filter((w) => events.length >= w.n)) w.resolve();
        }
      });
      res.on('end', () => (ended = true));
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
  const next = (n: number) =>
    new Promise<void>((resolve, reject) => {
      if (events.length >= n) return resolve();
      const timer = setTimeout(() => reject(new Error(`only ${events.length} events: ${JSON.stringify(events.map((e) => e.event))}`)), 10_000);
      waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
    });
  return { events, ready, next, close: () => response?.destroy(), ended: () => ended };
}

describe('run stream', () => {
  it('sends the run at once, each move with the new history entries, and end on completion', async () => {
    const { versionId } = await publishViaApi(h.app, approvalWorkflow('streamed'));
    const run = json(await h.app.inject({ method: 'POST', url: '/api/runs', payload: { workflowVersionId: versionId } })).run;
    const stream = openStream(`/api/runs/${run.id}/stream`, h.admin.token);
    const res = await stream.ready;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    await stream.next(1);
    expect(stream.events[0]).toMatchObject({ event: 'run', data: { run: { id: run.id, status: 'waiting' } } });
    const firstHistory = stream.events[0]!.data.history as { sequence: number }[];
    expect(firstHistory.length).toBeGreaterThan(0);

    const vote = await h.app.inject({ method: 'POST', url: `/api/runs/${run.id}/events`, payload: { type: 'approval.vote', nodeId: 'approve', approver: 'ann', decision: 'approve' } });
    expect(vote.statusCode, vote.body).toBe(200);
    await stream.next(3);
    expect(stream.events[1]).toMatchObject({ event: 'run', data: { run: { status: 'completed' } } });
    const newHistory = stream.events[1]!.data.history as { sequence: number }[];
    expect(newHistory.length).toBeGreaterThan(0);
    expect(newHistory[0]!.sequence).toBe(firstHistory.at(-1)!.sequence + 1);
    expect(stream.events[2]).toMatchObject({ event: 'end', data: { runId: run.id } });
    await new Promise((r) => setTimeout(r, 50));
    expect(stream.ended()).toBe(true);
  });

  it('is scoped: an agent outside the run ticket’s team gets 404, anonymous 401', async () => {
    const team = json(await h.app.inject({ method: 'POST', url: '/api/teams', payload: { name: 'Other team' } })).team.id;
    const { versionId } = await publishViaApi(h.app, approvalWorkflow('streamed-scoped'));
    const ticket = json(await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'Scoped stream' } })).ticket;
    await h.app.inject({ method: 'PATCH', url: `/api/tickets/${ticket.id}`, payload: { teamId: team } });
    const run = json(await h.app.inject({ method: 'POST', url: '/api/runs', payload: { workflowVersionId: versionId, ticketId: ticket.id } })).run;
    const agent = await createPrincipal(h.tdb.db, { role: 'agent' });
    const denied = await h.app.inject({ method: 'GET', url: `/api/runs/${run.id}/stream`, headers: { authorization: `Bearer ${agent.token}` } });
    expect(denied.statusCode).toBe(404);
    const anonymous = await h.app.inject({ method: 'GET', url: `/api/runs/${run.id}/stream`, headers: { authorization: '' } });
    expect(anonymous.statusCode).toBe(401);
  });
});
