// Groups in the editing model: group a selection, drag into / out of a group, ungroup, delete, copy and paste,
// and the hierarchical auto-layout that keeps members inside their group.
import { validateDefinition, type WorkflowDefinition } from '@flowdesk/schema';
import { describe, expect, it } from 'vitest';
import { layoutPositions } from './useAutoLayout.ts';
import { absolutePosition, createWorkflowGraph, emptyDefinition, GROUP_HEADER, GROUP_PADDING, groupSize } from './useWorkflowGraph.ts';

/** trigger -> fix (task) -> review (task) -> end, and review -> fix again. */
function flow() {
  const g = createWorkflowGraph(emptyDefinition('g', 'G'));
  const t = g.addNode('trigger', { x: 0, y: 0 });
  const fix = g.addNode('task', { x: 100, y: 200 });
  const review = g.addNode('task', { x: 100, y: 400 });
  const end = g.addNode('end', { x: 100, y: 600 });
  const late = g.addNode('end', { x: 500, y: 600 });
  g.updateNode(fix, { params: { title: 'Fix', assignee: { type: 'role', role: 'agent' }, actions: [{ id: 'done', label: 'Done' }] } });
  g.updateNode(review, { params: { title: 'Review', assignee: { type: 'role', role: 'lead' }, actions: [{ id: 'ok', label: 'OK' }, { id: 'redo', label: 'Redo' }] } });
  g.connect(t, 'next', fix);
  g.connect(fix, 'done', review);
  g.connect(review, 'ok', end);
  g.connect(review, 'redo', fix);
  return { g, t, fix, review, end, late };
}
const byId = (def: WorkflowDefinition, id: string) => def.nodes.find((n) => n.id === id)!;

