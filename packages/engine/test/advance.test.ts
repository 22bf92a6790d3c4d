// advance(): rule nodes resolved in-process, one StepRecord per applied event.
import { describe, expect, it } from 'vitest';
import { advance, describeRun, WorkflowLoopError } from '../src/index.ts';
import { T0, T1, demoWorkflow, edge, node, workflow } from './fixtures.ts';

describe('advance', () => {
  it('starts a run and resolves the rule node in-process', async () => {
    const def = demoWorkflow();
    const r = await advance(def, null, { start: { ticket: { priority: 'high' }, at: T0 } });
    expect(r.snapshot.value).toBe('manager_approval');
    expect(r.steps).toEqual([
      { event: { type: 'run.start', at: T0, ticket: { priority: 'high' } }, from: null, to: 'triage', effects: [], changed: true },
      {
        event: { type: 'effect.result', nodeId: 'triage', visit: 1, outcome: 'urgent', output: { matchedRule: 'High or urgent' }, at: T0 },
        from: 'triage',
        to: 'manager_approval',
        effects: r.effects,
        changed: true,
      },
    ]);
    expect(r.effects.map((e) => e.type)).toEqual(['approval.open', 'timer.schedule']);
    expect(r.snapshot.context.results['triage']).toEqual({ matchedRule: 'High or urgent' });
    expect(r.ignoredReason).toBeUndefined();
  });

  it('takes the default outcome and continues with events', async () => {
    const def = demoWorkflow();
    const started = await advance(def, null, { start: { ticket: { priority: 'low' }, at: T0 } });
    expect(started.snapshot.value).toBe('cooling_off');
    expect(started.steps[1]!.event).toMatchObject({ outcome: 'normal', output: { matchedRule: null } });
    const r = await advance(def, started.snapshot, { event: { type: 'ticket.event', name: 'customer.replied', at: T1 } });
    expect(r.steps).toHaveLength(1);
    expect(r.steps[0]).toMatchObject({ from: 'cooling_off', to: 'manager_approval', changed: true });
    expect(r.effects.map((e) => e.type)).toEqual(['approval.open', 'timer.schedule']);
  });

  it('reports an ignored event without steps and returns the same snapshot', async () => {
    const def = demoWorkflow();
    const started = await advance(def, null, { start: { ticket: { priority: 'low' }, at: T0 } });
    const r = await advance(def, started.snapshot, { event: { type: 'timer.fired', nodeId: 'triage', visit: 1, timerId: 'x', at: T1 } });
    expect(r).toEqual({ snapshot: started.snapshot, steps: [], effects: [], ignoredReason: 'run is at node "cooling_off", event is for node "triage"' });
    expect(r.snapshot).toBe(started.snapshot);
  });

  it('chains rule nodes and marks the run stuck when rules fail', async () => {
    const def = workflow(
      'chain',
      [
        node('start', 'trigger', { event: 'manual' }),
        node('a', 'rule', { rules: [{ name: 'gold', outcome: 'gold', conditions: { all: [{ fact: 'ticket', path: '$.tier', operator: 'equal', value: 'gold' }] } }], defaultOutcome: 'other' }),
        node('b', 'rule', { rules: [{ name: 'broken', outcome: 'x', conditions: { all: [{ fact: 'ticket', operator: 'noSuchOperator', value: 1 }] } }], defaultOutcome: 'y' }),
        node('done', 'end', { status: 'resolved' }),
      ],
      [edge('start', 'next', 'a'), edge('a', 'gold', 'done'), edge('a', 'other', 'b'), edge('b', 'x', 'done'), edge('b', 'y', 'done')],
    );
    const gold = await advance(def, null, { start: { ticket: { tier: 'gold' }, at: T0 } });
    expect(gold.steps.map((s) => s.to)).toEqual(['a', 'done']);
    expect(gold.effects).toEqual([{ type: 'run.complete', nodeId: 'done', visit: 1, status: 'resolved' }]);

    const stuck = await advance(def, null, { start: { ticket: {}, at: T0 } });
    expect(stuck.steps.map((s) => `${s.from}->${s.to}`)).toEqual(['null->a', 'a->b', 'b->b']);
    expect(stuck.snapshot.context.failure).toMatchObject({ nodeId: 'b', visit: 1 });
    expect(stuck.snapshot.context.failure?.error).toMatch(/^rules failed: .*noSuchOperator/);
    expect(describeRun(def, stuck.snapshot).status).toBe('stuck');
  });

  it('stops a loop made only of rule nodes', async () => {
    const def = workflow(
      'loop',
      [
        node('start', 'trigger', { event: 'manual' }),
        node('a', 'rule', { rules: [], defaultOutcome: 'again' }),
        node('b', 'rule', { rules: [], defaultOutcome: 'again' }),
      ],
      [edge('start', 'next', 'a'), edge('a', 'again', 'b'), edge('b', 'again', 'a')],
    );
    await expect(advance(def, null, { start: { ticket: {}, at: T0 } })).rejects.toBeInstanceOf(WorkflowLoopError);
  });
});
