import { errorOutcome } from '../node-spec.ts';
import type { NodeSpec, OutcomeSpec } from '../node-spec.ts';
import { id, list, object, text, topLevelConditionRef, withConditions } from '../schema-parts.ts';

export const ruleSpec: NodeSpec<'rule'> = {
  kind: 'rule',
  version: 1,
  label: 'Rules',
  description: 'Evaluates ordered json-rules-engine rules over ticket, results and event facts; the first match picks the outcome.',
  category: 'logic',
  behaviour: 'work',
  paramsSchema: withConditions(
    object(
      'Rule set parameters.',
      {
        rules: list(
          'Rules in evaluation order; the first rule whose conditions match decides the outcome.',
          object(
            'One rule.',
            {
              name: text('Rule name shown in the run inspector.'),
              outcome: id('Outcome taken when this rule matches.'),
              conditions: topLevelConditionRef('When the rule matches.'),
            },
            ['name', 'outcome', 'conditions'],
          ),
          100,
        ),
        defaultOutcome: id('Outcome taken when no rule matches.'),
      },
      ['rules', 'defaultOutcome'],
    ),
  ),
  defaults: { rules: [], defaultOutcome: 'default' },
  outcomes(params) {
    const out: OutcomeSpec[] = [];
    const seen = new Set<string>();
    // Several rules may share an outcome on purpose: list each outcome once, where it first appears.
    const add = (name: string, declaredAt: string): void => {
      if (seen.has(name)) return;
      seen.add(name);
      out.push({ name, label: name, declaredAt });
    };
    params.rules.forEach((r, i) => add(r.outcome, `/rules/${i}/outcome`));
    add(params.defaultOutcome, '/defaultOutcome');
    return [...out, errorOutcome];
  },
};
