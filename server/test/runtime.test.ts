// The durable runtime against a real Postgres and real pg-boss workers: timers fire through pg-boss,
// action effects change the ticket in the same transaction as the transition, stale and duplicate
// events change nothing, failed effects route to `error` / a stuck run that can be retried, and runs
// stay on the version they started with.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { PgBoss } from 'pg-boss';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { createDatabase, type DatabaseHandle } from '../src/db/database.ts';
import { createBoss, Runtime, startWorkers, type RuntimeTuning, type Workers } from '../src/runtime/index.ts';
import { waitFor } from './wait-for.ts';

const demo = JSON.parse(readFileSync(new URL('../../packages/schema/examples/escalating-approval.json', import.meta.url), 'utf8')) as WorkflowDefinition;
const logger = pino({ level: process.env.FLOWDESK_TEST_LOG_LEVEL ?? 'warn' });
const tuning: RuntimeTuning = { effectRetryLimit: 1, effectExpireSeconds: 5, effectTimeoutMs: 2000, pollingIntervalSeconds: 0.5, superviseIntervalSeconds: 2 };

let tdb: TestDatabase;
/** A pool of its own for the runtime's fast path (TestDatabase keeps its pool private). */
let runtimeDb: DatabaseHandle;
let boss: PgBoss;
let runtime: Runtime;
let workers: Workers;
let sink: Server;
let sinkPort = 0;
let sinkFailuresLeft = 0;
const sinkCalls: string[] = [];

function variant(key: string, change: (d: WorkflowDefinition) => void): WorkflowDefinition {
  const copy = structuredClone(demo);
  copy.key = key;
  change(copy);
  return copy;
}

function node(def: WorkflowDefinition, id: string) {
  const found = def.nodes.find((n) => n.id === id);
  if (!found) throw new Error(`no node ${id}`);
  return found as unknown as { params: Record<string, unknown> };
}

