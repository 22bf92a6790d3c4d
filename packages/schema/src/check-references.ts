// Step (b): every id a definition mentions must name something that exists, and the wiring must
// respect what each kind declares (trigger has no way in, end has no way out, outcomes exist).
import { nodeCatalog } from './catalog.ts';
import type { EdgeView, GraphView, NodeView } from './graph-view.ts';
import { pointer } from './json-pointer.ts';
import type { ValidationIssue } from './types.ts';

const error = (path: string, code: string, message: string): ValidationIssue => ({ path, message, severity: 'error', code });

export function checkReferences(graph: GraphView): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const byId = new Map<string, NodeView>();

  for (const node of graph.nodes) {
    if (node.id === undefined) continue;
    const first = byId.get(node.id);
    if (first) {
      issues.push(error(pointer('nodes', node.index, 'id'), 'node.duplicate-id', `node id "${node.id}" is already used by nodes[${first.index}]`));
    } else {
      byId.set(node.id, node);
    }
  }

  if (graph.nodesRead) issues.push(...checkTriggerCount(graph.nodes));
  for (const node of graph.nodes) issues.push(...checkNodeOwnReferences(node, graph.forms));
  issues.push(...checkGroups(graph, byId));

  const edgeIds = new Map<string, number>();
  const taken = new Map<string, number>(); // "source\0outcome" -> first edge index
  for (const edge of graph.edges) {
    if (edge.id !== undefined) {
      const first = edgeIds.get(edge.id);
      if (first === undefined) edgeIds.set(edge.id, edge.index);
      else issues.push(error(pointer('edges', edge.index, 'id'), 'edge.duplicate-id', `edge id "${edge.id}" is already used by edges[${first}]`));
    }
    issues.push(...checkEdgeEnds(edge, byId, taken));
  }
  return issues;
}

/**
 * Groups (compound states): a member names an existing group, groups do not nest, the trigger stays outside,
 * a group has members, its `initial` is one of them, and an edge can only enter a group that has one.
 */
function checkGroups(graph: GraphView, byId: Map<string, NodeView>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const members = new Map<string, string[]>();
  for (const node of graph.nodes) {
    if (node.parentId === undefined) continue;
    const at = pointer('nodes', node.index, 'parentId');
    const group = byId.get(node.parentId);
    if (!group) {
      issues.push(error(at, 'group.unknown-parent', `no node has id "${node.parentId}"`));
    } else if (group.kind !== 'group') {
      issues.push(error(at, 'group.not-a-group', `node "${node.parentId}" is a ${group.kind ? nodeCatalog[group.kind].label : 'node'}, not a group`));
    } else if (node.kind === 'group') {
      issues.push(error(at, 'group.nested', `groups cannot be nested: group "${node.id}" cannot be a member of group "${node.parentId}"`));
    } else if (node.kind === 'trigger') {
      issues.push(error(at, 'group.member-kind', 'the trigger cannot be a member of a group'));
    } else if (node.id !== undefined) {
      members.set(node.parentId, [...(members.get(node.parentId) ?? []), node.id]);
    }
  }
  for (const node of graph.nodes) {
    if (node.kind !== 'group' || node.id === undefined) continue;
    const own = members.get(node.id) ?? [];
    if (own.length === 0) issues.push(error(pointer('nodes', node.index), 'group.empty', `group "${node.id}" has no members; put at least one node in it`));
    const initial = node.params?.initial;
    if (node.outcomes && typeof initial === 'string' && own.length > 0 && !own.includes(initial)) {
      issues.push(error(pointer('nodes', node.index, 'params', 'initial'), 'group.unknown-initial',
        `"${initial}" is not a member of group "${node.id}"; members: ${own.join(', ')}`));
    }
  }
  for (const edge of graph.edges) {
    const target = edge.target === undefined ? undefined : byId.get(edge.target);
    // Only for valid params (outcomes known): invalid ones are already reported where they are.
    if (target?.kind === 'group' && target.outcomes && typeof target.params?.initial !== 'string') {
      issues.push(error(pointer('edges', edge.index, 'target'), 'group.no-initial',
        `edge enters group "${target.id}", which has no initial member; set the group's "initial" or connect the edge to a member`));
    }
  }
  return issues;
}

