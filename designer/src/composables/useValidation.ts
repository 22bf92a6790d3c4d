// Live validation with the same validator the server runs (@flowdesk/schema), mapped onto nodes and edges.
import { parsePointer, validateDefinition, type ValidationIssue, type WorkflowDefinition } from '@flowdesk/schema';
import { computed, type Ref } from 'vue';

export interface Problem extends ValidationIssue {
  nodeId?: string;
  edgeId?: string;
  /** The path inside the node's params, e.g. "/rules/0/outcome", when the issue is there. */
  paramsPath?: string;
}

export function locateIssue(def: WorkflowDefinition, issue: ValidationIssue): Problem {
  const segments = parsePointer(issue.path) ?? [];
  const [area, index, ...rest] = segments;
  const i = Number(index);
  if (area === 'nodes' && Number.isInteger(i)) {
    const node = def.nodes[i];
    const paramsPath = rest[0] === 'params' ? `/${rest.slice(1).join('/')}` : undefined;
    return { ...issue, ...(node?.id ? { nodeId: node.id } : {}), ...(paramsPath ? { paramsPath } : {}) };
  }
  if (area === 'edges' && Number.isInteger(i)) {
    const edge = def.edges[i];
    // An edge problem is shown on the edge and on its source node (where it is fixed).
    return { ...issue, ...(edge ? { edgeId: edge.id, nodeId: edge.source } : {}) };
  }
  return { ...issue };
}

export function useValidation(definition: Ref<WorkflowDefinition>) {
  const result = computed(() => validateDefinition(definition.value));
  const problems = computed<Problem[]>(() =>
    [...result.value.errors, ...result.value.warnings].map((issue) => locateIssue(definition.value, issue)),
  );
  const errors = computed(() => problems.value.filter((p) => p.severity === 'error'));
  const warnings = computed(() => problems.value.filter((p) => p.severity === 'warning'));
  const byNode = computed(() => {
    const map = new Map<string, Problem[]>();
    for (const p of problems.value) if (p.nodeId) map.set(p.nodeId, [...(map.get(p.nodeId) ?? []), p]);
    return map;
  });
  const edgesWithErrors = computed(() => new Set(errors.value.flatMap((p) => (p.edgeId ? [p.edgeId] : []))));
  return { result, problems, errors, warnings, byNode, edgesWithErrors, valid: computed(() => result.value.valid) };
}