async function publish(definition: WorkflowDefinition, version = 1): Promise<string> {
  const db = tdb.db;
  let workflow = await db.selectFrom('workflows').select('id').where('key', '=', definition.key).executeTakeFirst();
  workflow ??= await db.insertInto('workflows').values({ key: definition.key, name: definition.name, draft: JSON.stringify(definition) }).returning('id').executeTakeFirstOrThrow();
  const row = await db
    .insertInto('workflow_versions')
    .values({ workflow_id: workflow.id, version, definition: JSON.stringify(definition) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function ticket(priority = 'normal') {
  return tdb.db.insertInto('tickets').values({ subject: 'Refund for order 42', body: 'Please refund', priority }).returning('id').executeTakeFirstOrThrow();
}

const runRow = (id: string) => tdb.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const history = (id: string) => tdb.db.selectFrom('run_history').selectAll().where('run_id', '=', id).orderBy('sequence').execute();
const path = async (id: string) => (await history(id)).map((h) => `${(h.event as { type: string }).type}:${h.from_state ?? '-'}->${h.to_state}`);

beforeAll(async () => {
  sink = createServer((req, res) => {
    sinkCalls.push(String(req.headers['idempotency-key']));
    req.resume();
    if (sinkFailuresLeft > 0) {
      sinkFailuresLeft--;
      res.writeHead(503).end('busy');
    } else res.writeHead(200).end('ok');
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  sinkPort = (sink.address() as { port: number }).port;
  tdb = await createTestDatabase('runtime');
  boss = await createBoss(tdb.connectionString, logger, tuning);
  runtimeDb = createDatabase(tdb.connectionString, { max: 5 });
  runtime = new Runtime({ db: tdb.db, pool: runtimeDb.pool, boss, logger });
  workers = await startWorkers(runtime, { tuning, concurrency: 2 });
}, 60_000);

afterAll(async () => {
  await workers?.stop();
  await boss?.stop({ graceful: false });
  await runtimeDb?.close();
  await tdb?.drop();
  await new Promise((r) => sink.close(r));
});

describe('durable runtime', () => {
  it('runs the demo workflow end to end: rule, pg-boss timer, approval, end — each transition once', async () => {
    const versionId = await publish(demo);
    const t = await ticket('normal');
    const [run] = await runtime.startRunsForTicket(t.id, 'ticket.created');
    expect(run).toBeDefined();
    expect(run!.state).toBe('cooling_off');
    expect(run!.workflow_version_id).toBe(versionId);

    // The 3 s cooling-off timer is a pg-boss job with startAfter; the worker applies timer.fired.
    await waitFor('timer to fire', async () => (await runRow(run!.id)).state === 'manager_approval');
    const tasks = await tdb.db.selectFrom('tasks').selectAll().where('run_id', '=', run!.id).execute();
    expect(tasks.map((x) => [x.node_id, x.kind, x.status])).toEqual([['manager_approval', 'approval', 'open']]);

    const vote = await runtime.sendEvent(run!.id, { type: 'approval.vote', nodeId: 'manager_approval', approver: 'maria', decision: 'approve' });
    expect(vote.applied).toBe(true);
    expect(vote.run.status).toBe('completed');
    expect(vote.run.state).toBe('resolved');

    expect(await path(run!.id)).toEqual([
      'run.start:-->triage',
      'effect.result:triage->cooling_off',
      'timer.fired:cooling_off->manager_approval',
      'approval.vote:manager_approval->resolved',
    ]);
    const rows = await history(run!.id);
    expect(rows.map((r) => r.sequence)).toEqual([1, 2, 3, 4]);
    const closed = await tdb.db.selectFrom('tasks').select('status').where('run_id', '=', run!.id).execute();
    expect(closed.map((x) => x.status)).toEqual(['done']);
    const tk = await tdb.db.selectFrom('tickets').select('status').where('id', '=', t.id).executeTakeFirstOrThrow();
    expect(tk.status).toBe('resolved');
  });

  it('ignores stale timers and already-applied events, and says why', async () => {
    const def = variant('stale-timers', () => {});
    const versionId = await publish(def);
    const t = await ticket('urgent');
    const { run } = await runtime.startRun({ workflowVersionId: versionId, ticketId: t.id });
    expect(run.state).toBe('manager_approval');
    const before = await history(run.id);

    // The escalation timer of visit 1 arrives after a vote moved the run on: ignored.
    await runtime.sendEvent(run.id, { type: 'approval.vote', nodeId: 'manager_approval', approver: 'a', decision: 'reject' });
    const stale = await runtime.sendEvent(run.id, { type: 'timer.fired', nodeId: 'manager_approval', visit: 1, timerId: 'manager_approval:escalation:escalated' });
    expect(stale.applied).toBe(false);
    expect(stale.reason).toMatch(/completed/);
    expect((await history(run.id)).length).toBe(before.length + 1);

    // Same event key twice: the second is a duplicate, not a second transition.
    const t2 = await ticket('urgent');
    const { run: run2 } = await runtime.startRun({ workflowVersionId: versionId, ticketId: t2.id });
    const first = await runtime.sendEvent(run2.id, { type: 'approval.vote', nodeId: 'manager_approval', approver: 'a', decision: 'approve' }, { eventKey: 'vote-1' });
    const again = await runtime.sendEvent(run2.id, { type: 'approval.vote', nodeId: 'manager_approval', approver: 'a', decision: 'approve' }, { eventKey: 'vote-1' });
    expect(first.applied).toBe(true);
    expect(again).toMatchObject({ applied: false, duplicate: true });

    // An event for another node is refused with a reason naming both nodes.
    const t3 = await ticket('normal');
    const { run: run3 } = await runtime.startRun({ workflowVersionId: versionId, ticketId: t3.id });
    const wrong = await runtime.sendEvent(run3.id, { type: 'approval.vote', nodeId: 'manager_approval', approver: 'a', decision: 'approve' });
    expect(wrong.applied).toBe(false);
    expect(wrong.reason).toMatch(/cooling_off/);
  });

  it('applies action effects to the ticket in the same transaction as the transition (escalation path)', async () => {
    const def = variant('escalating-fast', (d) => {
      node(d, 'cooling_off').params.duration = 'PT1H';
      node(d, 'cooling_off').params.escalations = [{ outcome: 'escalated', after: 'PT1S' }];
    });
    const versionId = await publish(def);
    const t = await ticket('normal');
    const { run } = await runtime.startRun({ workflowVersionId: versionId, ticketId: t.id });
    await waitFor('escalation to reach the approval', async () => (await runRow(run.id)).state === 'manager_approval');
    expect(await path(run.id)).toEqual([
      'run.start:-->triage',
      'effect.result:triage->cooling_off',
      'timer.fired:cooling_off->escalate',
      'effect.result:escalate->manager_approval',
    ]);
    const tk = await tdb.db.selectFrom('tickets').selectAll().where('id', '=', t.id).executeTakeFirstOrThrow();
    expect(tk.priority).toBe('urgent');
    expect(tk.tags).toEqual(['escalated']);
    // The run's facts were refreshed from the changed ticket.
    const snapshot = (await runRow(run.id)).snapshot as { context: { ticket: { priority: string } } };
    expect(snapshot.context.ticket.priority).toBe('urgent');
  });

  it('retries failing effects with backoff, then routes to a stuck run that can be retried', async () => {
    const def = variant('failing-webhook', (d) => {
      node(d, 'escalate').params.steps = [{ type: 'http', method: 'POST', url: `http://127.0.0.1:${sinkPort}/hook`, body: { hello: 'world' } }];
      node(d, 'cooling_off').params.duration = 'PT1H';
      node(d, 'cooling_off').params.escalations = [{ outcome: 'escalated', after: 'PT0.2S' }];
    });
    const versionId = await publish(def);
    sinkFailuresLeft = 2; // first attempt and its one retry fail
    sinkCalls.length = 0;
    const t = await ticket('normal');
    const { run } = await runtime.startRun({ workflowVersionId: versionId, ticketId: t.id });
    const stuck = await waitFor('run to get stuck', async () => {
      const r = await runRow(run.id);
      return r.status === 'stuck' ? r : null;
    });
    expect(stuck.state).toBe('escalate');
    expect(stuck.error).toMatch(/503/);
    expect(sinkCalls.length).toBe(2);
    expect(new Set(sinkCalls).size).toBe(1); // both attempts carried the same idempotency key

    const retried = await runtime.retry(run.id);
    expect(retried.run.status).toBe('running');
    await waitFor('retried run to move on', async () => (await runRow(run.id)).state === 'manager_approval');
    const after = await runRow(run.id);
    expect(after.status).toBe('waiting');
    expect(after.error).toBeNull();
    await expect(runtime.retry(run.id)).rejects.toThrow(/only stuck runs/);
  });

  it('keeps running runs on the version they started with', async () => {
    const v1 = variant('pinned', () => {});
    const v1Id = await publish(v1, 1);
    const t = await ticket('urgent');
    const { run } = await runtime.startRun({ workflowVersionId: v1Id, ticketId: t.id });
    // Version 2 sends approvals to "rejected" on approve (a visible behaviour change).
    const v2 = variant('pinned', (d) => {
      d.edges = d.edges.map((e) => (e.outcome === 'approved' ? { ...e, target: 'rejected' } : e));
    });
    await publish(v2, 2);
    const vote = await runtime.sendEvent(run.id, { type: 'approval.vote', nodeId: 'manager_approval', approver: 'x', decision: 'approve' });
    expect(vote.run.state).toBe('resolved');
    expect(vote.run.workflow_version_id).toBe(v1Id);
    // A new ticket starts on the latest version.
    const t2 = await ticket('urgent');
    const runs = await runtime.startRunsForTicket(t2.id, 'ticket.created');
    const pinned = runs.find((r) => r.workflow_version_id !== v1Id && r.state === 'manager_approval');
    expect(pinned).toBeDefined();
  });

  it('delivers ticket events through the outbox: once right away, again by the worker if that never happened', async () => {
    const def = variant('outbox', (d) => {
      node(d, 'cooling_off').params.duration = 'PT1H';
    });
    const versionId = await publish(def);
    const t1 = await ticket('normal');
    const { run: first } = await runtime.startRun({ workflowVersionId: versionId, ticketId: t1.id });
    expect(first.state).toBe('cooling_off');
    // Committed but never delivered by the caller (as if the process died right after COMMIT).
    await tdb.db.transaction().execute((trx) => runtime.queueTicketEvents(trx, t1.id, ['customer.replied']));
    await waitFor('the outbox worker to resume the run', async () => (await runRow(first.id)).state === 'manager_approval');
    expect((await path(first.id)).filter((p) => p.startsWith('ticket.event'))).toEqual(['ticket.event:cooling_off->manager_approval']);

    // Delivered right away and then again (by the worker, or a retry): applied once.
    const t2 = await ticket('normal');
    const { run: second } = await runtime.startRun({ workflowVersionId: versionId, ticketId: t2.id });
    const batch = await tdb.db.transaction().execute((trx) => runtime.queueTicketEvents(trx, t2.id, ['customer.replied']));
    expect(batch).not.toBeNull();
    await runtime.deliverTicketEvents(batch!);
    await runtime.deliverTicketEvents(batch!);
    await new Promise((r) => setTimeout(r, 1500)); // let the worker deliver its copy too
    const rows = await history(second.id);
    expect(rows.filter((r) => (r.event as { type: string }).type === 'ticket.event')).toHaveLength(1);
    expect((await runRow(second.id)).state).toBe('manager_approval');
  });

  it('rolls back everything when the transaction fails: no history row, no snapshot change', async () => {
    const versionId = await publish(variant('rollback', () => {}));
    const t = await ticket('urgent');
    const { run } = await runtime.startRun({ workflowVersionId: versionId, ticketId: t.id });
    await expect(
      runtime.sendEvent(run.id, { type: 'approval.vote', nodeId: 'manager_approval', approver: 'x', decision: 'approve' }, {
        beforePersist: async () => {
          throw new Error('disk on fire');
        },
      }),
    ).rejects.toThrow('disk on fire');
    const after = await runRow(run.id);
    expect(after.sequence).toBe(run.sequence);
    expect(after.state).toBe('manager_approval');
    expect((await history(run.id)).length).toBe(run.sequence);
  });
});
