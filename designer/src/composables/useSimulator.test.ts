import type { WorkflowDefinition } from '@flowdesk/schema';
import { describe, expect, it } from 'vitest';
import { ref } from 'vue';
import example from '../../../packages/schema/examples/escalating-approval.json' with { type: 'json' };
import { useSimulator } from './useSimulator.ts';

const def = example as unknown as WorkflowDefinition;
const at = '2026-01-01T10:00:00.000Z';

describe('useSimulator (the real engine in the browser)', () => {
  it('evaluates the rule, stops at the approval and completes on a vote', async () => {
    const sim = useSimulator(ref(def));
    await sim.start();
    expect(sim.status.value).toMatchObject({ nodeId: 'manager_approval', status: 'waiting' });
    expect(sim.highlight.value?.taken.has('e1')).toBe(true);
    expect(sim.highlight.value?.taken.has('e2')).toBe(true); // urgent
    const approve = sim.actions.value.find((a) => a.id === 'vote:approve')!;
    expect(await sim.send(approve.build({ approver: 'maria', output: undefined, at }))).toBe(true);
    expect(sim.status.value).toMatchObject({ nodeId: 'resolved', status: 'completed' });
    expect(sim.log.value.map((s) => s.event.type)).toEqual(['run.start', 'effect.result', 'approval.vote']);
  });

  it('offers timers and ticket events at a wait node, and fires a timer', async () => {
    const sim = useSimulator(ref(def));
    sim.ticketText.value = JSON.stringify({ subject: 'x', priority: 'low' });
    await sim.start();
    expect(sim.status.value?.nodeId).toBe('cooling_off');
    const ids = sim.actions.value.map((a) => a.id);
    expect(ids).toEqual(expect.arrayContaining(['event:customer.replied', 'timer:cooling_off:elapsed', 'timer:cooling_off:escalation:escalated']));
    const timer = sim.actions.value.find((a) => a.id === 'timer:cooling_off:elapsed')!;
    await sim.send(timer.build({ approver: '', output: undefined, at }));
    expect(sim.status.value?.nodeId).toBe('manager_approval');
  });

  it('reports a bad sample ticket instead of starting', async () => {
    const sim = useSimulator(ref(def));
    sim.ticketText.value = '{ nope';
    await sim.start();
    expect(sim.ticketError.value).toBeTruthy();
    expect(sim.running.value).toBeNull();
  });
});
