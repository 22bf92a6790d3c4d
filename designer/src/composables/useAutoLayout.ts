// Auto-layout with elkjs (layered, top to bottom), loaded on first use. Node sizes follow the node card.
import type { Position, WorkflowDefinition } from '@flowdesk/schema';

export const NODE_WIDTH = 232;
export const NODE_HEIGHT = 96;

export async function layoutPositions(def: WorkflowDefinition): Promise<Record<string, Position>> {
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const elk = new ELK();
  const ids = new Set(def.nodes.map((n) => n.id));
  const graph = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.spacing.nodeNode': '56',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.edgeRouting': 'ORTHOGONAL',
    },
    children: def.nodes.map((n) => ({ id: n.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
    edges: def.edges.filter((e) => ids.has(e.source) && ids.has(e.target)).map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  const out: Record<string, Position> = {};
  for (const c of graph.children ?? []) out[c.id] = { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) };
  return out;
}
