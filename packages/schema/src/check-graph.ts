// Step (c): properties of the whole graph. Runs only on a definition whose shape and references
// are valid, so every node has an id, a kind and its outcomes, and every edge joins two nodes.
import { nodeCatalog } from './catalog.ts';
import type { GraphView } from './graph-view.ts';
import { pointer } from './json-pointer.ts';
import type { ValidationIssue } from './types.ts';

const issue = (severity: 'error' | 'warning', path: string, code: string, message: string): ValidationIssue => ({ path, message, severity, code });

interface Graph {
  ids: string[];
  /** Every way the run can move: edges, a group to its initial member, a member to its group (boundary transitions). */
  out: number[][];
  into: number[][];
  /** Moves made without waiting: edges and group -> initial member (a boundary transition needs a timer or an event). */
  immediate: number[][];
}

function buildGraph(view: GraphView): Graph {
  const ids = view.nodes.map((n) => n.id ?? '');
  const position = new Map(ids.map((id, i) => [id, i]));
  const out: number[][] = ids.map(() => []);
  const into: number[][] = ids.map(() => []);
  const immediate: number[][] = ids.map(() => []);
  const link = (s: number | undefined, t: number | undefined, now: boolean): void => {
    if (s === undefined || t === undefined) return;
    out[s]!.push(t);
    into[t]!.push(s);
    if (now) immediate[s]!.push(t);
  };
  for (const e of view.edges) link(position.get(e.source ?? ''), position.get(e.target ?? ''), true);
  view.nodes.forEach((n, i) => {
    if (n.kind === 'group' && typeof n.params?.initial === 'string') link(i, position.get(n.params.initial), true);
    if (n.parentId !== undefined) link(i, position.get(n.parentId), false);
  });
  return { ids, out, into, immediate };
}

/** Nodes reachable from `starts` following `adjacency`. */
function reach(starts: number[], adjacency: number[][]): boolean[] {
  const seen = adjacency.map(() => false);
  const stack = [...starts];
  for (const s of starts) seen[s] = true;
  while (stack.length) {
    for (const next of adjacency[stack.pop()!]!) {
      if (!seen[next]) {
        seen[next] = true;
        stack.push(next);
      }
    }
  }
  return seen;
}

/** Strongly connected components (iterative Tarjan) of the subgraph of nodes where `include` holds. */
function components(out: number[][], include: boolean[]): number[][] {
  const n = out.length;
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const result: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (!include[root] || index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]]; // node, next edge position
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length) {
      const frame = work[work.length - 1]!;
      const [v, i] = frame;
      const edges = out[v]!;
      if (i < edges.length) {
        frame[1]++;
        const w = edges[i]!;
        if (!include[w]) continue;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = true;
          work.push([w, 0]);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v]!, index[w]!);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low[parent[0]] = Math.min(low[parent[0]]!, low[v]!);
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack[w] = false;
          component.push(w);
        } while (w !== v);
        result.push(component);
      }
    }
  }
  return result;
}

export function checkGraph(view: GraphView): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const { ids, out, into, immediate } = buildGraph(view);
  const behaviour = view.nodes.map((n) => (n.kind ? nodeCatalog[n.kind].behaviour : 'work'));

  // Every required outcome needs an edge, or a run reaching it would have nowhere to go.
  const connected = new Set(view.edges.map((e) => `${e.source}\u0000${e.outcome}`));
  view.nodes.forEach((node, i) => {
    for (const o of node.outcomes ?? []) {
      if (!o.optional && !connected.has(`${node.id}\u0000${o.name}`)) {
        issues.push(issue('error', pointer('nodes', i), 'node.missing-edge', `outcome "${o.name}" of node "${ids[i]}" has no edge`));
      }
    }
  });

  const ends = behaviour.flatMap((b, i) => (b === 'final' ? [i] : []));
  if (ends.length === 0) issues.push(issue('error', '/nodes', 'graph.no-end', 'the workflow needs at least one end node'));

  // A cycle of nodes that all finish immediately would loop forever within one event.
  const busy = behaviour.map((b) => b !== 'waiting');
  for (const component of components(immediate, busy)) {
    const v = component[0]!;
    if (component.length === 1 && !immediate[v]!.includes(v)) continue;
    const names = component.sort((a, b) => a - b).map((i) => `"${ids[i]}"`);
    issues.push(issue('error', pointer('nodes', component[0]!), 'graph.busy-cycle',
      `nodes ${names.join(', ')} form a cycle without a waiting node (task, approval or wait); it would spin forever`));
  }

  const starts = behaviour.flatMap((b, i) => (b === 'start' ? [i] : []));
  const reachable = reach(starts, out);
  const canEnd = reach(ends, into);
  ids.forEach((id, i) => {
    if (!reachable[i]) {
      issues.push(issue('warning', pointer('nodes', i), 'graph.unreachable', `node "${id}" cannot be reached from the trigger`));
    } else if (!canEnd[i] && ends.length > 0) {
      issues.push(issue('warning', pointer('nodes', i), 'graph.dead-end', `node "${id}" cannot reach any end node`));
    }
  });
  return issues;
}
