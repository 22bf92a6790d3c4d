// The business-hours option of durations: a wait's `duration` and an escalation's `after` may count business
// hours only (`businessHours`), optionally in a named calendar (`calendar`). Valid documents pass, wrong types
// and unknown neighbours are reported with pointers; the option changes no outcome.
import { describe, expect, it } from 'vitest';
import { outcomesOf } from '../src/catalog.ts';
import type { WorkflowNode } from '../src/types.ts';
import { validateDefinition } from '../src/validate.ts';
import { definition, edge, node } from './helpers.ts';

function flow(waitParams: Record<string, unknown>, taskEscalation: Record<string, unknown>) {
  return definition(
    [
      node('start', 'trigger', { event: 'ticket.created' }),
      node('cool', 'wait', waitParams),
      node('review', 'task', { title: 'Review', assignee: { type: 'role', role: 'agent' }, actions: [{ id: 'done', label: 'Done' }], escalations: [taskEscalation] }),
      node('end', 'end', { status: 'resolved' }),
    ],
    [edge('start', 'next', 'cool'), edge('cool', 'elapsed', 'review'), edge('review', 'done', 'end'), edge('review', 'late', 'end')],
  );
}

describe('business-hours durations', () => {
  it('accepts businessHours (and a calendar name) on a wait duration and on an escalation', () => {
    const result = validateDefinition(
      flow({ duration: 'PT8H', businessHours: true, calendar: 'Berlin office' }, { outcome: 'late', after: 'PT4H', businessHours: true }),
    );
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    // Plain elapsed durations stay valid: the option is optional and off by default.
    expect(validateDefinition(flow({ duration: 'PT8H' }, { outcome: 'late', after: 'PT4H' })).valid).toBe(true);
  });

  it('reports a wrong type or an empty calendar name at its pointer', () => {
    const result = validateDefinition(flow({ duration: 'PT8H', businessHours: 'yes' }, { outcome: 'late', after: 'PT4H', businessHours: true, calendar: '' }));
    expect(result.valid).toBe(false);
    const paths = result.errors.map((e) => e.path);
    expect(paths).toContain('/nodes/1/params/businessHours');
    expect(paths).toContain('/nodes/2/params/escalations/0/calendar');
  });

  it('keeps the outcomes: business hours change when a timer fires, not where it goes', () => {
    const wait = { id: 'w', kind: 'wait', position: { x: 0, y: 0 }, params: { duration: 'PT1H', businessHours: true, escalations: [{ outcome: 'late', after: 'P1D', businessHours: true }] } } as WorkflowNode;
    expect(outcomesOf(wait).map((o) => o.name)).toEqual(['elapsed', 'late']);
  });
});
