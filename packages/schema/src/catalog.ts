// The registry of node kinds. Each kind lives in src/kinds/; this file only gathers them.
import { actionSpec } from './kinds/action.ts';
import { aiAssignSpec, aiClassifySpec, aiDraftSpec, aiRecommendSpec, aiSentimentSpec } from './kinds/ai.ts';
import { approvalSpec } from './kinds/approval.ts';
import { endSpec } from './kinds/end.ts';
import { groupSpec } from './kinds/group.ts';
import { ruleSpec } from './kinds/rule.ts';
import { taskSpec } from './kinds/task.ts';
import { triggerSpec } from './kinds/trigger.ts';
import { waitSpec } from './kinds/wait.ts';
import type { NodeSpec, OutcomeSpec } from './node-spec.ts';
import type { NodeKind, WorkflowNode } from './types.ts';

export type NodeCatalog = { readonly [K in NodeKind]: NodeSpec<K> };

export const nodeCatalog: NodeCatalog = Object.freeze({
  trigger: triggerSpec,
  rule: ruleSpec,
  'ai.classify': aiClassifySpec,
  'ai.sentiment': aiSentimentSpec,
  'ai.assign': aiAssignSpec,
  'ai.recommend': aiRecommendSpec,
  'ai.draft': aiDraftSpec,
  task: taskSpec,
  approval: approvalSpec,
  action: actionSpec,
  wait: waitSpec,
  end: endSpec,
  group: groupSpec,
});

/** Every kind, in palette order. */
export const nodeKinds: readonly NodeKind[] = Object.freeze(Object.keys(nodeCatalog) as NodeKind[]);

export function isNodeKind(value: unknown): value is NodeKind {
  return typeof value === 'string' && Object.hasOwn(nodeCatalog, value);
}

export function getNodeSpec<K extends NodeKind>(kind: K): NodeSpec<K> {
  const spec = isNodeKind(kind) ? nodeCatalog[kind] : undefined;
  if (!spec) throw new RangeError(`unknown node kind "${String(kind)}"; known kinds: ${nodeKinds.join(', ')}`);
  return spec as NodeSpec<K>;
}

/** Outcomes a node can leave by. The node's params must be valid for its kind. */
export function outcomesOf(node: WorkflowNode): OutcomeSpec[] {
  // The union of specs cannot be called with the union of params; the pairing is guaranteed by WorkflowNode.
  const spec = getNodeSpec(node.kind) as NodeSpec<NodeKind>;
  return spec.outcomes(node.params as never);
}
