// advance(): start()/step() plus in-process resolution of rule nodes. Rules need no I/O, so evaluating them
// here saves a queue round trip per rule node; every other effect goes out to the caller.
import type { WorkflowDefinition } from '@flowdesk/schema';
import { compile, type CompiledWorkflow } from './compile.ts';
import { evaluateRules } from './rules.ts';
import { start, stepCompiled } from './run.ts';
import type { AdvanceInput, AdvanceResult, Effect, EvaluateRulesEffect, RunEvent, RunSnapshot, StepRecord, StepResult } from './types.ts';

/** Rule nodes resolved in one advance() before we call it a loop (a cycle made only of rule nodes). */
export const MAX_INTERNAL_STEPS = 1000;

export class WorkflowLoopError extends Error {
  override name = 'WorkflowLoopError';
}

export async function advance(definition: WorkflowDefinition, snapshot: RunSnapshot | null, input: AdvanceInput): Promise<AdvanceResult> {
  const compiled = compile(definition);
  let event: StepRecord['event'];
  let result: StepResult;

  if ('start' in input) {
    if (snapshot !== null) throw new Error('advance: cannot start a run that already has a snapshot (pass null)');
    event = { type: 'run.start', at: input.start.at, ticket: input.start.ticket };
    result = start(definition, input.start.ticket, input.start.at);
  } else {
    if (snapshot === null) throw new Error('advance: an event needs the run snapshot (start the run first)');
    event = input.event;
    result = stepCompiled(compiled, snapshot, input.event);
    if (!result.changed) return { snapshot, steps: [], effects: [], ignoredReason: result.ignoredReason ?? 'event ignored' };
  }
  return settle(compiled, result, event);
}

/** A StepRecord whose first event may be the caller's own (run.migrated for migrateRun()). */
export type SettledStep<E> = Omit<StepRecord, 'event'> & { event: StepRecord['event'] | E };

/**
 * From one applied step on: records it, then resolves the rule nodes it entered in-process (one more step
 * each) until the run waits for the outside world. Shared by advance() and migrateRun().
 */
export async function settle<E extends { type: string; at: string } = StepRecord['event']>(
  compiled: CompiledWorkflow,
  first: StepResult,
  firstEvent: E,
): Promise<{ snapshot: RunSnapshot; steps: SettledStep<E>[]; effects: Effect[] }> {
  const steps: SettledStep<E>[] = [];
  const effects: Effect[] = [];
  const pending: EvaluateRulesEffect[] = [];
  let event: E | RunEvent = firstEvent;
  let result = first;
  const at = event.at;

  for (let internal = 0; ; internal++) {
    const external: Effect[] = [];
    for (const effect of result.effects) {
      if (effect.type === 'rules.evaluate') pending.push(effect);
      else external.push(effect);
    }
    steps.push({ event, from: result.from, to: result.to, effects: external, changed: result.changed });
    effects.push(...external);

    const next = pending.shift();
    if (!next) return { snapshot: result.snapshot, steps, effects };
    if (internal >= MAX_INTERNAL_STEPS) {
      throw new WorkflowLoopError(`workflow "${compiled.definition.key}" went through ${MAX_INTERNAL_STEPS} rule nodes without waiting: its rule nodes form a loop`);
    }
    event = await resolveRules(next, result.snapshot, event, at);
    result = stepCompiled(compiled, result.snapshot, event);
  }
}

/** Evaluates a rule node and phrases the answer as the effect.result event a worker would send. */
async function resolveRules(effect: EvaluateRulesEffect, snapshot: RunSnapshot, cause: unknown, at: string): Promise<RunEvent> {
  const { nodeId, visit } = effect;
  const { ticket, results } = snapshot.context;
  try {
    const { outcome, matchedRule } = await evaluateRules(effect.rules, { ticket, results, event: cause });
    return { type: 'effect.result', nodeId, visit, outcome, output: { matchedRule }, at };
  } catch (err) {
    return { type: 'effect.result', nodeId, visit, outcome: 'error', error: `rules failed: ${(err as Error).message}`, at };
  }
}
