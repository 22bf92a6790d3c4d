// Rule nodes and trigger conditions, evaluated with json-rules-engine. It is asynchronous, so rules are a
// node's work (an effect), never an XState guard.
import type { RuleParams, TopLevelCondition, WorkflowDefinition } from '@flowdesk/schema';
import { Engine } from 'json-rules-engine';
import type { Ticket } from './types.ts';

export interface RuleFacts {
  ticket: Ticket;
  results: Record<string, unknown>;
  event?: unknown;
}

export interface RuleEvaluation {
  outcome: string;
  /** Name of the first rule that matched; null when the default outcome was taken. */
  matchedRule: string | null;
}

/**
 * Rules are tried in order and the first match wins; none matching gives `defaultOutcome`.
 * Facts: `ticket`, `results` (outputs of earlier nodes) and `event` (the event that entered the node), each
 * addressable with a JSONPath `path`. Rejects on an invalid rule (e.g. unknown operator).
 */
export async function evaluateRules(params: RuleParams, facts: RuleFacts): Promise<RuleEvaluation> {
  if (params.rules.length === 0) return { outcome: params.defaultOutcome, matchedRule: null };
  // A fresh engine per evaluation: a json-rules-engine Engine keeps run status on itself, so sharing one
  // between concurrent evaluations could cut a run short.
  const engine = newEngine();
  params.rules.forEach((rule, index) => {
    engine.addRule({ name: rule.name, conditions: rule.conditions, event: { type: rule.outcome, params: { index } } });
  });
  const { results } = await engine.run(factsOf(facts));
  let first: number | null = null;
  for (const result of results) {
    const index = result.event?.params?.index as number;
    if (first === null || index < first) first = index;
  }
  if (first === null) return { outcome: params.defaultOutcome, matchedRule: null };
  const rule = params.rules[first]!;
  return { outcome: rule.outcome, matchedRule: rule.name };
}

/** Whether `conditions` hold for these facts (no conditions: true). */
export async function conditionsHold(conditions: TopLevelCondition | undefined, facts: RuleFacts): Promise<boolean> {
  if (!conditions) return true;
  const engine = newEngine();
  engine.addRule({ conditions, event: { type: 'match' } });
  const { results } = await engine.run(factsOf(facts));
  return results.length > 0;
}

/** Should a run of this workflow start for `ticket` on `eventName` (e.g. "ticket.created")? */
export async function matchesTrigger(definition: WorkflowDefinition, ticket: Ticket, eventName: string): Promise<boolean> {
  const trigger = definition.nodes.find((n) => n.kind === 'trigger');
  if (!trigger || trigger.kind !== 'trigger' || trigger.params.event !== eventName) return false;
  return conditionsHold(trigger.params.conditions, { ticket, results: {} });
}

function newEngine(): Engine {
  // Undefined facts are false conditions, not errors: a ticket without `customer` simply does not match.
  return new Engine([], { allowUndefinedFacts: true });
}

function factsOf(facts: RuleFacts): Record<string, unknown> {
  return { ticket: facts.ticket, results: facts.results, event: facts.event ?? null };
}
