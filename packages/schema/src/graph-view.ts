// A defensive read of nodes and edges out of a document that may be malformed anywhere, so the
// reference checks can still run on the parts that are well formed.
import { isNodeKind } from './catalog.ts';
import type { OutcomeSpec } from './node-spec.ts';
import { isObject } from './json-pointer.ts';
import type { NodeKind } from './types.ts';

export interface NodeView {
  index: number;
  id?: string;
  kind?: NodeKind;
  /** The kind text when it names no known kind. */
  unknownKind?: string;
  params?: Record<string, unknown>;
  /** The group the node is a member of. */
  parentId?: string;
  /** Present only when the node's params are valid for its kind. */
  outcomes?: OutcomeSpec[];
}

export interface EdgeView {
  index: number;
  id?: string;
  source?: string;
  target?: string;
  outcome?: string;
}

export interface GraphView {
  nodes: NodeView[];
  edges: EdgeView[];
  forms: Record<string, unknown> | undefined;
  /** False when `nodes` is missing, not an array or oversized: whole-list checks then say nothing. */
  nodesRead: boolean;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function arrayWithin(v: unknown, max: number): unknown[] {
  // Oversized arrays are already a schema error; reading them would only cost time.
  return Array.isArray(v) && v.length <= max ? v : [];
}

export function readGraph(doc: unknown, maxNodes: number, maxEdges: number): GraphView {
  const root = isObject(doc) ? doc : {};
  const nodes = arrayWithin(root.nodes, maxNodes).map((n, index): NodeView => {
    if (!isObject(n)) return { index };
    const view: NodeView = { index };
    const id = str(n.id);
    if (id !== undefined) view.id = id;
    if (isNodeKind(n.kind)) view.kind = n.kind;
    else if (typeof n.kind === 'string') view.unknownKind = n.kind;
    if (isObject(n.params)) view.params = n.params;
    const parentId = str(n.parentId);
    if (parentId !== undefined) view.parentId = parentId;
    return view;
  });
  const edges = arrayWithin(root.edges, maxEdges).map((e, index): EdgeView => {
    if (!isObject(e)) return { index };
    const view: EdgeView = { index };
    for (const key of ['id', 'source', 'target', 'outcome'] as const) {
      const value = str(e[key]);
      if (value !== undefined) view[key] = value;
    }
    return view;
  });
  const nodesRead = Array.isArray(root.nodes) && root.nodes.length <= maxNodes;
  return { nodes, edges, forms: isObject(root.forms) ? root.forms : undefined, nodesRead };
}
