// Groups (compound states): the format, the reference checks and how groups count in the graph checks.
import { describe, expect, it } from 'vitest';
import { createAjv } from '../src/ajv.ts';
import { workflowDefinitionSchema } from '../src/definition-schema.ts';
import { validateDefinition } from '../src/validate.ts';
import { definition, edge, node } from './helpers.ts';

const task = (id: string, actions: string[], parentId?: string) => ({
  ...node(id, 'task', { title: id, assignee: { type: 'role', role: 'agent' }, actions: actions.map((a) => ({ id: a, label: a })) }),
  ...(parentId ? { parentId } : {}),
});
const group = (id: string, params: Record<string, unknown>) => node(id, 'group', params);

/** start -> [g: a -ok-> b] -done-> end; g.timeout -> late. */
function grouped(): { nodes: Record<string, unknown>[]; edges: Record<string, unknown>[] } {
  return {
    nodes: [
      node('s', 'trigger'),
      group('g', { initial: 'a', timeout: 'PT4H' }),
      task('a', ['ok'], 'g'),
      task('b', ['done'], 'g'),
      node('end', 'end'),
      node('late', 'end', { status: 'closed' }),
    ],
    edges: [edge('s', 'next', 'g', 'e1'), edge('a', 'ok', 'b', 'e2'), edge('b', 'done', 'end', 'e3'), edge('g', 'timeout', 'late', 'e4')],
  };
}

describe('groups', () => {
  it('a grouped workflow is valid, also against the complete JSON Schema', () => {
    const { nodes, edges } = grouped();
    const doc = definition(nodes, edges);
    expect(validateDefinition(doc)).toEqual({ valid: true, errors: [], warnings: [] });
    const validate = createAjv().compile(workflowDefinitionSchema);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  });

  it('needs an edge for each group outcome', () => {
    const { nodes, edges } = grouped();
    const { errors } = validateDefinition(definition(nodes, edges.filter((e) => e.id !== 'e4')));
    expect(errors).toEqual([{ path: '/nodes/1', code: 'node.missing-edge', severity: 'error', message: 'outcome "timeout" of node "g" has no edge' }]);
  });

  it('reports members of unknown groups, of non-groups, nested groups and a grouped trigger at parentId', () => {
    const { nodes, edges } = grouped();
    (nodes[2] as Record<string, unknown>).parentId = 'nope';
    (nodes[3] as Record<string, unknown>).parentId = 'end';
    nodes.push({ ...group('inner', {}), parentId: 'g' });
    (nodes[0] as Record<string, unknown>).parentId = 'g';
    const { errors } = validateDefinition(definition(nodes, edges));
    expect(errors.map((e) => [e.path, e.code, e.message])).toEqual([
      ['/nodes/0/parentId', 'group.member-kind', 'the trigger cannot be a member of a group'],
      ['/nodes/2/parentId', 'group.unknown-parent', 'no node has id "nope"'],
      ['/nodes/3/parentId', 'group.not-a-group', 'node "end" is a End, not a group'],
      ['/nodes/6/parentId', 'group.nested', 'groups cannot be nested: group "inner" cannot be a member of group "g"'],
      ['/nodes/1', 'group.empty', 'group "g" has no members; put at least one node in it'],
      ['/nodes/6', 'group.empty', 'group "inner" has no members; put at least one node in it'],
    ]);
  });

  it('needs the initial member to be a member, and an initial member for edges into the group', () => {
    const { nodes, edges } = grouped();
    (nodes[1] as { params: Record<string, unknown> }).params.initial = 'end';
    expect(validateDefinition(definition(nodes, edges)).errors).toEqual([
      { path: '/nodes/1/params/initial', code: 'group.unknown-initial', severity: 'error', message: '"end" is not a member of group "g"; members: a, b' },
    ]);
    delete (nodes[1] as { params: Record<string, unknown> }).params.initial;
    expect(validateDefinition(definition(nodes, edges)).errors).toEqual([
      {
        path: '/edges/0/target', code: 'group.no-initial', severity: 'error',
        message: 'edge enters group "g", which has no initial member; set the group\'s "initial" or connect the edge to a member',
      },
    ]);
    // Entering a member directly needs no initial member.
    const direct = edges.map((e) => (e.id === 'e1' ? { ...e, target: 'a' } : e));
    expect(validateDefinition(definition(nodes, direct))).toMatchObject({ valid: true, warnings: [] });
  });

  it('a member reached only through the group is reachable; the group\'s outcomes count for reaching an end', () => {
    const { nodes, edges } = grouped();
    // b loops back to a: the only way out of the group is its timeout.
    const looping = edges.map((e) => (e.id === 'e3' ? { ...e, target: 'a' } : e));
    const ok = validateDefinition(definition(nodes.filter((n) => n.id !== 'end'), looping));
    expect(ok).toEqual({ valid: true, errors: [], warnings: [] });
    // Without a timeout the members cannot reach an end.
    const noTimeout = nodes.filter((n) => n.id !== 'end' && n.id !== 'late').map((n) => (n.id === 'g' ? group('g', { initial: 'a' }) : n));
    const stuck = validateDefinition(definition([...noTimeout, node('end', 'end')], looping.filter((e) => e.id !== 'e4')));
    expect(stuck.warnings.map((w) => [w.path, w.code])).toEqual([
      ['/nodes/0', 'graph.dead-end'], ['/nodes/1', 'graph.dead-end'], ['/nodes/2', 'graph.dead-end'], ['/nodes/3', 'graph.dead-end'], ['/nodes/4', 'graph.unreachable'],
    ]);
  });

  it('a boundary transition is not a busy cycle, but work nodes looping through the group are', () => {
    const work = definition(
      [node('s', 'trigger'), group('g', { initial: 'a', timeout: 'PT1H' }), { ...node('a', 'action'), parentId: 'g' }, node('end', 'end')],
      [edge('s', 'next', 'g'), edge('a', 'done', 'g'), edge('g', 'timeout', 'end')],
    );
    expect(validateDefinition(work).errors.map((e) => [e.path, e.code])).toEqual([['/nodes/1', 'graph.busy-cycle']]);
    const waiting = definition(
      [node('s', 'trigger'), group('g', { initial: 'a', timeout: 'PT1H' }), task('a', ['again'], 'g'), node('end', 'end')],
      [edge('s', 'next', 'g'), edge('a', 'again', 'g'), edge('g', 'timeout', 'end')],
    );
    expect(validateDefinition(waiting)).toMatchObject({ valid: true, warnings: [] });
  });

  it('checks group params against the kind schema', () => {
    const { nodes, edges } = grouped();
    (nodes[1] as { params: Record<string, unknown> }).params = { timeout: 'soon', cancelOn: [] };
    expect(validateDefinition(definition(nodes, edges)).errors.map((e) => [e.path, e.code])).toEqual([
      ['/nodes/1/params/timeout', 'schema.format'],
      ['/nodes/1/params/cancelOn', 'schema.size'],
    ]);
  });
});