function checkTriggerCount(nodes: NodeView[]): ValidationIssue[] {
  const triggers = nodes.filter((n) => n.kind === 'trigger');
  if (triggers.length === 0) return [error('/nodes', 'trigger.missing', 'the workflow needs exactly one trigger node; it has none')];
  return triggers.slice(1).map((n) =>
    error(pointer('nodes', n.index, 'kind'), 'trigger.multiple', `the workflow needs exactly one trigger node; nodes[${triggers[0]!.index}] is already one`),
  );
}

/** References a node makes by itself: its form, and outcomes declared twice. */
function checkNodeOwnReferences(node: NodeView, forms: Record<string, unknown> | undefined): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const at = (...rest: (string | number)[]): string => pointer('nodes', node.index, ...rest);
  if (node.kind === 'task' && node.outcomes && typeof node.params?.form === 'string') {
    const form = node.params.form;
    // hasOwn: a form called "constructor" must not be found on Object.prototype.
    if (!forms || !Object.hasOwn(forms, form)) {
      const known = forms ? Object.keys(forms) : [];
      issues.push(error(at('params', 'form'), 'task.unknown-form', `form "${form}" does not exist${known.length ? `; forms: ${known.join(', ')}` : ' (the definition has no forms)'}`));
    }
  }
  if (node.outcomes) {
    const byName = new Map<string, number>();
    node.outcomes.forEach((o, i) => {
      const first = byName.get(o.name);
      if (first === undefined) return void byName.set(o.name, i);
      // Point at the user-written value; built-in outcomes (e.g. "error") have no declaredAt.
      const culprit = o.declaredAt ?? node.outcomes![first]!.declaredAt;
      const path = culprit ? `${at('params')}${culprit}` : at();
      issues.push(error(path, 'node.duplicate-outcome', `outcome "${o.name}" is declared twice on this node`));
    });
  }
  return issues;
}

function checkEdgeEnds(edge: EdgeView, byId: Map<string, NodeView>, taken: Map<string, number>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const at = (field: string): string => pointer('edges', edge.index, field);
  const source = edge.source === undefined ? undefined : byId.get(edge.source);
  const target = edge.target === undefined ? undefined : byId.get(edge.target);
  if (edge.source !== undefined && !source) issues.push(error(at('source'), 'edge.unknown-source', `no node has id "${edge.source}"`));
  if (edge.target !== undefined && !target) issues.push(error(at('target'), 'edge.unknown-target', `no node has id "${edge.target}"`));
  if (target?.kind === 'trigger') issues.push(error(at('target'), 'trigger.incoming', `edges cannot enter the trigger node "${target.id}"`));
  if (!source || edge.outcome === undefined) return issues;

  if (source.kind === 'end') {
    issues.push(error(at('source'), 'end.outgoing', `edges cannot leave the end node "${source.id}"`));
    return issues;
  }
  if (source.outcomes && !source.outcomes.some((o) => o.name === edge.outcome)) {
    const allowed = source.outcomes.map((o) => o.name);
    const label = source.kind ? nodeCatalog[source.kind].label : 'node';
    issues.push(error(at('outcome'), 'edge.unknown-outcome',
      `${label} node "${source.id}" has no outcome "${edge.outcome}"; allowed: ${allowed.join(', ') || '(none)'}`));
    return issues;
  }
  const key = `${edge.source}\u0000${edge.outcome}`;
  const first = taken.get(key);
  if (first === undefined) taken.set(key, edge.index);
  else issues.push(error(at('outcome'), 'edge.duplicate-outcome', `outcome "${edge.outcome}" of node "${edge.source}" already has an edge (edges[${first}])`));
  return issues;
}
