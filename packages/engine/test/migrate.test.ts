// migrateRun(): re-entering a run at a node of another version gives the target's normal entry effects with a
// new visit, keeps the context, resolves rule nodes in-process, and leaves a snapshot that then behaves like
// one of a run that reached the node normally.
import type { WorkflowDefinition } from '@flowdesk/schema';
import { describe, expect, it } from 'vitest';
import { advance, describeRun, migrateRun, migrationTargetProblem, RunMigrationError, step, type RunEvent, type RunSnapshot } from '../src/index.ts';
import { T0, T1, T2, edge, node, supportWorkflow, workflow } from './fixtures.ts';

const T3 = '2026-03-01T12:00:00.000Z';

/** v2 of the support flow: review gains a hold (wait) and a routing rule; the notify action is gone. */
function supportV2(): WorkflowDefinition {
  const v1 = supportWorkflow();
  return workflow(
    'support',
    [
      ...v1.nodes.filter((n) => n.id !== 'notify'),
      node('hold', 'wait', { duration: 'PT1H', resumeOn: ['customer.replied'] }),
      node('route', 'rule', {
        rules: [{ name: 'vip', outcome: 'vip', conditions: { all: [{ fact: 'ticket', path: '$.tier', operator: 'equal', value: 'gold' }] } }],
        defaultOutcome: 'normal',
      }),
    ],
    [
      ...v1.edges.filter((e) => e.source !== 'notify' && e.target !== 'notify'),
      edge('review', 'late', 'hold'),
      edge('hold', 'elapsed', 'route'),
      edge('hold', 'resumed', 'review'),
      edge('route', 'vip', 'board'),
      edge('route', 'normal', 'review'),
    ],
  );
}

/** A v1 run waiting at review (visit 1), with the classify result recorded. */
async function atReview(ticket: Record<string, unknown> = { tier: 'gold' }): Promise<RunSnapshot> {
  const v1 = supportWorkflow();
  const started = await advance(v1, null, { start: { ticket, at: T0 } });
  const classified = await advance(v1, started.snapshot, {
    event: { type: 'effect.result', nodeId: 'classify', visit: 1, outcome: 'done', output: { label: 'billing' }, at: T1 },
  });
  expect(classified.snapshot.value).toBe('review');
  return classified.snapshot;
}

