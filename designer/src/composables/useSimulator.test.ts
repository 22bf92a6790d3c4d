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

  it('offers the group timer and cancel events at any member, and draws the group\'s edges when they are taken', async () => {
    const task = (id: string, action: string) => ({ id, kind: 'task', parentId: 'work', position: { x: 20, y: 60 }, params: { title: id, assignee: { type: 'ai' }, actions: [{ id: action, label: action }] } });
    const grouped = {
      schemaVersion: 1, key: 'grouped', name: 'Grouped',
      nodes: [
        { id: 'start', kind: 'trigger', position: { x: 0, y: 0 }, params: { event: 'ticket.created' } },
        { id: 'work', kind: 'group', name: 'In progress', position: { x: 0, y: 100 }, params: { initial: 'fix', timeout: 'PT4H', cancelOn: ['ticket.closed'] } },
        task('fix', 'done'),
        task('check', 'ok'),
        { id: 'resolved', kind: 'end', position: { x: 0, y: 500 }, params: { status: 'resolved' } },
        { id: 'late', kind: 'end', position: { x: 300, y: 500 }, params: { status: 'closed' } },
        { id: 'gone', kind: 'end', position: { x: 600, y: 500 }, params: { status: 'cancelled' } },
      ],
      edges: [
        { id: 'g1', source: 'start', target: 'work', outcome: 'next' },
        { id: 'g2', source: 'fix', target: 'check', outcome: 'done' },
        { id: 'g3', source: 'check', target: 'resolved', outcome: 'ok' },
        { id: 'g4', source: 'work', target: 'late', outcome: 'timeout' },
        { id: 'g5', source: 'work', target: 'gone', outcome: 'cancelled' },
      ],
    } as unknown as WorkflowDefinition;
    const sim = useSimulator(ref(grouped));
    await sim.start();
    expect(sim.status.value?.nodeId).toBe('fix');
    expect(sim.highlight.value?.taken.has('g1')).toBe(true); // start -> the group (its initial member)
    await sim.send(sim.actions.value.find((a) => a.id === 'task:done')!.build({ approver: '', output: undefined, at }));
    expect(sim.status.value?.nodeId).toBe('check');
    const ids = sim.actions.value.map((a) => a.id);
    expect(ids).toEqual(['task:ok', 'event:ticket.closed', 'timer:work:timeout']);
    expect(sim.actions.value.find((a) => a.id === 'timer:work:timeout')?.label).toBe('Fire group timeout (In progress)');
    await sim.send(sim.actions.value.find((a) => a.id === 'timer:work:timeout')!.build({ approver: '', output: undefined, at }));
    expect(sim.status.value).toMatchObject({ nodeId: 'late', status: 'completed' });
    expect(sim.highlight.value?.taken.has('g4')).toBe(true); // the group's timeout edge
    expect(new Date(sim.clock.value).getTime()).toBeGreaterThan(Date.now() + 3.9 * 3600_000); // fast-forwarded
  });

  it('reports a bad sample ticket instead of starting', async () => {
    const sim = useSimulator(ref(def));
    sim.ticketText.value = '{ nope';
    await sim.start();
    expect(sim.ticketError.value).toBeTruthy();
    expect(sim.running.value).toBeNull();
  });
});
