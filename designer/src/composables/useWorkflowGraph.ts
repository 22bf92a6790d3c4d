// The editing model of one workflow: the definition is the single source of truth, every change makes a
// new immutable definition, and undo/redo walk a history of definition states. Vue Flow only renders it.
import { nodeCatalog, type NodeKind, type Position, type WorkflowDefinition, type WorkflowEdge, type WorkflowNode } from '@flowdesk/schema';
import { computed, inject, provide, shallowRef, type InjectionKey } from 'vue';

export const HISTORY_LIMIT = 200;

/** Definitions are JSON: a JSON round trip copies them and drops any Vue proxy (structuredClone rejects those). */
export function cloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export interface Clipboard {
  nodes: WorkflowNode[];
  edges: WorkflowEdge[];
}

/** A short id prefix per kind: "ai.classify" -> "classify". */
function idPrefix(kind: NodeKind): string {
  return kind.replace(/^ai\./, '');
}

export function uniqueId(prefix: string, taken: Set<string>): string {
  const base = prefix.replace(/[^A-Za-z0-9_-]/g, '_').replace(/^[^A-Za-z]+/, '') || 'n';
  for (let i = 1; ; i++) {
    const id = `${base}_${i}`;
    if (!taken.has(id)) return id;
  }
}

export function emptyDefinition(key = 'new-workflow', name = 'Untitled workflow'): WorkflowDefinition {
  return { schemaVersion: 1, key, name, nodes: [], edges: [] };
}

// ---- groups (compound states): members are positioned relative to their group, which Vue Flow draws around them ----

/** Size of a node card on the canvas, for group geometry (the card grows a little with its outcomes row). */
export const CARD = { width: 232, height: 112 } as const;
/** Inner margin of a group, and the band at its top that shows its name, timeout and cancel events. */
export const GROUP_PADDING = 28;
export const GROUP_HEADER = 84;
export const GROUP_MIN = { width: 320, height: 200 } as const;

/** A group's box: large enough for its members (relative positions) plus the padding; never below GROUP_MIN. */
export function groupSize(def: WorkflowDefinition, groupId: string): { width: number; height: number } {
  let width: number = GROUP_MIN.width;
  let height: number = GROUP_MIN.height;
  for (const n of def.nodes) {
    if (n.parentId !== groupId) continue;
    width = Math.max(width, n.position.x + CARD.width + GROUP_PADDING);
    height = Math.max(height, n.position.y + CARD.height + GROUP_PADDING + 24); // + the group's outcome row
  }
  return { width, height };
}

/** Canvas (absolute) position of a node: a member's position is relative to its group's. */
export function absolutePosition(def: WorkflowDefinition, node: WorkflowNode): Position {
  const parent = node.parentId ? def.nodes.find((n) => n.id === node.parentId) : undefined;
  return parent ? { x: parent.position.x + node.position.x, y: parent.position.y + node.position.y } : { ...node.position };
}

/** Takes `node` out of its group (in place), keeping where it is on the canvas. */
function release(def: WorkflowDefinition, node: WorkflowNode): void {
  node.position = absolutePosition(def, node);
  delete node.parentId;
}

