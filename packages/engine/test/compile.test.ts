// compile(): caching, outcome lists and clear errors for definitions that cannot become a machine.
import { describe, expect, it } from 'vitest';
import { compile, nodeOutcomes, WorkflowCompileError } from '../src/index.ts';
import { start } from '../src/index.ts';
import { demoWorkflow, edge, node, supportWorkflow, workflow } from './fixtures.ts';

describe('compile', () => {
  it('caches per definition object', () => {
    const def = demoWorkflow();
    expect(compile(def)).toBe(compile(def));
    expect(compile(demoWorkflow())).not.toBe(compile(def));
  });

  it('derives outcomes from params', () => {
    const byId = new Map(supportWorkflow().nodes.map((n) => [n.id, n]));
    expect(nodeOutcomes(byId.get('classify')!)).toEqual(['done', 'low_confidence', 'error']);
    expect(nodeOutcomes(byId.get('review')!)).toEqual(['approve', 'reject', 'late']);
    expect(nodeOutcomes(byId.get('board')!)).toEqual(['approved', 'rejected']);
    expect(nodeOutcomes(byId.get('notify')!)).toEqual(['done', 'error']);
    const demo = new Map(demoWorkflow().nodes.map((n) => [n.id, n]));
    expect(nodeOutcomes(demo.get('triage')!)).toEqual(['urgent', 'normal', 'error']);
    expect(nodeOutcomes(demo.get('cooling_off')!)).toEqual(['elapsed', 'resumed', 'escalated']);
    expect(nodeOutcomes(node('w', 'wait', { resumeOn: ['x'] }))).toEqual(['resumed']);
  });

  it('rejects broken graphs with a clear message', () => {
    const end = node('end', 'end', { status: 'resolved' });
    const trigger = node('start', 'trigger', { event: 'manual' });
    const cases: [ReturnType<typeof workflow>, RegExp][] = [
      [workflow('a', [end], []), /exactly one trigger node, found 0/],
      [workflow('b', [trigger, end], [edge('start', 'next', 'nowhere')]), /enters unknown node "nowhere"/],
      [workflow('c', [trigger, end], [edge('start', 'sideways', 'end')]), /node "start" \(trigger\) has no outcome "sideways" \(outcomes: next\)/],
      [workflow('d', [trigger, end, end], []), /node id "end" is used twice/],
      [workflow('e', [trigger, node('w', 'wait', { duration: 'soon' }), end], [edge('start', 'next', 'w')]), /node "w": "soon" is not an ISO 8601 duration of weeks to seconds/],
      [workflow('f', [trigger, end], [edge('start', 'next', 'end'), { ...edge('start', 'next', 'end'), id: 'dup' }]), /two edges for outcome "next"/],
    ];
    for (const [def, message] of cases) {
      expect(() => compile(def)).toThrow(WorkflowCompileError);
      expect(() => compile(def)).toThrow(message);
    }
  });
});

describe('timer fireAt', () => {
  it('is the event time plus the duration, in UTC', () => {
    const def = (duration: string) =>
      workflow('w', [node('start', 'trigger', { event: 'manual' }), node('w', 'wait', { duration }), node('end', 'end', { status: 'resolved' })], [
        edge('start', 'next', 'w'),
        edge('w', 'elapsed', 'end'),
      ]);
    const fireAt = (duration: string, at: string) => (start(def(duration), {}, at).effects[0] as { fireAt: string }).fireAt;
    expect(fireAt('PT90M', '2026-01-31T10:00:00Z')).toBe('2026-01-31T11:30:00.000Z');
    expect(fireAt('P1WT0.5S', '2026-01-15T10:00:00.000Z')).toBe('2026-01-22T10:00:00.500Z');
    expect(fireAt('P1D', '2026-03-28T12:00:00+01:00')).toBe('2026-03-29T11:00:00.000Z');
    expect(() => compile(def('P1M'))).toThrow(WorkflowCompileError);
    expect(() => start(def('PT1S'), {}, 'yesterday')).toThrow(/"yesterday" is not an ISO 8601 date-time/);
  });
});
