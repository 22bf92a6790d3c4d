// Short human descriptions of engine events and effects, shared by the simulator log and the run inspector.
import type { Effect } from '@flowdesk/engine';

type AnyEvent = { type: string; [key: string]: unknown };

export function describeEvent(event: AnyEvent | object): string {
  const e = event as AnyEvent;
  switch (e.type) {
    case 'run.start':
      return 'Run started';
    case 'effect.result':
      return e.error ? `Result of ${String(e.nodeId)}: ${String(e.outcome)} (${String(e.error)})` : `Result of ${String(e.nodeId)}: ${String(e.outcome)}`;
    case 'task.submit':
      return `Task ${String(e.nodeId)} submitted: ${String(e.action)}${e.actor ? ` by ${String(e.actor)}` : ''}`;
    case 'approval.vote':
      return `${String(e.approver)} voted ${String(e.decision)} on ${String(e.nodeId)}`;
    case 'timer.fired':
      return `Timer fired: ${String(e.timerId)}`;
    case 'ticket.event':
      return `Ticket event: ${String(e.name)}`;
    default:
      return e.type;
  }
}

export function describeEffect(effect: Effect | AnyEvent): string {
  const e = effect as AnyEvent;
  switch (e.type) {
    case 'ai.run':
      return `ai.${String(e.task)}`;
    case 'task.open':
      return `open task "${String(e.title)}"`;
    case 'approval.open':
      return `ask approval (${String(e.required)})`;
    case 'timer.schedule':
      return `timer ${String(e.timerId).split(':').slice(1).join(':')} @ ${new Date(String(e.fireAt)).toLocaleTimeString()}`;
    case 'action.execute':
      return `action (${(e.steps as unknown[] | undefined)?.length ?? 0} steps)`;
    case 'run.complete':
      return `complete: ${String(e.status)}`;
    case 'rules.evaluate':
      return 'evaluate rules';
    default:
      return e.type;
  }
}
