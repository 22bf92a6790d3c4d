// XState returns effect actions unexecuted, with their { type, params }; this turns them into Effect data.
// visit comes from the context the action was resolved with (after its node's enterNode), `at` from the event.
// Params objects are shared with the definition, not cloned: effects and definitions are immutable values.
import type { ActionStep, AssigneeRef, RuleParams } from '@flowdesk/schema';
import type { CompiledWorkflow } from './compile.ts';
import type { Effect, RunContext } from './types.ts';

/** The shape of an action XState hands back from transition()/initialTransition(). */
export interface ReturnedAction {
  type: string;
  params?: unknown;
  info?: { context?: RunContext };
}

export function toEffects(compiled: CompiledWorkflow, actions: readonly ReturnedAction[], context: RunContext, at: string): Effect[] {
  const effects: Effect[] = [];
  for (const action of actions) {
    const effect = toEffect(compiled, action, context, at);
    if (effect) effects.push(effect);
  }
  return effects;
}

function toEffect(compiled: CompiledWorkflow, action: ReturnedAction, finalContext: RunContext, at: string): Effect | null {
  const p = action.params as Record<string, unknown> & { nodeId: string };
  if (!p) return null;
  const nodeId = p.nodeId;
  const visit = (action.info?.context ?? finalContext).visits[nodeId] ?? 0;
  switch (action.type) {
    case 'evaluateRules':
      return { type: 'rules.evaluate', nodeId, visit, rules: p.rules as RuleParams };
    case 'runAi':
      return { type: 'ai.run', nodeId, visit, task: p.task as 'classify', params: p.params as Record<string, unknown> };
    case 'executeAction':
      return { type: 'action.execute', nodeId, visit, steps: p.steps as ActionStep[] };
    case 'openTask':
      return {
        type: 'task.open',
        nodeId,
        visit,
        title: p.title as string,
        assignee: p.assignee as AssigneeRef,
        ...(p.form ? { form: p.form as string } : {}),
        actions: p.actions as { id: string; label: string }[],
      };
    case 'openApproval':
      return {
        type: 'approval.open',
        nodeId,
        visit,
        title: p.title as string,
        approvers: p.approvers as AssigneeRef[],
        required: p.required as number,
      };
    case 'scheduleTimer': {
      const timerId = p.timerId as string;
      const spec = compiled.timers.get(timerId);
      if (!spec) return null;
      const fireAt = addMillis(at, spec.durationMs);
      if (!spec.businessHours) return { type: 'timer.schedule', nodeId, visit, timerId, fireAt };
      // Business hours: the engine has no calendars. It says what to count (from, how long, which calendar) and
      // keeps fireAt = at + duration, the earliest the due instant can be; the server computes the real one.
      return { type: 'timer.schedule', nodeId, visit, timerId, fireAt, businessHours: { from: at, durationMs: spec.durationMs, ...spec.businessHours } };
    }
    case 'completeRun':
      return { type: 'run.complete', nodeId, visit, status: p.status as 'resolved' };
    default:
      return null;
  }
}

function addMillis(at: string, ms: number): string {
  const t = Date.parse(at);
  if (Number.isNaN(t)) throw new RangeError(`event time "${at}" is not an ISO 8601 date-time`);
  return new Date(t + ms).toISOString();
}
