// The outcomes a node can leave by, derived from its params (the same lists as the schema's catalog).
import type { WorkflowNode } from '@flowdesk/schema';

const AI_OUTCOMES = {
  'ai.classify': ['done', 'low_confidence'],
  'ai.sentiment': ['done', 'low_confidence'],
  'ai.assign': ['assigned', 'no_agent'],
  'ai.recommend': ['found', 'none'],
  'ai.draft': ['drafted', 'handoff'],
} as const;

/** Nodes whose work is done outside (as an effect) and answered with an `effect.result` event. */
export function isWorkNode(node: WorkflowNode): boolean {
  return node.kind === 'rule' || node.kind === 'action' || node.kind.startsWith('ai.');
}

/** Nodes that wait for people, time or the ticket. */
export function isWaitingNode(node: WorkflowNode): boolean {
  return node.kind === 'task' || node.kind === 'approval' || node.kind === 'wait';
}

export function nodeOutcomes(node: WorkflowNode): string[] {
  switch (node.kind) {
    case 'trigger':
      return ['next'];
    case 'rule':
      return unique([...node.params.rules.map((r) => r.outcome), node.params.defaultOutcome, 'error']);
    case 'action':
      return ['done', 'error'];
    case 'task':
      return unique([...node.params.actions.map((a) => a.id), ...escalationOutcomes(node.params.escalations)]);
    case 'approval':
      return unique(['approved', 'rejected', ...escalationOutcomes(node.params.escalations)]);
    case 'wait':
      return unique([
        ...(node.params.duration ? ['elapsed'] : []),
        ...(node.params.resumeOn?.length ? ['resumed'] : []),
        ...escalationOutcomes(node.params.escalations),
      ]);
    case 'end':
      return [];
    default:
      return [...AI_OUTCOMES[node.kind], 'error'];
  }
}

function escalationOutcomes(escalations: { outcome: string }[] | undefined): string[] {
  return (escalations ?? []).map((e) => e.outcome);
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}
