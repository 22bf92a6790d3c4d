// Node outcomes and behaviour come from the schema's node catalog, so the engine and the validator
// always agree on which edges a node can have.
import { getNodeSpec, outcomesOf, type WorkflowNode } from '@flowdesk/schema';

/** Nodes whose work is done outside (as an effect) and answered with an `effect.result` event. */
export function isWorkNode(node: WorkflowNode): boolean {
  return getNodeSpec(node.kind).behaviour === 'work';
}

/** Nodes that wait for people, time or the ticket. */
export function isWaitingNode(node: WorkflowNode): boolean {
  return getNodeSpec(node.kind).behaviour === 'waiting';
}

/** Names of the outcomes a node can leave by, in the catalog's order. */
export function nodeOutcomes(node: WorkflowNode): string[] {
  return outcomesOf(node).map((o) => o.name);
}
