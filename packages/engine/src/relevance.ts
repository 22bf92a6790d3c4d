// Is this event still relevant to the run? Durable delivery is at-least-once and timers outlive the states
// that scheduled them, so stale and irrelevant events are normal: they are ignored with a sentence saying why.
// These checks mirror the guards in machine-setup.ts (which stay, so the exported machine is self-contained).
import type { WorkflowNode } from '@flowdesk/schema';
import type { CompiledWorkflow } from './compile.ts';
import { isWorkNode } from './outcomes.ts';
import type { RunContext, RunEvent } from './types.ts';

/** null when the event applies to the run; otherwise why it is ignored. */
export function whyIgnored(compiled: CompiledWorkflow, current: string, status: string, context: RunContext, event: RunEvent): string | null {
  if (status === 'done') return `run is completed (ended at node "${current}"); ${event.type} ignored`;
  const node = compiled.nodes.get(current);
  if (!node) return `run is at unknown node "${current}"`;
  const visit = context.visits[current] ?? 0;

  const group = compiled.groups.get(compiled.groupOf.get(current) ?? '');

  if (event.type === 'ticket.event') {
    const own = whyTicketEventIgnored(compiled, node, event.name);
    // The member's own transition comes first; the group's cancel applies when the member does not take the event.
    if (own === null || !group?.cancelOn.includes(event.name)) return own;
    return compiled.edges.get(group.id)?.has('cancelled') ? null : `group "${group.id}" has no edge for outcome "cancelled"`;
  }

  if (event.type === 'timer.fired' && compiled.groups.has(event.nodeId)) {
    if (group?.id !== event.nodeId) return `run has left group "${event.nodeId}" (it is at node "${current}"); timer "${event.timerId}" ignored`;
    const groupVisit = context.visits[group.id] ?? 0;
    if (event.visit !== groupVisit) return `timer "${event.timerId}" belongs to visit ${event.visit} but group "${group.id}" is at visit ${groupVisit}`;
    const timer = compiled.timers.get(event.timerId);
    if (!timer || timer.nodeId !== group.id) return `group "${group.id}" has no timer "${event.timerId}"`;
    return compiled.edges.get(group.id)?.has(timer.outcome) ? null : `group "${group.id}" has no edge for outcome "${timer.outcome}"`;
  }

  if (event.nodeId !== current) return `run is at node "${current}", event is for node "${event.nodeId}"`;
  if (event.visit !== undefined && event.visit !== visit) {
    const what = event.type === 'timer.fired' ? `timer "${event.timerId}"` : event.type;
    return `${what} belongs to visit ${event.visit} but node "${current}" is at visit ${visit}`;
  }

  switch (event.type) {
    case 'effect.result':
      // Any outcome is relevant here: one without an edge marks the run stuck (context.failure).
      return isWorkNode(node) ? null : `node "${current}" (${node.kind}) does not take effect results`;
    case 'task.submit':
      return whySubmissionIgnored(compiled, node, event.action);
    case 'approval.vote': {
      if (node.kind !== 'approval') return `node "${current}" (${node.kind}) is not an approval`;
      if (event.decision !== 'approve' && event.decision !== 'reject') {
        return `decision must be "approve" or "reject", got "${String(event.decision)}"`;
      }
      const previous = context.votes[current]?.[event.approver];
      return previous === event.decision ? `approver "${event.approver}" already voted "${event.decision}" on "${current}" (visit ${visit})` : null;
    }
    case 'timer.fired': {
      const timer = compiled.timers.get(event.timerId);
      if (!timer || timer.nodeId !== current) return `node "${current}" has no timer "${event.timerId}"`;
      return compiled.edges.get(current)?.has(timer.outcome) ? null : `node "${current}" has no edge for outcome "${timer.outcome}"`;
    }
  }
}

function whyTicketEventIgnored(compiled: CompiledWorkflow, node: WorkflowNode, name: string): string | null {
  if (node.kind !== 'wait' || !node.params.resumeOn?.includes(name)) {
    return `run is at node "${node.id}" (${node.kind}), which does not wait for ticket event "${name}"`;
  }
  return compiled.edges.get(node.id)?.has('resumed') ? null : `node "${node.id}" has no edge for outcome "resumed"`;
}

function whySubmissionIgnored(compiled: CompiledWorkflow, node: WorkflowNode, action: string): string | null {
  if (node.kind !== 'task') return `node "${node.id}" (${node.kind}) is not a task`;
  const actions = node.params.actions.map((a) => a.id);
  if (!actions.includes(action)) return `task "${node.id}" has no action "${action}" (actions: ${actions.join(', ')})`;
  return compiled.edges.get(node.id)?.has(action) ? null : `task "${node.id}" has no edge for action "${action}"`;
}
