// Groups (compound states): entering a group enters its initial member and starts the group's timer once;
// the group's timeout and cancel event apply from every member; a timer of a group the run has left, or of an
// earlier visit of it, is stale; state values stay flat node ids, and the XState export behaves the same.
import { validateDefinition, type WorkflowDefinition, type WorkflowNode } from '@flowdesk/schema';
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import {
  advance,
  describeRun,
  exportXState,
  groupLeft,
  migrateRun,
  migrationTargetProblem,
  runTestCase,
  start,
  step,
  TEST_EPOCH,
  workflowSetup,
  type RunEvent,
  type RunSnapshot,
} from '../src/index.ts';
import { T0, T1, T2, edge, node, workflow } from './fixtures.ts';

const FOUR_HOURS_AFTER_T0 = '2026-03-01T13:00:00.000Z';

const member = (id: string, kind: WorkflowNode['kind'], params: unknown): WorkflowNode => ({ ...node(id, kind, params as never), parentId: 'work' });
const task = (id: string, actions: string[]) => member(id, 'task', { title: id, assignee: { type: 'team', team: 't1' }, actions: actions.map((a) => ({ id: a, label: a })) });

/**
 * start -> [work: triage -ok-> fix -done-> review (outside); triage -hold-> hold (wait) -> fix]
 * work: timeout PT4H -> late; cancelled (ticket.closed, customer.replied) -> cancelled. review -reopen-> work (re-enters).
 */
export function groupWorkflow(): WorkflowDefinition {
  return workflow(
    'grouped',
    [
      node('start', 'trigger', { event: 'ticket.created' }),
      node('work', 'group', { initial: 'triage', timeout: 'PT4H', cancelOn: ['ticket.closed', 'customer.replied'] }),
      task('triage', ['ok', 'hold']),
      task('fix', ['done']),
      member('hold', 'wait', { duration: 'PT1H', resumeOn: ['customer.replied'] }),
      node('review', 'task', { title: 'Review', assignee: { type: 'role', role: 'lead' }, actions: [{ id: 'accept', label: 'Accept' }, { id: 'reopen', label: 'Reopen' }] }),
      node('resolved', 'end', { status: 'resolved' }),
      node('late', 'end', { status: 'closed' }),
      node('cancelled', 'end', { status: 'cancelled' }),
    ],
    [
      edge('start', 'next', 'work'),
      edge('triage', 'ok', 'fix'),
      edge('triage', 'hold', 'hold'),
      edge('hold', 'elapsed', 'fix'),
      edge('hold', 'resumed', 'fix'),
      edge('fix', 'done', 'review'),
      edge('review', 'accept', 'resolved'),
      edge('review', 'reopen', 'work'),
      edge('work', 'timeout', 'late'),
      edge('work', 'cancelled', 'cancelled'),
    ],
  );
}

const submit = (nodeId: string, action: string, at = T1): RunEvent => ({ type: 'task.submit', nodeId, action, at });
const groupTimer = (visit: number, at = FOUR_HOURS_AFTER_T0): RunEvent => ({ type: 'timer.fired', nodeId: 'work', visit, timerId: 'work:timeout', at });
const ticketEvent = (name: string): RunEvent => ({ type: 'ticket.event', name, at: T2 });

function drive(def: WorkflowDefinition, events: RunEvent[]): RunSnapshot {
  let snapshot = start(def, { id: 1 }, T0).snapshot;
  for (const event of events) {
    const r = step(def, snapshot, event);
    expect(r.changed, `${event.type}: ${r.ignoredReason}`).toBe(true);
    snapshot = r.snapshot;
  }
  return snapshot;
}

