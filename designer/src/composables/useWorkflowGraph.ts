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

  function addNode(kind: NodeKind, position: Position): string {
    const spec = nodeCatalog[kind];
    let id = '';
    apply((d) => {
      id = uniqueId(idPrefix(kind), takenIds(d));
      d.nodes.push({ id, kind, name: spec.label, position: { x: Math.round(position.x), y: Math.round(position.y) }, params: cloneJson(spec.defaults) } as WorkflowNode);
    });
    return id;
  }

  function removeElements(nodeIds: string[], edgeIds: string[] = []): void {
    if (nodeIds.length === 0 && edgeIds.length === 0) return;
    const nodes = new Set(nodeIds);
    const edges = new Set(edgeIds);
    apply((d) => {
      d.nodes = d.nodes.filter((n) => !nodes.has(n.id));
      d.edges = d.edges.filter((e) => !edges.has(e.id) && !nodes.has(e.source) && !nodes.has(e.target));
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

  function moveNodes(positions: Record<string, Position>): void {
    apply((d) => {
      for (const node of d.nodes) {
        const p = positions[node.id];
        if (p) node.position = { x: Math.round(p.x), y: Math.round(p.y) };
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
    const ids = new Set(nodeIds);
    return cloneJson({
      nodes: definition.value.nodes.filter((n) => ids.has(n.id)),
      edges: definition.value.edges.filter((e) => ids.has(e.source) && ids.has(e.target)),
    });
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
      const edgeIds = new Set(d.edges.map((e) => e.id));
      for (const edge of clip.edges) {
        const id = uniqueId('e', edgeIds);
        edgeIds.add(id);
        d.edges.push({ id, source: map.get(edge.source)!, target: map.get(edge.target)!, outcome: edge.outcome });
      }
    });
    return created;
  }

  return { definition, dirty, canUndo, canRedo, apply, undo, redo, reset, markSaved, addNode, removeElements, connect, moveNodes, updateNode, updateMeta, copy, paste };
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
