// The version comparison as a pure function: what counts as added, removed and changed (positions never
// do), how edges are matched across versions, the change lines in words, and the merged canvas view.
import type { WorkflowDefinition } from '@flowdesk/schema';
import { validateDefinition } from '@flowdesk/schema';
import { describe, expect, it } from 'vitest';
import { describeValueChange, diffDefinitions, diffValues, formatValue, mergedView, REMOVED_EDGE_PREFIX } from './workflowDiff.ts';

function base(): WorkflowDefinition {
  return {
    schemaVersion: 1,
    key: 'refunds',
    name: 'Refunds',
    nodes: [
      { id: 'start', kind: 'trigger', name: 'Ticket created', position: { x: 0, y: 0 }, params: { event: 'ticket.created' } },
      {
        id: 'triage',
        kind: 'rule',
        name: 'Triage',
        position: { x: 0, y: 120 },
        params: { rules: [{ name: 'Urgent', outcome: 'urgent', conditions: { any: [{ fact: 'ticket', path: '$.priority', operator: 'equal', value: 'urgent' }] } }], defaultOutcome: 'normal' },
      },
      { id: 'approve', kind: 'approval', name: 'Approve', position: { x: 0, y: 240 }, params: { title: 'Approve', approvers: [{ type: 'role', role: 'manager' }], required: 1 } },
      { id: 'done', kind: 'end', name: 'Done', position: { x: 0, y: 360 }, params: { status: 'resolved' } },
      { id: 'no', kind: 'end', name: 'No', position: { x: 200, y: 360 }, params: { status: 'closed' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'triage', outcome: 'next' },
      { id: 'e2', source: 'triage', target: 'approve', outcome: 'urgent' },
      { id: 'e3', source: 'triage', target: 'approve', outcome: 'normal' },
      { id: 'e4', source: 'approve', target: 'done', outcome: 'approved' },
      { id: 'e5', source: 'approve', target: 'no', outcome: 'rejected' },
    ],
  };
}
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
function edit(mutate: (d: WorkflowDefinition) => void): WorkflowDefinition {
  const d = clone(base());
  mutate(d);
  return d;
}
const node = (d: WorkflowDefinition, id: string) => d.nodes.find((n) => n.id === id)!;

describe('diffValues', () => {
  it('finds nothing between equal values, whatever the key order', () => {
    expect(diffValues({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toEqual([]);
    expect(diffValues(null, null)).toEqual([]);
  });
  it('names the leaf that changed, with dotted and indexed paths', () => {
    expect(diffValues({ a: { b: 1 } }, { a: { b: 2 } }, 'params')).toEqual([{ path: 'params.a.b', before: 1, after: 2 }]);
    expect(diffValues({ l: ['x', 'y'] }, { l: ['x', 'z'] })).toEqual([{ path: 'l[1]', before: 'y', after: 'z' }]);
  });
  it('reports added and removed keys and array items', () => {
    expect(diffValues({ a: 1 }, { a: 1, b: 2 })).toEqual([{ path: 'b', before: undefined, after: 2 }]);
    expect(diffValues({ l: [1, 2, 3] }, { l: [1] })).toEqual([
      { path: 'l[1]', before: 2, after: undefined },
      { path: 'l[2]', before: 3, after: undefined },
    ]);
  });
  it('compares values of different types as a whole', () => {
    expect(diffValues({ a: [1] }, { a: { 0: 1 } })).toEqual([{ path: 'a', before: [1], after: { 0: 1 } }]);
    expect(diffValues({ a: true }, { a: { minConfidence: 0.9 } })).toEqual([{ path: 'a', before: true, after: { minConfidence: 0.9 } }]);
  });
  it('quotes keys that are not identifiers', () => {
    expect(diffValues({ 'x-y': 1 }, { 'x-y': 2 }, 'headers')).toEqual([{ path: 'headers["x-y"]', before: 1, after: 2 }]);
  });
});

describe('formatValue and describeValueChange', () => {
  it('reads like the issue asks: "params.required 1 → 2"', () => {
    expect(describeValueChange({ path: 'params.required', before: 1, after: 2 })).toBe('params.required 1 → 2');
    expect(describeValueChange({ path: 'params.labels[2]', before: undefined, after: 'vip' })).toBe('params.labels[2] added: "vip"');
    expect(describeValueChange({ path: 'name', before: 'Old', after: undefined })).toBe('name removed (was "Old")');
  });
  it('shortens long values', () => {
    const text = formatValue('x'.repeat(200), 20);
    expect(text).toHaveLength(20);
    expect(text.endsWith('…')).toBe(true);
    expect(formatValue(undefined)).toBe('—');
  });
});

describe('diffDefinitions', () => {
  it('finds no difference between a definition and itself', () => {
    const d = diffDefinitions(base(), base());
    expect(d.same).toBe(true);
    expect(d.lines).toEqual([]);
    expect(d.counts).toEqual({ added: 0, removed: 0, changed: 0 });
    expect(d.nodes.every((n) => n.status === 'unchanged')).toBe(true);
  });

  it('ignores positions (moving a node changes nothing a run does)', () => {
    const moved = edit((d) => {
      for (const n of d.nodes) n.position = { x: n.position.x + 500, y: n.position.y * 2 };
    });
    expect(diffDefinitions(base(), moved).same).toBe(true);
  });

  it('ignores edge ids: edges are matched by source and outcome', () => {
    const renamed = edit((d) => {
      d.edges = d.edges.map((e, i) => ({ ...e, id: `edge_${i}` })).reverse();
    });
    expect(diffDefinitions(base(), renamed).same).toBe(true);
  });

  it('marks a changed param with the path and both values', () => {
    const after = edit((d) => {
      (node(d, 'approve').params as { required: number }).required = 2;
    });
    const d = diffDefinitions(base(), after);
    expect(d.nodes.find((n) => n.id === 'approve')).toMatchObject({ status: 'changed', changes: [{ path: 'params.required', before: 1, after: 2 }] });
    expect(d.lines).toEqual([{ status: 'changed', subject: 'node approve', text: 'params.required 1 → 2', nodeId: 'approve' }]);
    expect(d.counts).toEqual({ added: 0, removed: 0, changed: 1 });
  });

  it('marks a renamed node as changed, and a nested rule change with its index', () => {
    const after = edit((d) => {
      node(d, 'triage').name = 'Triage by priority';
      const rule = (node(d, 'triage').params as { rules: { outcome: string; conditions: { any: { value: unknown }[] } }[] }).rules[0]!;
      rule.conditions.any[0]!.value = 'high';
    });
    const lines = diffDefinitions(base(), after).lines.map((l) => l.text);
    expect(lines).toEqual(['name "Triage" → "Triage by priority"', 'params.rules[0].conditions.any[0].value "urgent" → "high"']);
  });

  it('lists added and removed nodes and their edges', () => {
    const after = edit((d) => {
      d.nodes = d.nodes.filter((n) => n.id !== 'no');
      d.edges = d.edges.filter((e) => e.target !== 'no');
      d.nodes.push({ id: 'notify', kind: 'action', name: 'Tell the customer', position: { x: 300, y: 300 }, params: { steps: [{ type: 'addTags', tags: ['rejected'] }] } });
      d.edges.push({ id: 'e6', source: 'approve', target: 'notify', outcome: 'rejected' }, { id: 'e7', source: 'notify', target: 'done', outcome: 'done' });
    });
    const d = diffDefinitions(base(), after);
    expect(d.nodes.filter((n) => n.status === 'added').map((n) => n.id)).toEqual(['notify']);
    expect(d.nodes.filter((n) => n.status === 'removed').map((n) => n.id)).toEqual(['no']);
    // approve —rejected→ kept its (source, outcome): the edge is changed (new target), not removed + added.
    expect(d.edges.find((e) => e.key === 'approve\u0000rejected')).toMatchObject({ status: 'changed', before: { target: 'no' }, edge: { target: 'notify' } });
    expect(d.edges.filter((e) => e.status === 'added').map((e) => e.edge.id)).toEqual(['e7']);
    expect(d.lines).toEqual([
      { status: 'added', subject: 'node notify', text: 'added: action notify (Tell the customer)', nodeId: 'notify' },
      { status: 'removed', subject: 'node no', text: 'removed: end no (No)', nodeId: 'no' },
      { status: 'changed', subject: 'edge approve —rejected→', text: 'target no → notify', nodeId: 'approve' },
      { status: 'added', subject: 'edge notify —done→', text: 'added, to done', nodeId: 'notify' },
    ]);
    expect(d.counts).toEqual({ added: 2, removed: 1, changed: 1 });
  });

  it('reports a removed edge whose outcome is gone', () => {
    const after = edit((d) => {
      const triage = node(d, 'triage').params as { rules: unknown[] };
      triage.rules = [];
      d.edges = d.edges.filter((e) => e.outcome !== 'urgent');
    });
    const d = diffDefinitions(base(), after);
    expect(d.edges.filter((e) => e.status === 'removed').map((e) => e.edge.id)).toEqual(['e2']);
    expect(d.lines.map((l) => `${l.status} ${l.subject}: ${l.text}`)).toContain('removed edge triage —urgent→: removed (went to approve)');
  });

  it('treats a node whose kind changed (same id) as changed', () => {
    const after = edit((d) => {
      const i = d.nodes.findIndex((n) => n.id === 'no');
      d.nodes[i] = { id: 'no', kind: 'wait', name: 'No', position: { x: 0, y: 0 }, params: { duration: 'PT1H' } } as never;
    });
    const changes = diffDefinitions(base(), after).nodes.find((n) => n.id === 'no')!.changes;
    expect(changes[0]).toEqual({ path: 'kind', before: 'end', after: 'wait' });
  });

  it('reports workflow-level changes: name, description, forms', () => {
    const after = edit((d) => {
      d.name = 'Refunds v2';
      d.description = 'Now with forms';
      d.forms = { refund: { title: 'Refund', schema: { type: 'object' } } };
    });
    const d = diffDefinitions(base(), after);
    expect(d.meta.map((m) => m.path)).toEqual(['name', 'description', 'forms.refund']);
    expect(d.lines.every((l) => l.subject === 'workflow' && l.status === 'changed')).toBe(true);
    expect(d.counts.changed).toBe(1);
    expect(d.same).toBe(false);
  });

  it('is symmetric: swapping the sides swaps added and removed', () => {
    const after = edit((d) => {
      d.nodes = d.nodes.filter((n) => n.id !== 'no');
      d.edges = d.edges.filter((e) => e.target !== 'no');
    });
    const forward = diffDefinitions(base(), after);
    const backward = diffDefinitions(after, base());
    expect(forward.counts).toEqual({ added: 0, removed: 2, changed: 0 });
    expect(backward.counts).toEqual({ added: 2, removed: 0, changed: 0 });
  });
});

describe('mergedView', () => {
  it('keeps removed nodes (at their old place) and removed edges with prefixed ids, and marks every element', () => {
    const after = edit((d) => {
      d.nodes = d.nodes.filter((n) => n.id !== 'no');
      d.edges = d.edges.filter((e) => e.target !== 'no');
      d.edges.push({ id: 'e5', source: 'approve', target: 'done', outcome: 'rejected' }); // same id, different edge
      (node(d, 'approve').params as { required: number }).required = 2;
    });
    const view = mergedView(base(), after);
    expect(view.definition.nodes.map((n) => n.id).sort()).toEqual(['approve', 'done', 'no', 'start', 'triage']);
    expect(view.definition.nodes.find((n) => n.id === 'no')!.position).toEqual({ x: 200, y: 360 });
    expect(view.nodeStatus.get('no')).toBe('removed');
    expect(view.nodeStatus.get('approve')).toBe('changed');
    expect(view.nodeStatus.get('start')).toBe('unchanged');
    // approve —rejected→ moved from "no" to "done": the new edge is changed, the old one drawn as removed.
    const ids = view.definition.edges.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(view.edgeStatus.get('e5')).toBe('changed');
    expect(view.edgeStatus.get(`${REMOVED_EDGE_PREFIX}e5`)).toBe('removed');
    expect(view.definition.edges.find((e) => e.id === `${REMOVED_EDGE_PREFIX}e5`)).toMatchObject({ source: 'approve', target: 'no', outcome: 'rejected' });
  });

  it('lists outcomes that only removed edges still use, so the canvas can draw them', () => {
    const after = edit((d) => {
      (node(d, 'triage').params as { rules: unknown[] }).rules = [];
      d.edges = d.edges.filter((e) => e.outcome !== 'urgent');
    });
    const view = mergedView(base(), after);
    expect(view.extraOutcomes.get('triage')).toEqual(['urgent']);
    expect(view.edgeStatus.get(`${REMOVED_EDGE_PREFIX}e2`)).toBe('removed');
  });

  it('draws an unchanged comparison as the definition itself', () => {
    const view = mergedView(base(), base());
    expect(view.definition.nodes).toEqual(base().nodes);
    expect(view.definition.edges).toEqual(base().edges);
    expect([...view.edgeStatus.values()].every((s) => s === 'unchanged')).toBe(true);
  });

  it('the base fixture is a valid workflow (the comparisons above are between real definitions)', () => {
    expect(validateDefinition(base()).errors).toEqual([]);
  });
});