describe('groups', () => {
  it('the fixture is a valid definition', () => {
    const result = validateDefinition(groupWorkflow());
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it('entering the group enters its initial member and schedules the group timer once, before the member effects', () => {
    const def = groupWorkflow();
    const r = start(def, { id: 1 }, T0);
    expect(r.snapshot.value).toBe('triage');
    expect(r.snapshot.context.visits).toEqual({ start: 1, work: 1, triage: 1 });
    expect(r.effects.map((e) => [e.type, e.nodeId, e.visit])).toEqual([
      ['timer.schedule', 'work', 1],
      ['task.open', 'triage', 1],
    ]);
    expect(r.effects[0]).toMatchObject({ timerId: 'work:timeout', fireAt: FOUR_HOURS_AFTER_T0 });
    expect(describeRun(def, r.snapshot)).toEqual({ nodeId: 'triage', kind: 'task', status: 'waiting' });
  });

  it('moving inside the group keeps its timer: no new visit, no new schedule', () => {
    const def = groupWorkflow();
    const r = step(def, start(def, {}, T0).snapshot, submit('triage', 'ok'));
    expect(r.to).toBe('fix');
    expect(r.effects.map((e) => e.type)).toEqual(['task.open']);
    expect(r.snapshot.context.visits['work']).toBe(1);
  });

  it('the group timeout leaves from every member by the group\'s edge', () => {
    const def = groupWorkflow();
    const at: Record<string, RunEvent[]> = {
      triage: [],
      fix: [submit('triage', 'ok')],
      hold: [submit('triage', 'hold')],
    };
    for (const [memberId, events] of Object.entries(at)) {
      const snapshot = drive(def, events);
      expect(snapshot.value).toBe(memberId);
      const r = step(def, snapshot, groupTimer(1));
      expect(r.changed, r.ignoredReason).toBe(true);
      expect([r.from, r.to]).toEqual([memberId, 'late']);
      expect(r.snapshot.status).toBe('done');
      expect(r.snapshot.context.endStatus).toBe('closed');
      expect(r.snapshot.context.results['work']).toEqual({ outcome: 'timeout', at: FOUR_HOURS_AFTER_T0 });
    }
  });

  it('a timer of a group the run has left is stale; re-entering starts a new visit and a new timer', () => {
    const def = groupWorkflow();
    const atReview = drive(def, [submit('triage', 'ok'), submit('fix', 'done')]);
    expect(atReview.value).toBe('review');
    const stale = step(def, atReview, groupTimer(1));
    expect(stale.changed).toBe(false);
    expect(stale.ignoredReason).toBe('run has left group "work" (it is at node "review"); timer "work:timeout" ignored');

    const reopened = step(def, atReview, submit('review', 'reopen', T2));
    expect(reopened.to).toBe('triage');
    expect(reopened.snapshot.context.visits).toMatchObject({ work: 2, triage: 2 });
    expect(reopened.effects.map((e) => [e.type, e.nodeId, e.visit])).toEqual([
      ['timer.schedule', 'work', 2],
      ['task.open', 'triage', 2],
    ]);
    const old = step(def, reopened.snapshot, groupTimer(1));
    expect(old.ignoredReason).toBe('timer "work:timeout" belongs to visit 1 but group "work" is at visit 2');
    const fresh = step(def, reopened.snapshot, groupTimer(2));
    expect(fresh.to).toBe('late');
  });

  it('a cancel event leaves from any member; a member that takes the event itself wins', () => {
    const def = groupWorkflow();
    const fromFix = step(def, drive(def, [submit('triage', 'ok')]), ticketEvent('ticket.closed'));
    expect([fromFix.from, fromFix.to]).toEqual(['fix', 'cancelled']);
    expect(fromFix.snapshot.context.endStatus).toBe('cancelled');

    const fromTriage = step(def, start(def, {}, T0).snapshot, ticketEvent('customer.replied'));
    expect(fromTriage.to).toBe('cancelled');
    // hold resumes on customer.replied itself: the member's own transition comes first (XState: child before parent).
    const fromHold = step(def, drive(def, [submit('triage', 'hold')]), ticketEvent('customer.replied'));
    expect(fromHold.to).toBe('fix');

    const other = step(def, start(def, {}, T0).snapshot, ticketEvent('agent.noted'));
    expect(other.changed).toBe(false);
    expect(other.ignoredReason).toBe('run is at node "triage" (task), which does not wait for ticket event "agent.noted"');
    const outside = step(def, drive(def, [submit('triage', 'ok'), submit('fix', 'done')]), ticketEvent('ticket.closed'));
    expect(outside.changed).toBe(false);
  });

  it('survives a JSON round trip of the snapshot (rehydration) with the group timer pending', () => {
    const def = groupWorkflow();
    const snapshot = JSON.parse(JSON.stringify(drive(def, [submit('triage', 'hold')]))) as RunSnapshot;
    const r = step(groupWorkflow(), snapshot, groupTimer(1));
    expect(r.to).toBe('late');
  });

  it('exports plain XState JSON that takes the same transitions, with flat state values', () => {
    const def = groupWorkflow();
    const json = exportXState(def);
    expect(Object.keys(json.states)).not.toContain('work');
    expect(json.states['start']!.always).toEqual([
      { target: 'triage', actions: [{ type: 'enterNode', params: { nodeId: 'work' } }, { type: 'scheduleTimer', params: { nodeId: 'work', timerId: 'work:timeout', after: 'PT4H' } }] },
    ]);
    // The boundary transition sits on each member, after its own transitions.
    expect(json.states['hold']!.on!['timer.fired']!.map((t) => t.guard?.params['timerId'])).toEqual(['hold:elapsed', 'work:timeout']);
    expect(json.states['review']!.on!['timer.fired']).toBeUndefined();

    const machine = workflowSetup.createMachine(JSON.parse(JSON.stringify(json)));
    const events: RunEvent[] = [submit('triage', 'ok'), submit('fix', 'done'), submit('review', 'reopen', T2), groupTimer(2)];
    let engine = start(def, { id: 1 }, T0).snapshot;
    const [initial, actions] = initialTransition(machine, { ticket: { id: 1 }, at: T0 });
    expect(actions.map((a) => a.type)).toEqual(['scheduleTimer', 'openTask']);
    let raw = initial;
    const path = [raw.value];
    for (const event of events) {
      engine = step(def, engine, event).snapshot;
      raw = transition(machine, raw, event)[0];
      expect(raw.value).toBe(engine.value);
      expect(raw.context).toEqual(engine.context);
      path.push(raw.value);
    }
    expect(path).toEqual(['triage', 'fix', 'review', 'triage', 'late']);
  });

  it('saved test cases can fire the group timer after moves inside the group', async () => {
    const def = groupWorkflow();
    const passed = await runTestCase(def, {
      name: 'overall SLA',
      ticket: {},
      steps: [{ submit: 'triage', action: 'hold' }, { fire: 'hold' }, { fire: 'work' }],
      expect: { path: ['triage', 'hold', 'fix', 'late'], status: 'completed', endStatus: 'closed' },
    });
    expect(passed.failures).toEqual([]);
    const stale = await runTestCase(def, {
      name: 'left the group',
      ticket: {},
      steps: [{ submit: 'triage', action: 'ok' }, { submit: 'fix', action: 'done' }, { fire: 'work', timer: 'timeout' }],
      expect: { node: 'late' },
    });
    expect(stale.passed).toBe(false);
    expect(stale.failures[0]).toBe('step 3 (fire work: timeout): the run ignored it (run has left group "work" (it is at node "review"); timer "work:timeout" ignored)');
    expect(Date.parse(TEST_EPOCH)).toBeGreaterThan(0);
  });

  it('migrating a run into a member enters the group (new visit, timer from the migration time)', async () => {
    const def = groupWorkflow();
    const atReview = drive(def, [submit('triage', 'ok'), submit('fix', 'done')]);
    const migrated = await migrateRun(def, atReview, 'fix', T2);
    expect(migrated.snapshot.value).toBe('fix');
    expect(migrated.effects.map((e) => [e.type, e.nodeId, e.visit])).toEqual([
      ['timer.schedule', 'work', 2],
      ['task.open', 'fix', 2],
    ]);
    expect(migrationTargetProblem(def, 'work')).toBe('node "work" is a group: move the run to one of its members');
    const moved = await advance(def, migrated.snapshot, { event: groupTimer(2) });
    expect(moved.steps.at(-1)?.to).toBe('late');
  });

  it('groupLeft names the group a step leaves (for cancelling its pending timer)', () => {
    const def = groupWorkflow();
    expect(groupLeft(def, 'fix', 'review')).toBe('work');
    expect(groupLeft(def, 'hold', 'late')).toBe('work');
    expect(groupLeft(def, 'triage', 'fix')).toBeNull();
    expect(groupLeft(def, 'review', 'triage')).toBeNull();
    expect(groupLeft(def, null, 'triage')).toBeNull();
  });

  it('an edge from a member to its own group re-enters it (timer restarted)', () => {
    const def = groupWorkflow();
    def.edges = def.edges.map((e) => (e.id === 'fix-done' ? { ...e, target: 'work' } : e));
    const r = step(def, drive(def, [submit('triage', 'ok')]), submit('fix', 'done'));
    expect(r.to).toBe('triage');
    expect(r.effects.map((e) => [e.type, e.nodeId, e.visit])).toEqual([
      ['timer.schedule', 'work', 2],
      ['task.open', 'triage', 2],
    ]);
  });
});
