import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../src/validate.ts';
import { at, codes, definition, edge, exampleJson, node } from './helpers.ts';

const errorsOf = (doc: unknown) => validateDefinition(doc).errors;

describe('reference checks', () => {
  it('finds duplicate node ids at the later node', () => {
    const doc = exampleJson();
    doc.nodes[6].id = 'resolved';
    expect(at(errorsOf(doc), '/nodes/6/id')).toMatchObject([{ code: 'node.duplicate-id', message: 'node id "resolved" is already used by nodes[5]' }]);
  });

  it('finds duplicate edge ids', () => {
    const doc = exampleJson();
    doc.edges[4].id = 'e1';
    expect(errorsOf(doc)).toMatchObject([{ path: '/edges/4/id', code: 'edge.duplicate-id' }]);
  });

  it('finds edges to and from unknown nodes', () => {
    const doc = exampleJson();
    doc.edges[2].target = 'ghost';
    doc.edges[3].source = 'phantom';
    const errors = errorsOf(doc);
    expect(at(errors, '/edges/2/target')).toMatchObject([{ code: 'edge.unknown-target', message: 'no node has id "ghost"' }]);
    expect(at(errors, '/edges/3/source')).toMatchObject([{ code: 'edge.unknown-source' }]);
    expect(errors).toHaveLength(2);
  });

  it('finds an edge outcome the source does not declare, and lists the allowed ones', () => {
    const doc = exampleJson();
    doc.edges[9].outcome = 'denied';
    expect(errorsOf(doc)).toEqual([{
      path: '/edges/9/outcome',
      code: 'edge.unknown-outcome',
      severity: 'error',
      message: 'Approval node "manager_approval" has no outcome "denied"; allowed: approved, rejected, escalated',
    }]);
  });

  it('finds two edges for the same source and outcome', () => {
    const doc = exampleJson();
    doc.edges.push({ id: 'e11', source: 'manager_approval', target: 'rejected', outcome: 'approved' });
    expect(errorsOf(doc)).toMatchObject([{ path: '/edges/10/outcome', code: 'edge.duplicate-outcome' }]);
  });

  it('finds a task form that does not exist, even when its name is on Object.prototype', () => {
    const task = (form: string) => node('review', 'task', { title: 'Review', assignee: { type: 'role', role: 'agent' }, form, actions: [{ id: 'done', label: 'Done' }] });
    const flow = (form: string, forms?: unknown) => definition(
      [node('s', 'trigger'), task(form), node('end', 'end')],
      [edge('s', 'next', 'review'), edge('review', 'done', 'end')],
      forms ? { forms } : {},
    );
    expect(errorsOf(flow('constructor'))).toMatchObject([{ path: '/nodes/1/params/form', code: 'task.unknown-form' }]);
    expect(errorsOf(flow('refund', { review: { schema: { type: 'object' } } })))
      .toMatchObject([{ path: '/nodes/1/params/form', message: 'form "refund" does not exist; forms: review' }]);
    expect(validateDefinition(flow('review', { review: { schema: { type: 'object' } } })).valid).toBe(true);
  });

  it('needs exactly one trigger', () => {
    const none = exampleJson();
    none.nodes[0] = { ...none.nodes[0], kind: 'end', params: { status: 'closed' } };
    expect(codes(errorsOf(none))).toContain('trigger.missing');
    expect(at(errorsOf(none), '/nodes')).toMatchObject([{ code: 'trigger.missing' }]);

    const two = exampleJson();
    two.nodes.push({ id: 'start2', kind: 'trigger', position: { x: 0, y: 0 }, params: { event: 'manual' } });
    expect(errorsOf(two)).toMatchObject([{ path: '/nodes/7/kind', code: 'trigger.multiple' }]);
  });

  it('forbids edges into the trigger', () => {
    const doc = exampleJson();
    doc.edges[9].target = 'start';
    expect(errorsOf(doc)).toMatchObject([{ path: '/edges/9/target', code: 'trigger.incoming' }]);
  });

  it('forbids edges out of end nodes', () => {
    const doc = exampleJson();
    doc.edges.push({ id: 'e11', source: 'resolved', target: 'triage', outcome: 'again' });
    expect(errorsOf(doc)).toMatchObject([{ path: '/edges/10/source', code: 'end.outgoing' }]);
  });

  it('finds an outcome declared twice on one node, at the value that repeats it', () => {
    const doc = exampleJson();
    doc.nodes[4].params.escalations[0].outcome = 'approved';
    expect(at(errorsOf(doc), '/nodes/4/params/escalations/0/outcome')).toMatchObject([{ code: 'node.duplicate-outcome' }]);
    const rule = exampleJson();
    rule.nodes[1].params.rules[0].outcome = 'error';
    expect(at(errorsOf(rule), '/nodes/1/params/rules/0/outcome')).toMatchObject([{ code: 'node.duplicate-outcome' }]);
  });

  it('still checks references when other parts are malformed', () => {
    const doc = exampleJson();
    doc.name = 7;
    doc.edges[0].target = 'ghost';
    expect(codes(errorsOf(doc)).sort()).toEqual(['edge.unknown-target', 'schema.type']);
  });
});