export function createWorkflowGraph(initial: WorkflowDefinition) {
  const definition = shallowRef<WorkflowDefinition>(cloneJson(initial));
  const past = shallowRef<WorkflowDefinition[]>([]);
  const future = shallowRef<WorkflowDefinition[]>([]);
  /** Definition last saved to the server; dirty = differs from it. */
  const savedJson = shallowRef(JSON.stringify(initial));
  let lastCoalesce: { key: string; at: number } | null = null;

  const dirty = computed(() => JSON.stringify(definition.value) !== savedJson.value);
  const canUndo = computed(() => past.value.length > 0);
  const canRedo = computed(() => future.value.length > 0);

  /**
   * Applies a change to a copy of the definition. Changes with the same coalesce key within 1.5 s (typing in
   * one field) become one undo step.
   */
  function apply(mutate: (draft: WorkflowDefinition) => void, coalesceKey?: string): void {
    const draft = cloneJson(definition.value);
    mutate(draft);
    if (JSON.stringify(draft) === JSON.stringify(definition.value)) return;
    const now = Date.now();
    const coalesce = coalesceKey !== undefined && lastCoalesce?.key === coalesceKey && now - lastCoalesce.at < 1500;
    if (!coalesce) past.value = [...past.value.slice(-(HISTORY_LIMIT - 1)), definition.value];
    lastCoalesce = coalesceKey === undefined ? null : { key: coalesceKey, at: now };
    future.value = [];
    definition.value = draft;
  }

  function undo(): void {
    const previous = past.value.at(-1);
    if (!previous) return;
    past.value = past.value.slice(0, -1);
    future.value = [definition.value, ...future.value];
    definition.value = previous;
    lastCoalesce = null;
  }

  function redo(): void {
    const next = future.value[0];
    if (!next) return;
    future.value = future.value.slice(1);
    past.value = [...past.value, definition.value];
    definition.value = next;
    lastCoalesce = null;
  }

  /** Replaces everything without history (loading from the server). */
  function reset(def: WorkflowDefinition): void {
    definition.value = cloneJson(def);
    past.value = [];
    future.value = [];
    savedJson.value = JSON.stringify(def);
  }

  function markSaved(): void {
    savedJson.value = JSON.stringify(definition.value);
  }

  function takenIds(def: WorkflowDefinition): Set<string> {
    return new Set(def.nodes.map((n) => n.id));
  }

  /** Adds a node of `kind`; with `parentId` it goes into that group and `position` is relative to the group. */
  function addNode(kind: NodeKind, position: Position, parentId?: string | null): string {
    const spec = nodeCatalog[kind];
    let id = '';
    apply((d) => {
      id = uniqueId(idPrefix(kind), takenIds(d));
      const inGroup = parentId && kind !== 'group' && kind !== 'trigger' && d.nodes.some((n) => n.id === parentId && n.kind === 'group');
      d.nodes.push({
        id,
        kind,
        name: spec.label,
        ...(inGroup ? { parentId } : {}),
        position: { x: Math.round(position.x), y: Math.round(position.y) },
        params: cloneJson(spec.defaults),
      } as WorkflowNode);
    });
    return id;
  }

  /** Removes nodes and edges. The members of a removed group that are not removed too stay, outside any group. */
  function removeElements(nodeIds: string[], edgeIds: string[] = []): void {
    if (nodeIds.length === 0 && edgeIds.length === 0) return;
    const nodes = new Set(nodeIds);
    const edges = new Set(edgeIds);
    apply((d) => {
      for (const n of d.nodes) if (n.parentId && nodes.has(n.parentId) && !nodes.has(n.id)) release(d, n);
      d.nodes = d.nodes.filter((n) => !nodes.has(n.id));
      d.edges = d.edges.filter((e) => !edges.has(e.id) && !nodes.has(e.source) && !nodes.has(e.target));
    });
  }

  /**
   * Puts the nodes in a new group drawn around them (Ctrl+G). The group's initial member is the first of them an
   * edge from outside enters, else the topmost. Triggers and groups are left out. Returns the group id, or null.
   */
  function groupNodes(nodeIds: string[]): string | null {
    let groupId: string | null = null;
    apply((d) => {
      const ids = new Set(nodeIds);
      const members = d.nodes.filter((n) => ids.has(n.id) && n.kind !== 'trigger' && n.kind !== 'group');
      if (members.length === 0) return;
      const at = new Map(members.map((n) => [n.id, absolutePosition(d, n)]));
      const xs = [...at.values()].map((p) => p.x);
      const ys = [...at.values()].map((p) => p.y);
      const origin = { x: Math.round(Math.min(...xs) - GROUP_PADDING), y: Math.round(Math.min(...ys) - GROUP_HEADER) };
      const memberIds = new Set(members.map((n) => n.id));
      const entered = members.find((n) => d.edges.some((e) => e.target === n.id && !memberIds.has(e.source)));
      const topmost = [...members].sort((a, b) => at.get(a.id)!.y - at.get(b.id)!.y || at.get(a.id)!.x - at.get(b.id)!.x)[0]!;
      groupId = uniqueId('group', takenIds(d));
      d.nodes.unshift({ id: groupId, kind: 'group', name: 'Group', position: origin, params: { initial: (entered ?? topmost).id, timeout: 'PT4H' } });
      for (const n of members) {
        const p = at.get(n.id)!;
        n.parentId = groupId;
        n.position = { x: Math.round(p.x - origin.x), y: Math.round(p.y - origin.y) };
      }
    });
    return groupId;
  }

  /** Dissolves a group: its members stay where they are; edges into it go to its initial member, its own edges go. */
  function ungroup(groupId: string): void {
    apply((d) => {
      const group = d.nodes.find((n) => n.id === groupId);
      if (group?.kind !== 'group') return;
      for (const n of d.nodes) if (n.parentId === groupId) release(d, n);
      const initial = group.params.initial;
      d.edges = d.edges.filter((e) => e.source !== groupId && (e.target !== groupId || initial !== undefined)).map((e) => (e.target === groupId ? { ...e, target: initial! } : e));
      d.nodes = d.nodes.filter((n) => n.id !== groupId);
    });
  }

  /** Connects a declared outcome of `source` to `target`; an outcome has one edge, so an older one is replaced. */
  function connect(source: string, outcome: string, target: string): void {
    apply((d) => {
      d.edges = d.edges.filter((e) => !(e.source === source && e.outcome === outcome));
      const taken = new Set(d.edges.map((e) => e.id));
      let n = d.edges.length + 1;
      while (taken.has(`e${n}`)) n++;
      d.edges.push({ id: `e${n}`, source, target, outcome });
    });
  }

  /**
   * Moves nodes. `parents` moves nodes into a group (its id; the position is then relative to it) or out of one
   * (null; the position is absolute): dragging a node into or out of a group on the canvas.
   */
  function moveNodes(positions: Record<string, Position>, parents: Record<string, string | null> = {}): void {
    apply((d) => {
      for (const node of d.nodes) {
        const p = positions[node.id];
        if (p) node.position = { x: Math.round(p.x), y: Math.round(p.y) };
        if (!Object.hasOwn(parents, node.id) || node.kind === 'group' || node.kind === 'trigger') continue;
        const parent = parents[node.id];
        if (parent && d.nodes.some((n) => n.id === parent && n.kind === 'group')) node.parentId = parent;
        else if (parent === null) delete node.parentId;
      }
    });
  }

  function updateNode(id: string, patch: { name?: string; params?: unknown }): void {
    apply((d) => {
      const node = d.nodes.find((n) => n.id === id);
      if (!node) return;
      if (patch.name !== undefined) {
        if (patch.name === '') delete node.name;
        else node.name = patch.name;
      }
      if (patch.params !== undefined) node.params = cloneJson(patch.params) as never;
    }, `node:${id}:${patch.name !== undefined ? 'name' : 'params'}`);
  }

  function updateMeta(patch: Partial<Pick<WorkflowDefinition, 'name' | 'key' | 'description'>>): void {
    apply((d) => Object.assign(d, patch), `meta:${Object.keys(patch).join(',')}`);
  }

  function copy(nodeIds: string[]): Clipboard {
    const def = definition.value;
    const ids = new Set(nodeIds);
    // A group copies with its members; a member copied without its group is copied as a free node.
    for (const n of def.nodes) if (n.parentId && ids.has(n.parentId)) ids.add(n.id);
    const nodes = cloneJson(def.nodes.filter((n) => ids.has(n.id)));
    for (const n of nodes) if (n.parentId && !ids.has(n.parentId)) release(def, n);
    return { nodes, edges: cloneJson(def.edges.filter((e) => ids.has(e.source) && ids.has(e.target))) };
  }

  /** Pastes copies with fresh ids, offset from the originals; returns the new node ids. */
  function paste(clip: Clipboard, offset: Position = { x: 40, y: 40 }): string[] {
    const created: string[] = [];
    apply((d) => {
      const taken = takenIds(d);
      const map = new Map<string, string>();
      for (const node of clip.nodes) {
        const id = uniqueId(node.id.replace(/_\d+$/, ''), taken);
        taken.add(id);
        map.set(node.id, id);
        created.push(id);
        d.nodes.push({ ...cloneJson(node), id, position: { x: node.position.x + offset.x, y: node.position.y + offset.y } });
      }
      // Members of a pasted group follow their new group (and keep their place in it).
      for (const n of d.nodes.slice(-clip.nodes.length)) {
        if (!n.parentId) continue;
        const parent = map.get(n.parentId);
        if (parent) n.parentId = parent;
        n.position = { x: n.position.x - offset.x, y: n.position.y - offset.y };
        if (!parent) delete n.parentId;
      }
      for (const n of d.nodes) {
        if (n.kind !== 'group' || !created.includes(n.id) || !n.params.initial) continue;
        n.params = { ...n.params, initial: map.get(n.params.initial) ?? n.params.initial };
      }
      const edgeIds = new Set(d.edges.map((e) => e.id));
      for (const edge of clip.edges) {
        const id = uniqueId('e', edgeIds);
        edgeIds.add(id);
        d.edges.push({ id, source: map.get(edge.source)!, target: map.get(edge.target)!, outcome: edge.outcome });
      }
    });
    return created;
  }

  return { definition, dirty, canUndo, canRedo, apply, undo, redo, reset, markSaved, addNode, removeElements, groupNodes, ungroup, connect, moveNodes, updateNode, updateMeta, copy, paste };
}

export type WorkflowGraph = ReturnType<typeof createWorkflowGraph>;

const key: InjectionKey<WorkflowGraph> = Symbol('workflow-graph');

export function provideWorkflowGraph(graph: WorkflowGraph): void {
  provide(key, graph);
}

export function useWorkflowGraph(): WorkflowGraph {
  const graph = inject(key);
  if (!graph) throw new Error('useWorkflowGraph() needs a parent that called provideWorkflowGraph()');
  return graph;
}
