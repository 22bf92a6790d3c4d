// Event semantics on a flow with an AI node, a task, an action and a 2-of-m approval.
import { describe, expect, it } from 'vitest';
import { describeRun, start, step, type RunEvent, type RunSnapshot } from '../src/index.ts';
import { T0, T1, T2, supportWorkflow } from './fixtures.ts';

const def = supportWorkflow();

function at(nodeId: string): RunSnapshot {
  let s = start(def, { subject: 'Refund' }, T0).snapshot;
  const script: Record<string, RunEvent[]> = {
    classify: [],
    review: [{ type: 'effect.result', nodeId: 'classify', visit: 1, outcome: 'done', output: { label: 'billing' }, at: T0 }],
    board: [
      { type: 'effect.result', nodeId: 'classify', visit: 1, outcome: 'done', at: T0 },
      { type: 'task.submit', nodeId: 'review', action: 'approve', at: T0 },
    ],
  };
  for (const e of script[nodeId]!) s = step(def, s, e).snapshot;
  expect(s.value).toBe(nodeId);
  return s;
}

describe('effect.result', () => {
  it('records the output and takes the edge of the outcome; the AI effect carries task and params', () => {
    const s0 = start(def, {}, T0);
    expect(s0.effects).toEqual([{ type: 'ai.run', nodeId: 'classify', visit: 1, task: 'classify', params: { field: 'category', labels: ['billing', 'bug'] } }]);
    const r = step(def, s0.snapshot, { type: 'effect.result', nodeId: 'classify', visit: 1, outcome: 'low_confidence', output: { label: 'bug', confidence: 0.2 }, at: T1 });
    expect(r.to).toBe('review');
    expect(r.snapshot.context.results['classify']).toEqual({ label: 'bug', confidence: 0.2 });
    expect(r.effects).toEqual([
      { type: 'task.open', nodeId: 'review', visit: 1, title: 'Review', assignee: { type: 'team', team: 'tier1' }, form: 'review', actions: [{ id: 'approve', label: 'Approve' }, { id: 'reject', label: 'Reject' }] },
      { type: 'timer.schedule', nodeId: 'review', visit: 1, timerId: 'review:escalation:late', fireAt: '2026-03-01T09:30:05.000Z' },
    ]);
  });

  it('without an error edge the run gets stuck, and a later successful result for the visit moves it on', () => {
    const s = at('classify');
    const failed = step(def, s, { type: 'effect.result', nodeId: 'classify', visit: 1, outcome: 'error', error: 'provider timeout', at: T1 });
    expect(failed).toMatchObject({ changed: true, from: 'classify', to: 'classify', effects: [] });
    expect(failed.snapshot.context.failure).toEqual({ nodeId: 'classify', visit: 1, error: 'provider timeout' });
    expect(describeRun(def, failed.snapshot).status).toBe('stuck');

    const odd = step(def, failed.snapshot, { type: 'effect.result', nodeId: 'classify', visit: 1, outcome: 'maybe', at: T1 });
    expect(odd.snapshot.context.failure).toEqual({ nodeId: 'classify', visit: 1, error: 'outcome "maybe" has no edge leaving node "classify"' });

    const retried = step(def, odd.snapshot, { type: 'effect.result', nodeId: 'classify', visit: 1, outcome: 'done', output: { label: 'bug' }, at: T2 });
    expect(retried.to).toBe('review');
    expect(retried.snapshot.context.failure).toBeNull();
    expect(describeRun(def, retried.snapshot).status).toBe('waiting');
  });

  it('takes the error edge when there is one', () => {
    let s = at('review');
    s = step(def, s, { type: 'timer.fired', nodeId: 'review', visit: 1, timerId: 'review:escalation:late', at: T1 }).snapshot;
    expect(s.value).toBe('notify');
    const r = step(def, s, { type: 'effect.result', nodeId: 'notify', visit: 1, outcome: 'error', error: 'smtp down', at: T1 });
    expect(r.to).toBe('closed');
    expect(r.snapshot.context.failure).toBeNull();
    expect(r.snapshot.context.results['notify']).toEqual({ error: 'smtp down' });
  });

  it('ignores results for another node or another visit', () => {
    const s = at('review');
    expect(step(def, s, { type: 'effect.result', nodeId: 'classify', visit: 1, outcome: 'done', at: T1 }).ignoredReason).toBe(
      'run is at node "review", event is for node "classify"',
    );
    expect(step(def, s, { type: 'effect.result', nodeId: 'review', visit: 1, outcome: 'approve', at: T1 }).ignoredReason).toBe(
      'node "review" (task) does not take effect results',
    );
    const c = at('classify');
    expect(step(def, c, { type: 'effect.result', nodeId: 'classify', visit: 2, outcome: 'done', at: T1 }).ignoredReason).toBe(
      'effect.result belongs to visit 2 but node "classify" is at visit 1',
    );
  });
});

