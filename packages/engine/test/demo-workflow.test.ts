// The schema package's demo workflow end to end, through start()/step() with the rule answered by hand.
import { describe, expect, it } from 'vitest';
import { describeRun, start, step, type RunSnapshot } from '../src/index.ts';
import { T0, T1, T2, demoWorkflow } from './fixtures.ts';

const def = demoWorkflow();

function triaged(priority: string, outcome: 'urgent' | 'normal'): RunSnapshot {
  const s0 = start(def, { priority }, T0);
  expect(s0.effects).toEqual([{ type: 'rules.evaluate', nodeId: 'triage', visit: 1, rules: def.nodes[1]!.params }]);
  const s1 = step(def, s0.snapshot, { type: 'effect.result', nodeId: 'triage', visit: 1, outcome, output: { matchedRule: null }, at: T0 });
  expect(s1.changed).toBe(true);
  return s1.snapshot;
}

describe('demo workflow: escalating approval', () => {
  it('starts at the trigger target: the trigger is transient', () => {
    const r = start(def, { priority: 'urgent' }, T0);
    expect(r).toMatchObject({ from: null, to: 'triage', changed: true });
    expect(r.snapshot.context.visits).toEqual({ start: 1, triage: 1 });
    expect(describeRun(def, r.snapshot)).toEqual({ nodeId: 'triage', kind: 'rule', status: 'running' });
  });

  it('urgent -> approval -> resolved', () => {
    const s0 = start(def, { priority: 'urgent' }, T0);
    const s1 = step(def, s0.snapshot, { type: 'effect.result', nodeId: 'triage', visit: 1, outcome: 'urgent', at: T0 });
    expect(s1.to).toBe('manager_approval');
    expect(s1.effects).toEqual([
      { type: 'approval.open', nodeId: 'manager_approval', visit: 1, title: 'Approve the request', approvers: [{ type: 'role', role: 'manager' }], required: 1 },
      { type: 'timer.schedule', nodeId: 'manager_approval', visit: 1, timerId: 'manager_approval:escalation:escalated', fireAt: '2026-03-01T11:00:00.000Z' },
    ]);
    expect(describeRun(def, s1.snapshot).status).toBe('waiting');
    const s2 = step(def, s1.snapshot, { type: 'approval.vote', nodeId: 'manager_approval', approver: 'mia', decision: 'approve', at: T1 });
    expect(s2).toMatchObject({ from: 'manager_approval', to: 'resolved', changed: true });
    expect(s2.effects).toEqual([{ type: 'run.complete', nodeId: 'resolved', visit: 1, status: 'resolved' }]);
    expect(s2.snapshot.status).toBe('done');
    expect(s2.snapshot.context.endStatus).toBe('resolved');
    expect(describeRun(def, s2.snapshot)).toEqual({ nodeId: 'resolved', kind: 'end', status: 'completed' });
  });

  it('normal -> cooling-off timer elapses -> approval -> rejected (closed)', () => {
    const s0 = start(def, { priority: 'normal' }, T0);
    const s1 = step(def, s0.snapshot, { type: 'effect.result', nodeId: 'triage', visit: 1, outcome: 'normal', at: T0 });
    expect(s1.to).toBe('cooling_off');
    expect(s1.effects).toEqual([
      { type: 'timer.schedule', nodeId: 'cooling_off', visit: 1, timerId: 'cooling_off:elapsed', fireAt: '2026-03-01T09:00:03.000Z' },
      { type: 'timer.schedule', nodeId: 'cooling_off', visit: 1, timerId: 'cooling_off:escalation:escalated', fireAt: '2026-03-01T10:00:00.000Z' },
    ]);
    const s2 = step(def, s1.snapshot, { type: 'timer.fired', nodeId: 'cooling_off', visit: 1, timerId: 'cooling_off:elapsed', at: T1 });
    expect(s2.to).toBe('manager_approval');
    expect(s2.snapshot.context.results['cooling_off']).toEqual({ outcome: 'elapsed', at: T1 });
    // The cooling-off escalation timer fires later: its state was left, so it is ignored.
    const late = step(def, s2.snapshot, { type: 'timer.fired', nodeId: 'cooling_off', visit: 1, timerId: 'cooling_off:escalation:escalated', at: T2 });
    expect(late).toMatchObject({ changed: false, effects: [], ignoredReason: 'run is at node "manager_approval", event is for node "cooling_off"' });
    expect(late.snapshot).toBe(s2.snapshot);
    const s3 = step(def, s2.snapshot, { type: 'approval.vote', nodeId: 'manager_approval', approver: 'mia', decision: 'reject', at: T2 });
    expect(s3.to).toBe('rejected');
    expect(s3.effects).toEqual([{ type: 'run.complete', nodeId: 'rejected', visit: 1, status: 'closed' }]);
    expect(s3.snapshot.context.endStatus).toBe('closed');
  });

  it('escalates from the approval, comes back at visit 2 and ignores the visit-1 timer', () => {
    const s1 = triaged('urgent', 'urgent');
    const fired = step(def, s1, { type: 'timer.fired', nodeId: 'manager_approval', visit: 1, timerId: 'manager_approval:escalation:escalated', at: T2 });
    expect(fired.to).toBe('escalate');
    expect(fired.effects).toEqual([
      { type: 'action.execute', nodeId: 'escalate', visit: 1, steps: [{ type: 'setFields', fields: { priority: 'urgent' } }, { type: 'addTags', tags: ['escalated'] }] },
    ]);
    const vote1 = step(def, s1, { type: 'approval.vote', nodeId: 'manager_approval', approver: 'mia', decision: 'reject', at: T1 });
    expect(vote1.to).toBe('rejected'); // (from visit 1, before the escalation: sanity check of the branch)

    const back = step(def, fired.snapshot, { type: 'effect.result', nodeId: 'escalate', visit: 1, outcome: 'done', output: { ok: true }, at: T2 });
    expect(back.to).toBe('manager_approval');
    expect(back.snapshot.context.visits['manager_approval']).toBe(2);
    expect(back.snapshot.context.votes['manager_approval']).toEqual({});
    expect(back.effects.map((e) => [e.type, e.visit])).toEqual([['approval.open', 2], ['timer.schedule', 2]]);
    expect(back.effects[1]).toMatchObject({ fireAt: '2026-03-01T13:00:00.000Z' });

    const stale = step(def, back.snapshot, { type: 'timer.fired', nodeId: 'manager_approval', visit: 1, timerId: 'manager_approval:escalation:escalated', at: T2 });
    expect(stale).toMatchObject({
      changed: false,
      ignoredReason: 'timer "manager_approval:escalation:escalated" belongs to visit 1 but node "manager_approval" is at visit 2',
    });
    expect(stale.snapshot).toBe(back.snapshot);
    const done = step(def, back.snapshot, { type: 'approval.vote', nodeId: 'manager_approval', visit: 2, approver: 'mia', decision: 'approve', at: T2 });
    expect(done.to).toBe('resolved');
  });

  it('customer.replied resumes the cooling-off wait and merges the ticket facts', () => {
    const s1 = triaged('low', 'normal');
    const other = step(def, s1, { type: 'ticket.event', name: 'agent.noted', at: T1, ticket: { note: 'x' } });
    expect(other).toMatchObject({ changed: false, ignoredReason: 'run is at node "cooling_off" (wait), which does not wait for ticket event "agent.noted"' });
    expect(other.snapshot.context.ticket).toEqual({ priority: 'low' });
    const r = step(def, s1, { type: 'ticket.event', name: 'customer.replied', at: T1, ticket: { lastReplyBy: 'customer' } });
    expect(r).toMatchObject({ from: 'cooling_off', to: 'manager_approval', changed: true });
    expect(r.snapshot.context.ticket).toEqual({ priority: 'low', lastReplyBy: 'customer' });
    expect(r.snapshot.context.results['cooling_off']).toEqual({ outcome: 'resumed', at: T1 });
    // At the approval, customer replies are no longer awaited.
    expect(step(def, r.snapshot, { type: 'ticket.event', name: 'customer.replied', at: T2 }).changed).toBe(false);
  });

  it('ignores every event once the run is completed', () => {
    const s1 = triaged('urgent', 'urgent');
    const done = step(def, s1, { type: 'approval.vote', nodeId: 'manager_approval', approver: 'mia', decision: 'approve', at: T1 });
    const again = step(def, done.snapshot, { type: 'approval.vote', nodeId: 'manager_approval', approver: 'max', decision: 'reject', at: T2 });
    expect(again).toMatchObject({ changed: false, from: 'resolved', to: 'resolved', effects: [] });
    expect(again.ignoredReason).toMatch(/run is completed/);
  });
});
