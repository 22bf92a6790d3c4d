// exportXState: plain XState JSON that, bound to the engine's setup(), behaves like the compiled machine.
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { compile, exportXState, start, step, workflowSetup, type RunEvent } from '../src/index.ts';
import { T0, T1, T2, demoWorkflow, supportWorkflow } from './fixtures.ts';

const EFFECT_OF: Record<string, string> = {
  evaluateRules: 'rules.evaluate',
  runAi: 'ai.run',
  executeAction: 'action.execute',
  openTask: 'task.open',
  openApproval: 'approval.open',
  scheduleTimer: 'timer.schedule',
  completeRun: 'run.complete',
};

/** Every guard and action in the config is a { type, params? } object: no functions anywhere. */
function assertOnlyData(value: unknown, path = '$'): void {
  expect(typeof value, path).not.toBe('function');
  if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) assertOnlyData(v, `${path}.${k}`);
}

describe('exportXState', () => {
  it('is plain JSON with parameterized guards and actions', () => {
    const def = demoWorkflow();
    const json = exportXState(def);
    assertOnlyData(json);
    expect(JSON.parse(JSON.stringify(json))).toStrictEqual(json);
    expect(json).toMatchObject({ id: 'escalating-approval', initial: 'start', entry: [{ type: 'startRun' }] });
    expect(json.states['start']).toEqual({ entry: [{ type: 'enterNode', params: { nodeId: 'start' } }], always: [{ target: 'triage', actions: [] }] });
    expect(json.states['resolved']).toMatchObject({ type: 'final' });
    expect(json.states['manager_approval']!.on!['approval.vote']![0]).toEqual({
      target: 'resolved',
      reenter: true,
      guard: { type: 'voteDecides', params: { nodeId: 'manager_approval', decision: 'approve', threshold: 1 } },
      actions: [{ type: 'mergeTicket' }, { type: 'recordVote', params: { nodeId: 'manager_approval' } }, { type: 'recordOutcome', params: { nodeId: 'manager_approval', outcome: 'approved' } }],
    });
    // Editing the export does not reach the cached machine.
    json.states['start']!.always = [];
    expect(compile(def).config.states['start']!.always).toEqual([{ target: 'triage', actions: [] }]);
  });

  it('fed back into setup().createMachine, takes the same transitions as the engine', () => {
    const def = supportWorkflow();
    const exported = JSON.parse(JSON.stringify(exportXState(def)));
    const machine = workflowSetup.createMachine(exported);
    const events: RunEvent[] = [
      { type: 'effect.result', nodeId: 'classify', visit: 1, outcome: 'done', output: { label: 'bug' }, at: T0 },
      { type: 'timer.fired', nodeId: 'review', visit: 1, timerId: 'review:escalation:late', at: T1 },
      { type: 'effect.result', nodeId: 'notify', visit: 1, outcome: 'done', at: T1 },
      { type: 'task.submit', nodeId: 'review', visit: 2, action: 'approve', data: { ok: true }, at: T1 },
      { type: 'approval.vote', nodeId: 'board', approver: 'a', decision: 'approve', at: T2 },
      { type: 'approval.vote', nodeId: 'board', approver: 'b', decision: 'reject', at: T2 },
      { type: 'approval.vote', nodeId: 'board', approver: 'c', decision: 'approve', at: T2 },
    ];
    let engine = start(def, { id: 7 }, T0).snapshot;
    const [initial, initialActions] = initialTransition(machine, { ticket: { id: 7 }, at: T0 });
    expect(initial.value).toBe(engine.value);
    expect(initialActions.map((a) => a.type)).toEqual(['runAi']);
    let raw = initial;
    const path = [raw.value];
    for (const event of events) {
      const r = step(def, engine, event);
      engine = r.snapshot;
      const [next, actions] = transition(machine, raw, event);
      // The raw machine returns the effect actions unexecuted: the same effects, in the same order.
      expect(actions.flatMap((a) => EFFECT_OF[a.type] ?? [])).toEqual(r.effects.map((e) => e.type));
      raw = next;
      expect(raw.value).toBe(engine.value);
      expect(raw.context).toEqual(engine.context);
      path.push(raw.value);
    }
    expect(path).toEqual(['classify', 'review', 'notify', 'review', 'board', 'board', 'board', 'done']);
    expect(raw.status).toBe('done');
  });
});