describe('task.submit', () => {
  it('records action, data and actor and takes the edge of the action', () => {
    const r = step(def, at('review'), { type: 'task.submit', nodeId: 'review', visit: 1, action: 'reject', data: { reason: 'spam' }, actor: 'ana', at: T1 });
    expect(r.to).toBe('closed');
    expect(r.snapshot.context.results['review']).toEqual({ action: 'reject', data: { reason: 'spam' }, actor: 'ana' });
  });

  it('ignores unknown actions and other visits', () => {
    const s = at('review');
    expect(step(def, s, { type: 'task.submit', nodeId: 'review', action: 'foo', at: T1 }).ignoredReason).toBe(
      'task "review" has no action "foo" (actions: approve, reject)',
    );
    expect(step(def, s, { type: 'task.submit', nodeId: 'review', visit: 2, action: 'approve', at: T1 })).toMatchObject({
      changed: false,
      ignoredReason: 'task.submit belongs to visit 2 but node "review" is at visit 1',
    });
  });

  it('an escalation re-enters the task at visit 2 with fresh effects', () => {
    let s = at('review');
    s = step(def, s, { type: 'timer.fired', nodeId: 'review', visit: 1, timerId: 'review:escalation:late', at: T1 }).snapshot;
    const back = step(def, s, { type: 'effect.result', nodeId: 'notify', visit: 1, outcome: 'done', at: T2 });
    expect(back.to).toBe('review');
    expect(back.effects.map((e) => `${e.type}@${e.visit}`)).toEqual(['task.open@2', 'timer.schedule@2']);
    expect(step(def, back.snapshot, { type: 'task.submit', nodeId: 'review', visit: 1, action: 'approve', at: T2 }).changed).toBe(false);
    expect(step(def, back.snapshot, { type: 'task.submit', nodeId: 'review', visit: 2, action: 'approve', at: T2 }).to).toBe('board');
  });
});

describe('approval.vote (2 of m, 2 rejections to reject)', () => {
  const vote = (approver: string, decision: 'approve' | 'reject'): RunEvent => ({ type: 'approval.vote', nodeId: 'board', approver, decision, at: T1 });

  it('needs two approvals; a repeated vote replaces the earlier one', () => {
    let s = at('board');
    const r1 = step(def, s, vote('alice', 'approve'));
    expect(r1).toMatchObject({ changed: true, from: 'board', to: 'board', effects: [] });
    s = r1.snapshot;
    expect(s.context.votes['board']).toEqual({ alice: 'approve' });
    expect(step(def, s, vote('alice', 'approve'))).toMatchObject({
      changed: false,
      ignoredReason: 'approver "alice" already voted "approve" on "board" (visit 1)',
    });
    // alice changing her mind leaves one rejection: not enough to reject.
    s = step(def, s, vote('alice', 'reject')).snapshot;
    expect(s.value).toBe('board');
    expect(s.context.votes['board']).toEqual({ alice: 'reject' });
    s = step(def, s, vote('bob', 'approve')).snapshot;
    expect(s.value).toBe('board');
    const approved = step(def, s, vote('alice', 'approve'));
    expect(approved.to).toBe('done');
    expect(approved.snapshot.context.votes['board']).toEqual({ alice: 'approve', bob: 'approve' });
  });

  it('two rejections reject', () => {
    let s = at('board');
    s = step(def, s, vote('alice', 'reject')).snapshot;
    s = step(def, s, vote('bob', 'approve')).snapshot;
    const r = step(def, s, vote('carol', 'reject'));
    expect(r.to).toBe('cancelled');
    expect(r.effects).toEqual([{ type: 'run.complete', nodeId: 'cancelled', visit: 1, status: 'cancelled' }]);
  });

  it('a vote for another node is ignored', () => {
    expect(step(def, at('review'), vote('alice', 'approve')).ignoredReason).toBe('run is at node "review", event is for node "board"');
  });
});

describe('timers and ticket facts', () => {
  it('ignores an unknown timer id on the current node', () => {
    const r = step(def, at('review'), { type: 'timer.fired', nodeId: 'review', visit: 1, timerId: 'review:elapsed', at: T1 });
    expect(r).toMatchObject({ changed: false, ignoredReason: 'node "review" has no timer "review:elapsed"' });
  });

  it('merges ticket facts shallowly only when the event is applied', () => {
    const s = at('review');
    const ignored = step(def, s, { type: 'task.submit', nodeId: 'review', action: 'nope', at: T1, ticket: { status: 'x' } });
    expect(ignored.snapshot.context.ticket).toEqual({ subject: 'Refund' });
    const applied = step(def, s, { type: 'task.submit', nodeId: 'review', action: 'approve', at: T1, ticket: { subject: 'Refund!', status: 'open' } });
    expect(applied.snapshot.context.ticket).toEqual({ subject: 'Refund!', status: 'open' });
    // The input snapshot is untouched (pure).
    expect(s.context.ticket).toEqual({ subject: 'Refund' });
  });
});
