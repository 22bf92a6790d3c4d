import { validateDefinition } from '@flowdesk/schema';
import { describe, expect, it } from 'vitest';
import { createWorkflowGraph, emptyDefinition } from './useWorkflowGraph.ts';

describe('createWorkflowGraph', () => {
  it('builds a valid workflow from palette drops and outcome connections', () => {
    const g = createWorkflowGraph(emptyDefinition('refunds', 'Refunds'));
    const t = g.addNode('trigger', { x: 0, y: 0 });
    const a = g.addNode('approval', { x: 0, y: 150 });
    const e = g.addNode('end', { x: 0, y: 300 });
    expect([t, a, e]).toEqual(['trigger_1', 'approval_1', 'end_1']);
    g.connect(t, 'next', a);
    g.connect(a, 'approved', e);
    expect(validateDefinition(g.definition.value).valid).toBe(false); // "rejected" still unconnected
    g.connect(a, 'rejected', e);
    expect(validateDefinition(g.definition.value)).toMatchObject({ valid: true, errors: [] });
  });

  it('replaces the edge of an outcome instead of adding a second one', () => {
    const g = createWorkflowGraph(emptyDefinition());
    const t = g.addNode('trigger', { x: 0, y: 0 });
    const e1 = g.addNode('end', { x: 0, y: 100 });
    const e2 = g.addNode('end', { x: 100, y: 100 });
    g.connect(t, 'next', e1);
    g.connect(t, 'next', e2);
    expect(g.definition.value.edges).toEqual([{ id: expect.any(String), source: t, target: e2, outcome: 'next' }]);
  });

  it('undoes and redoes every change, and deleting a node removes its edges', () => {
    const g = createWorkflowGraph(emptyDefinition());
    const t = g.addNode('trigger', { x: 0, y: 0 });
    const e = g.addNode('end', { x: 0, y: 100 });
    g.connect(t, 'next', e);
    g.removeElements([e]);
    expect(g.definition.value.edges).toHaveLength(0);
    g.undo();
    expect(g.definition.value.nodes).toHaveLength(2);
    expect(g.definition.value.edges).toHaveLength(1);
    g.undo();
    g.undo();
    expect(g.definition.value.nodes).toHaveLength(1);
    g.redo();
    expect(g.definition.value.nodes.map((n) => n.id)).toEqual([t, e]);
    expect(g.canRedo.value).toBe(true);
    g.addNode('wait', { x: 0, y: 0 });
    expect(g.canRedo.value).toBe(false);
  });

  it('coalesces typing in one field into one undo step', () => {
    const g = createWorkflowGraph(emptyDefinition());
    const t = g.addNode('trigger', { x: 0, y: 0 });
    for (const name of ['N', 'Ne', 'New']) g.updateNode(t, { name });
    g.undo();
    expect(g.definition.value.nodes[0]!.name).toBe('Trigger');
  });

  it('pastes copies with fresh ids and the edges between them', () => {
    const g = createWorkflowGraph(emptyDefinition());
    const a = g.addNode('approval', { x: 0, y: 0 });
    const e = g.addNode('end', { x: 0, y: 100 });
    g.connect(a, 'approved', e);
    const created = g.paste(g.copy([a, e]));
    expect(created).toEqual(['approval_2', 'end_2']);
    expect(g.definition.value.edges.at(-1)).toMatchObject({ source: 'approval_2', target: 'end_2', outcome: 'approved' });
    expect(g.definition.value.nodes.at(-1)!.position).toEqual({ x: 40, y: 140 });
  });

  it('tracks unsaved changes', () => {
    const g = createWorkflowGraph(emptyDefinition());
    expect(g.dirty.value).toBe(false);
    g.addNode('end', { x: 0, y: 0 });
    expect(g.dirty.value).toBe(true);
    g.markSaved();
    expect(g.dirty.value).toBe(false);
  });
});
