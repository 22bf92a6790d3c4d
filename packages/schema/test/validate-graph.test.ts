import { describe, expect, it } from 'vitest';
import { validateDefinition } from '../src/validate.ts';
import { definition, edge, exampleJson, node } from './helpers.ts';

const task = (id: string, actions: string[]) =>
  node(id, 'task', { title: id, assignee: { type: 'role', role: 'agent' }, actions: actions.map((a) => ({ id: a, label: a })) });

describe('graph checks', () => {
  it('needs an edge for every required outcome, reported at the node', () => {
    const doc = exampleJson();
    doc.edges.splice(8, 1); // manager_approval --approved--> resolved
    const { errors } = validateDefinition(doc);
    expect(errors).toEqual([{ path: '/nodes/4', code: 'node.missing-edge', severity: 'error', message: 'outcome "approved" of node "manager_approval" has no edge' }]);
  });

  it('lets optional outcomes stay unconnected', () => {
    const doc = exampleJson();
    doc.edges.push({ id: 'e11', source: 'escalate', target: 'rejected', outcome: 'error' });
    expect(validateDefinition(doc).valid).toBe(true);
  });

  it('needs an end node', () => {
    const doc = definition([node('s', 'trigger'), task('t', ['again'])], [edge('s', 'next', 't'), edge('t', 'again', 't')]);
    expect(validateDefinition(doc).errors).toMatchObject([{ path: '/nodes', code: 'graph.no-end' }]);
  });

  it('rejects a cycle of work nodes: it would spin forever', () => {
    const doc = definition(
      [node('s', 'trigger'), node('a', 'action'), node('b', 'ai.sentiment'), node('end', 'end')],
      [edge('s', 'next', 'a'), edge('a', 'done', 'b'), edge('b', 'done', 'a'), edge('b', 'low_confidence', 'end')],
    );
    expect(validateDefinition(doc).errors).toEqual([{
      path: '/nodes/1', code: 'graph.busy-cycle', severity: 'error',
      message: 'nodes "a", "b" form a cycle without a waiting node (task, approval or wait); it would spin forever',
    }]);
  });

  it('rejects a work node that loops to itself', () => {
    const doc = definition(
      [node('s', 'trigger'), node('a', 'action'), node('end', 'end')],
      [edge('s', 'next', 'a'), edge('a', 'done', 'a'), edge('a', 'error', 'end')],
    );
    expect(validateDefinition(doc).errors).toMatchObject([{ path: '/nodes/1', code: 'graph.busy-cycle' }]);
  });

  it('accepts a cycle through a waiting node', () => {
    const doc = definition(
      [node('s', 'trigger'), task('t', ['retry', 'finish']), node('a', 'action'), node('end', 'end')],
      [edge('s', 'next', 't'), edge('t', 'retry', 'a'), edge('a', 'done', 't'), edge('t', 'finish', 'end')],
    );
    expect(validateDefinition(doc)).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it('warns about nodes the trigger cannot reach', () => {
    const doc = exampleJson();
    doc.nodes.push({ id: 'orphan', kind: 'end', position: { x: 0, y: 0 }, params: { status: 'cancelled' } });
    expect(validateDefinition(doc)).toEqual({
      valid: true,
      errors: [],
      warnings: [{ path: '/nodes/7', code: 'graph.unreachable', severity: 'warning', message: 'node "orphan" cannot be reached from the trigger' }],
    });
  });

  it('warns about nodes that cannot reach an end', () => {
    const doc = definition(
      [node('s', 'trigger'), task('t', ['stop', 'park']), node('w', 'wait', { duration: 'PT1H' }), node('end', 'end')],
      [edge('s', 'next', 't'), edge('t', 'stop', 'end'), edge('t', 'park', 'w'), edge('w', 'elapsed', 'w')],
    );
    const result = validateDefinition(doc);
    expect(result.valid).toBe(true);
    expect(result.warnings).toMatchObject([{ path: '/nodes/2', code: 'graph.dead-end' }]);
  });

  it('runs graph checks only once shape and references are valid', () => {
    const doc = exampleJson();
    doc.edges.splice(9, 1);
    doc.name = 3;
    expect(validateDefinition(doc).errors.map((e) => e.code)).toEqual(['schema.type']);
  });
});