describe('groups in the editing model', () => {
  it('groups a selection around the nodes, keeping them where they are, with the entered node as initial', () => {
    const { g, t, fix, review, late } = flow();
    const before = { fix: { ...byId(g.definition.value, fix).position }, review: { ...byId(g.definition.value, review).position } };
    const id = g.groupNodes([review, fix, t])!; // the trigger is left out
    const def = g.definition.value;
    const group = byId(def, id);
    expect(group).toMatchObject({ kind: 'group', position: { x: 100 - GROUP_PADDING, y: 200 - GROUP_HEADER }, params: { initial: fix, timeout: 'PT4H' } });
    expect(def.nodes[0]!.id).toBe(id); // before its members
    expect(byId(def, t).parentId).toBeUndefined();
    expect(byId(def, fix)).toMatchObject({ parentId: id, position: { x: GROUP_PADDING, y: GROUP_HEADER } });
    expect(absolutePosition(def, byId(def, fix))).toEqual(before.fix);
    expect(absolutePosition(def, byId(def, review))).toEqual(before.review);
    expect(groupSize(def, id).width).toBeGreaterThanOrEqual(GROUP_PADDING * 2 + 232);
    // The timeout outcome needs an edge: connect it and the workflow is valid.
    expect(validateDefinition(def).errors.map((e) => e.code)).toEqual(['node.missing-edge']);
    g.connect(id, 'timeout', late);
    expect(validateDefinition(g.definition.value)).toMatchObject({ valid: true, warnings: [] });
    g.undo();
    g.undo();
    expect(g.definition.value.nodes.some((n) => n.kind === 'group')).toBe(false);
  });

  it('drags a node into a group and out again (relative position inside, absolute outside)', () => {
    const { g, end, fix } = flow();
    const id = g.groupNodes([fix])!;
    g.moveNodes({ [end]: { x: 30, y: 300 } }, { [end]: id });
    expect(byId(g.definition.value, end)).toMatchObject({ parentId: id, position: { x: 30, y: 300 } });
    g.moveNodes({ [end]: { x: 900, y: 900 } }, { [end]: null });
    expect(byId(g.definition.value, end).parentId).toBeUndefined();
    expect(byId(g.definition.value, end).position).toEqual({ x: 900, y: 900 });
    // A group cannot go into a group, nor can the trigger.
    const other = g.addNode('group', { x: 0, y: 0 });
    g.moveNodes({ [other]: { x: 10, y: 10 } }, { [other]: id });
    expect(byId(g.definition.value, other).parentId).toBeUndefined();
  });

  it('adds a node dropped inside a group as its member', () => {
    const { g, fix } = flow();
    const id = g.groupNodes([fix])!;
    const added = g.addNode('wait', { x: 40, y: 260 }, id);
    expect(byId(g.definition.value, added)).toMatchObject({ parentId: id, position: { x: 40, y: 260 } });
    const trigger = g.addNode('trigger', { x: 0, y: 0 }, id);
    expect(byId(g.definition.value, trigger).parentId).toBeUndefined();
  });

  it('ungroups: members stay in place, edges into the group go to its initial member, its own edges go', () => {
    const { g, fix, review, late, t } = flow();
    const id = g.groupNodes([fix, review])!;
    g.connect(id, 'timeout', late);
    g.connect(t, 'next', id);
    const at = absolutePosition(g.definition.value, byId(g.definition.value, review));
    g.ungroup(id);
    const def = g.definition.value;
    expect(def.nodes.some((n) => n.id === id)).toBe(false);
    expect(byId(def, review).position).toEqual(at);
    expect(def.edges.find((e) => e.source === t)?.target).toBe(fix);
    expect(def.edges.some((e) => e.source === id)).toBe(false);
  });

  it('deleting a group keeps its members; copying a group copies its members', () => {
    const { g, fix, review } = flow();
    const id = g.groupNodes([fix, review])!;
    const clip = g.copy([id]);
    expect(clip.nodes.map((n) => n.id).sort()).toEqual([fix, id, review].sort());
    const created = g.paste(clip);
    const newGroup = created.find((c) => byId(g.definition.value, c).kind === 'group')!;
    const members = g.definition.value.nodes.filter((n) => n.parentId === newGroup);
    expect(members).toHaveLength(2);
    expect(members.map((m) => m.position)).toEqual([byId(g.definition.value, fix).position, byId(g.definition.value, review).position]);
    expect(byId(g.definition.value, newGroup).params).toMatchObject({ initial: members.find((m) => m.name === byId(g.definition.value, fix).name && m.id !== fix)?.id });
    // A member copied alone becomes a free node at its place on the canvas.
    expect(g.copy([fix]).nodes[0]).toMatchObject({ position: absolutePosition(g.definition.value, byId(g.definition.value, fix)) });
    expect(g.copy([fix]).nodes[0]!.parentId).toBeUndefined();

    g.removeElements([id]);
    expect(byId(g.definition.value, fix).parentId).toBeUndefined();
    expect(g.definition.value.nodes.some((n) => n.id === id)).toBe(false);
  });

  it('auto-layout keeps members inside their group (positions relative to it)', async () => {
    const { g, fix, review, late } = flow();
    const id = g.groupNodes([fix, review])!;
    g.connect(id, 'timeout', late);
    const positions = await layoutPositions(g.definition.value);
    g.moveNodes(positions);
    const def = g.definition.value;
    const size = groupSize(def, id);
    for (const m of [fix, review]) {
      const p = byId(def, m).position;
      expect(p.x).toBeGreaterThanOrEqual(GROUP_PADDING - 1);
      expect(p.y).toBeGreaterThanOrEqual(GROUP_HEADER - 1);
      expect(p.x + 232).toBeLessThanOrEqual(size.width);
    }
    // The two members do not overlap (elk may put either first: review -> fix closes a cycle).
    const [a, b] = [byId(def, fix).position, byId(def, review).position];
    expect(Math.abs(a.x - b.x) >= 232 || Math.abs(a.y - b.y) >= 96).toBe(true);
  });
});
