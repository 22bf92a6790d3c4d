// Workflow fixtures for the engine tests: the schema package's demo plus a small support flow that covers
// tasks, AI nodes, actions and n-of-m approvals.
import { readFileSync } from 'node:fs';
import type { WorkflowDefinition, WorkflowEdge, WorkflowNode } from '@flowdesk/schema';

export const T0 = '2026-03-01T09:00:00.000Z';
export const T1 = '2026-03-01T09:00:05.000Z';
export const T2 = '2026-03-01T11:00:00.000Z';

/** A fresh copy each call: the engine caches per definition object, tests must not share state by accident. */
export function demoWorkflow(): WorkflowDefinition {
  const url = new URL('../../schema/examples/escalating-approval.json', import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as WorkflowDefinition;
}

const at = { x: 0, y: 0 };

export function node<N extends WorkflowNode>(id: string, kind: N['kind'], params: N['params']): WorkflowNode {
  return { id, kind, position: at, params } as WorkflowNode;
}

export function edge(source: string, outcome: string, target: string): WorkflowEdge {
  return { id: `${source}-${outcome}`, source, target, outcome };
}

export function workflow(key: string, nodes: WorkflowNode[], edges: WorkflowEdge[]): WorkflowDefinition {
  return { schemaVersion: 1, key, name: key, nodes, edges };
}

/**
 * start -> classify (ai, no error edge) -> review (task, 30 min escalation) -> board (2 of m, 2 rejections)
 * review.late -> notify (action, with error edge) -> review again.
 */
export function supportWorkflow(): WorkflowDefinition {
  return workflow(
    'support',
    [
      node('start', 'trigger', { event: 'ticket.created' }),
      node('classify', 'ai.classify', { field: 'category', labels: ['billing', 'bug'] }),
      node('review', 'task', {
        title: 'Review',
        assignee: { type: 'team', team: 'tier1' },
        form: 'review',
        actions: [
          { id: 'approve', label: 'Approve' },
          { id: 'reject', label: 'Reject' },
        ],
        escalations: [{ outcome: 'late', after: 'PT30M' }],
      }),
      node('notify', 'action', { steps: [{ type: 'addTags', tags: ['late'] }] }),
      node('board', 'approval', {
        title: 'Board',
        approvers: [{ type: 'role', role: 'board' }],
        required: 2,
        rejectionsToReject: 2,
      }),
      node('done', 'end', { status: 'resolved' }),
      node('closed', 'end', { status: 'closed' }),
      node('cancelled', 'end', { status: 'cancelled' }),
    ],
    [
      edge('start', 'next', 'classify'),
      edge('classify', 'done', 'review'),
      edge('classify', 'low_confidence', 'review'),
      edge('review', 'approve', 'board'),
      edge('review', 'reject', 'closed'),
      edge('review', 'late', 'notify'),
      edge('notify', 'done', 'review'),
      edge('notify', 'error', 'closed'),
      edge('board', 'approved', 'done'),
      edge('board', 'rejected', 'cancelled'),
    ],
  );
}
