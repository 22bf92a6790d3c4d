// Auto-layout with elkjs (layered, top to bottom), loaded on first use. Node sizes follow the node card.
// Groups are laid out hierarchically (elk's INCLUDE_CHILDREN): a group is a compound elk node holding its
// members, so members stay inside their group, and elk returns their positions relative to it -- exactly how
// the definition stores them (`parentId` + relative position).
import type { Position, WorkflowDefinition } from '@flowdesk/schema';
import { GROUP_HEADER, GROUP_PADDING } from './useWorkflowGraph.ts';

export const NODE_WIDTH = 232;
export const NODE_HEIGHT = 96;

interface ElkChild {
  id: string;
  width?: number;
  height?: number;
  x?: number;
  y?: number;
  layoutOptions?: Record<string, string>;
  children?: ElkChild[];
}

const LAYERED = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.spacing.nodeNode': '56',
  'elk.layered.spacing.nodeNodeBetweenLayers': '80',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.edgeRouting': 'ORTHOGONAL',
};

export async function layoutPositions(def: WorkflowDefinition): Promise<Record<string, Position>> {
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const elk = new ELK();
  const ids = new Set(def.nodes.map((n) => n.id));
  const groups = new Set(def.nodes.filter((n) => n.kind === 'group').map((n) => n.id));
  const inGroup = (parentId: string | undefined): parentId is string => parentId !== undefined && groups.has(parentId);
  const card = (id: string): ElkChild => ({ id, width: NODE_WIDTH, height: NODE_HEIGHT });
  const children: ElkChild[] = def.nodes
    .filter((n) => !inGroup(n.parentId))
    .map((n) =>
      groups.has(n.id)
        ? {
            id: n.id,
            layoutOptions: { ...LAYERED, 'elk.padding': `[top=${GROUP_HEADER},left=${GROUP_PADDING},bottom=${GROUP_PADDING + 24},right=${GROUP_PADDING}]` },
            children: def.nodes.filter((m) => m.parentId === n.id).map((m) => card(m.id)),
          }
        : card(n.id),
    );
  // Layering follows what the run does: an edge into a group enters its initial member, and a group's outcome
  // (a boundary transition) leaves from any member -- so it is laid out as an edge from each member, which puts
  // its target below the whole group instead of beside it.
  const members = (groupId: string) => def.nodes.filter((m) => m.parentId === groupId).map((m) => m.id);
  const initialOf = (id: string): string => {
    const node = def.nodes.find((n) => n.id === id);
    return node?.kind === 'group' && node.params.initial && ids.has(node.params.initial) ? node.params.initial : id;
  };
  const edges = def.edges
    .filter((e) => ids.has(e.source) && ids.has(e.target))
    .flatMap((e) => {
      const sources = groups.has(e.source) && members(e.source).length ? members(e.source) : [e.source];
      return sources.map((source, i) => ({ id: i === 0 ? e.id : `${e.id}~${i}`, sources: [source], targets: [initialOf(e.target)] }));
    });
  const graph = (await elk.layout({
    id: 'root',
    layoutOptions: { ...LAYERED, 'elk.hierarchyHandling': 'INCLUDE_CHILDREN' },
    children,
    edges,
  })) as { children?: ElkChild[] };
  const out: Record<string, Position> = {};
  for (const c of graph.children ?? []) {
    out[c.id] = { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) };
    // Members: relative to their group, as elk gives them.
    for (const m of c.children ?? []) out[m.id] = { x: Math.round(m.x ?? 0), y: Math.round(m.y ?? 0) };
  }
  return out;
}
