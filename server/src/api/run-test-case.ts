// Turns a past run into a saved simulation case (issue 6: "turn any past run into such a case"): its start
// ticket, the events people and workers sent (rule results are left out: the engine evaluates rules itself),
// and what happened as the expectation. Pure: history rows in, a WorkflowTestCase out.
import type { WorkflowDefinition, WorkflowTestCase, WorkflowTestStep } from '@flowdesk/schema';

export interface HistoryEvent {
  event: unknown;
  toState: string;
  fromState: string | null;
}

type AnyEvent = { type?: string; [key: string]: unknown };

export function historyToTestCase(
  definition: WorkflowDefinition,
  history: readonly HistoryEvent[],
  run: { id: string; status: string; endStatus: string | null; state: string },
): WorkflowTestCase {
  const kinds = new Map(definition.nodes.map((n) => [n.id, n.kind]));
  const first = history[0]?.event as AnyEvent | undefined;
  const ticket = first?.type === 'run.start' && first.ticket && typeof first.ticket === 'object' ? (first.ticket as Record<string, unknown>) : {};
  const steps: WorkflowTestStep[] = [];
  const path: string[] = [];
  for (const entry of history) {
    if (entry.toState !== entry.fromState && kinds.get(entry.toState) !== 'trigger') path.push(entry.toState);
    const e = entry.event as AnyEvent;
    const node = String(e.nodeId ?? '');
    switch (e.type) {
      case 'effect.result':
        if (kinds.get(node) !== 'rule') steps.push({ answer: node, outcome: String(e.outcome), ...(e.output !== undefined ? { output: e.output } : {}) });
        break;
      case 'task.submit':
        steps.push({ submit: node, action: String(e.action), ...(e.data && typeof e.data === 'object' ? { data: e.data as Record<string, unknown> } : {}) });
        break;
      case 'approval.vote':
        steps.push({ vote: node, decision: e.decision === 'reject' ? 'reject' : 'approve', ...(typeof e.approver === 'string' ? { approver: e.approver } : {}) });
        break;
      case 'timer.fired':
        steps.push({ fire: node, timer: String(e.timerId).split(':').at(-1)! });
        break;
      case 'ticket.event':
        steps.push({ ticketEvent: String(e.name), ...(e.ticket && typeof e.ticket === 'object' ? { ticket: e.ticket as Record<string, unknown> } : {}) });
        break;
      default:
        break; // run.start (the ticket above), system entries such as gdpr.erased
    }
  }
  const status = (['completed', 'waiting', 'running', 'stuck'] as const).find((s) => s === run.status);
  const endStatus = (['resolved', 'closed', 'cancelled'] as const).find((s) => s === run.endStatus);
  return {
    name: `Run ${run.id.slice(0, 8)}: ${path.join(' → ') || run.state}`.slice(0, 200),
    ticket,
    steps,
    expect: { path, node: run.state, ...(status ? { status } : {}), ...(endStatus ? { endStatus } : {}) },
  };
}