describe('migrateRun', () => {
  it('into a wait: the timer is scheduled from `at` with the new visit; the old timer is stale', async () => {
    const v2 = supportV2();
    const r = await migrateRun(v2, await atReview(), 'hold', T2);
    expect(r.snapshot.value).toBe('hold');
    expect(r.steps).toHaveLength(1);
    expect(r.steps[0]).toEqual({
      event: { type: 'run.migrated', at: T2, from: 'review', to: 'hold' },
      from: 'review',
      to: 'hold',
      effects: r.effects,
      changed: true,
    });
    expect(r.effects).toEqual([{ type: 'timer.schedule', nodeId: 'hold', visit: 1, timerId: 'hold:elapsed', fireAt: '2026-03-01T12:00:00.000Z' }]);
    expect(describeRun(v2, r.snapshot).status).toBe('waiting');

    // v1's escalation timer of review (visit 1) fires later: the run is elsewhere, it is ignored.
    const stale = step(v2, r.snapshot, { type: 'timer.fired', nodeId: 'review', visit: 1, timerId: 'review:escalation:late', at: T3 });
    expect(stale.changed).toBe(false);
    // Its own timer moves it on (hold -> route, evaluated in-process -> board for a gold ticket).
    const fired = await advance(v2, r.snapshot, { event: { type: 'timer.fired', nodeId: 'hold', visit: 1, timerId: 'hold:elapsed', at: T3 } });
    expect(fired.steps.map((s) => s.to)).toEqual(['route', 'board']);
  });

  it('into a task with the same id: task.open with the next visit; events of the old visit are stale', async () => {
    const v2 = supportV2();
    const r = await migrateRun(v2, await atReview(), 'review', T2);
    expect(r.snapshot.value).toBe('review');
    expect(r.effects).toEqual([
      { type: 'task.open', nodeId: 'review', visit: 2, title: 'Review', assignee: { type: 'team', team: 'tier1' }, form: 'review', actions: expect.any(Array) },
      { type: 'timer.schedule', nodeId: 'review', visit: 2, timerId: 'review:escalation:late', fireAt: '2026-03-01T11:30:00.000Z' },
    ]);
    const oldSubmit = step(v2, r.snapshot, { type: 'task.submit', nodeId: 'review', visit: 1, action: 'approve', at: T3 });
    expect(oldSubmit.changed).toBe(false);
    expect(oldSubmit.ignoredReason).toMatch(/visit 1 .* visit 2/);
    const oldTimer = step(v2, r.snapshot, { type: 'timer.fired', nodeId: 'review', visit: 1, timerId: 'review:escalation:late', at: T3 });
    expect(oldTimer.changed).toBe(false);
    const submit = step(v2, r.snapshot, { type: 'task.submit', nodeId: 'review', visit: 2, action: 'approve', at: T3 });
    expect(submit).toMatchObject({ changed: true, to: 'board' });
  });

  it('into a rule node: evaluates it in-process and moves on, like advance()', async () => {
    const v2 = supportV2();
    const gold = await migrateRun(v2, await atReview({ tier: 'gold' }), 'route', T2);
    expect(gold.steps.map((s) => [s.event.type, s.from, s.to])).toEqual([
      ['run.migrated', 'review', 'route'],
      ['effect.result', 'route', 'board'],
    ]);
    expect(gold.steps[1]!.event).toEqual({ type: 'effect.result', nodeId: 'route', visit: 1, outcome: 'vip', output: { matchedRule: 'vip' }, at: T2 });
    expect(gold.effects.map((e) => e.type)).toEqual(['approval.open']);
    expect(gold.snapshot.context.results['route']).toEqual({ matchedRule: 'vip' });

    const plain = await migrateRun(v2, await atReview({ tier: 'basic' }), 'route', T2);
    expect(plain.snapshot.value).toBe('review');
    expect(plain.effects.filter((e) => e.type === 'task.open')).toEqual([expect.objectContaining({ nodeId: 'review', visit: 2 })]);
  });

  it('into an end node: the run completes', async () => {
    const v2 = supportV2();
    const r = await migrateRun(v2, await atReview(), 'cancelled', T2);
    expect(r.snapshot.status).toBe('done');
    expect(r.snapshot.context.endStatus).toBe('cancelled');
    expect(r.effects).toEqual([{ type: 'run.complete', nodeId: 'cancelled', visit: 1, status: 'cancelled' }]);
    expect(describeRun(v2, r.snapshot).status).toBe('completed');
    expect(step(v2, r.snapshot, { type: 'approval.vote', nodeId: 'board', approver: 'a', decision: 'approve', at: T3 }).changed).toBe(false);
  });

  it('keeps ticket, visits and the results/votes of nodes that still exist; drops failure and removed nodes', async () => {
    const v1 = supportWorkflow();
    const review = await atReview({ tier: 'gold', subject: 'Refund' });
    // review.late -> notify (action) fails with no edge for its outcome: the run is stuck at notify.
    const late = await advance(v1, review, { event: { type: 'timer.fired', nodeId: 'review', visit: 1, timerId: 'review:escalation:late', at: T2 } });
    const stuck = await advance(v1, late.snapshot, {
      event: { type: 'effect.result', nodeId: 'notify', visit: 1, outcome: 'weird', error: 'boom', at: T2 },
    });
    expect(stuck.snapshot.context.failure).not.toBeNull();
    const withResult = { ...stuck.snapshot, context: { ...stuck.snapshot.context, results: { ...stuck.snapshot.context.results, notify: { sent: true } } } };

    const v2 = supportV2();
    const r = await migrateRun(v2, withResult, 'board', T3);
    const ctx = r.snapshot.context;
    expect(ctx.ticket).toEqual({ tier: 'gold', subject: 'Refund' });
    expect(ctx.visits).toEqual({ start: 1, classify: 1, review: 1, notify: 1, board: 1 });
    expect(ctx.results).toEqual({ classify: { label: 'billing' }, review: { outcome: 'late', at: T2 } });
    expect(ctx.votes).toEqual({ board: {} });
    expect(ctx.failure).toBeNull();
    expect(r.steps[0]!.from).toBe('notify');
    expect(describeRun(v2, r.snapshot).status).toBe('waiting');
  });

  it('then behaves exactly like a run that reached the node normally', async () => {
    const v2 = supportV2();
    const migrated = await migrateRun(v2, await atReview(), 'board', T2);

    // The same run on v2 from the start: classify -> review -> (approve) -> board.
    let normal = (await advance(v2, null, { start: { ticket: { tier: 'gold' }, at: T0 } })).snapshot;
    normal = (await advance(v2, normal, { event: { type: 'effect.result', nodeId: 'classify', visit: 1, outcome: 'done', output: { label: 'billing' }, at: T1 } })).snapshot;
    const entered = await advance(v2, normal, { event: { type: 'task.submit', nodeId: 'review', visit: 1, action: 'approve', at: T2 } });
    normal = entered.snapshot;

    expect(migrated.snapshot.value).toBe(normal.value);
    expect(migrated.snapshot.context.visits).toEqual(normal.context.visits);
    expect(migrated.effects).toEqual(entered.effects);

    const events: RunEvent[] = [
      { type: 'timer.fired', nodeId: 'review', visit: 1, timerId: 'review:escalation:late', at: T3 },
      { type: 'approval.vote', nodeId: 'board', approver: 'ann', decision: 'approve', at: T3 },
      { type: 'approval.vote', nodeId: 'board', approver: 'ann', decision: 'approve', at: T3 },
      { type: 'approval.vote', nodeId: 'board', approver: 'bob', decision: 'reject', at: T3 },
      { type: 'approval.vote', nodeId: 'board', approver: 'cy', decision: 'approve', at: T3 },
    ];
    let a = migrated.snapshot;
    let b = normal;
    for (const event of events) {
      const ra = await advance(v2, a, { event });
      const rb = await advance(v2, b, { event });
      expect(ra.steps).toEqual(rb.steps);
      expect(ra.ignoredReason).toEqual(rb.ignoredReason);
      a = ra.snapshot;
      b = rb.snapshot;
    }
    expect(a.value).toBe('done');
    expect(a.status).toBe('done');
    expect(a.context.votes).toEqual(b.context.votes);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
  });

  it('refuses a finished run, an unknown target and the trigger', async () => {
    const v2 = supportV2();
    const review = await atReview();
    const done = (await migrateRun(v2, review, 'done', T2)).snapshot;
    await expect(migrateRun(v2, done, 'review', T3)).rejects.toThrow(RunMigrationError);
    await expect(migrateRun(v2, review, 'nope', T3)).rejects.toThrow(/has no node "nope"/);
    await expect(migrateRun(v2, review, 'start', T3)).rejects.toThrow(/trigger/);
    expect(migrationTargetProblem(v2, 'hold')).toBeNull();
    // The old snapshot is a value: migrating does not change it.
    expect(review.value).toBe('review');
    expect(review.context.visits).toEqual({ start: 1, classify: 1, review: 1 });
  });

  it('works on a workflow whose machine was never stepped (fresh compile), and from a JSON round trip', async () => {
    const snapshot = JSON.parse(JSON.stringify(await atReview())) as RunSnapshot;
    const v2 = JSON.parse(JSON.stringify(supportV2())) as WorkflowDefinition;
    const r = await migrateRun(v2, snapshot, 'board', T2);
    expect(r.snapshot.value).toBe('board');
    expect(r.effects.map((e) => e.type)).toEqual(['approval.open']);
  });
});
