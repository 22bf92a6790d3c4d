// Business-hours durations where the designer shows them outside the picker: the node card's summary, and the
// simulator, which has no calendar and fires such timers after the duration of elapsed time (labelled so).
import type { WorkflowDefinition, WorkflowNode } from '@flowdesk/schema';
import { describe, expect, it } from 'vitest';
import { ref } from 'vue';
import example from '../../../packages/schema/examples/escalating-approval.json' with { type: 'json' };
import { summarize } from './useKindRegistry.ts';
import { useSimulator } from './useSimulator.ts';

const node = (kind: WorkflowNode['kind'], params: unknown) => ({ kind, params }) as Pick<WorkflowNode, 'kind' | 'params'>;

describe('business hours on the canvas', () => {
  it('the node summary says when a wait or an escalation counts business hours', () => {
    expect(summarize(node('wait', { duration: 'PT2H' }))).toBe('for 2 hours');
    expect(summarize(node('wait', { duration: 'PT2H', businessHours: true }))).toBe('for 2 hours in business hours');
    expect(summarize(node('approval', { title: 'x', approvers: [{ type: 'role', role: 'manager' }], escalations: [{ outcome: 'late', after: 'PT4H', businessHours: true }] }))).toBe(
      '1 vote · manager · SLA 4 hours in business hours',
    );
    // Elapsed escalations add nothing (the card stays short).
    expect(summarize(node('approval', { title: 'x', approvers: [{ type: 'role', role: 'manager' }], escalations: [{ outcome: 'late', after: 'PT4H' }] }))).toBe('1 vote · manager');
  });

  it('the simulator fast-forwards a business-hours timer by its elapsed duration and says so', async () => {
    const def = structuredClone(example) as unknown as WorkflowDefinition;
    const cooling = def.nodes.find((n) => n.id === 'cooling_off')!;
    (cooling.params as { businessHours?: boolean }).businessHours = true;
    const sim = useSimulator(ref(def));
    sim.ticketText.value = JSON.stringify({ subject: 'x', priority: 'low' });
    await sim.start();
    expect(sim.status.value?.nodeId).toBe('cooling_off');
    const timer = sim.actions.value.find((a) => a.id === 'timer:cooling_off:elapsed')!;
    expect(timer.label).toBe('Fire timer: elapsed (business hours)');
    expect(timer.note).toMatch(/simulated here as elapsed time/);
    // Elapsed timers carry no note.
    expect(sim.actions.value.find((a) => a.id === 'timer:cooling_off:escalation:escalated')!.note).toBeUndefined();
    await sim.send(timer.build({ approver: '', output: undefined, at: '2026-01-01T10:00:00.000Z' }));
    expect(sim.status.value?.nodeId).toBe('manager_approval');
  });
});
