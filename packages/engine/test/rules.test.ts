// evaluateRules / matchesTrigger over json-rules-engine.
import { describe, expect, it } from 'vitest';
import type { RuleParams } from '@flowdesk/schema';
import { evaluateRules, matchesTrigger } from '../src/index.ts';
import { demoWorkflow, edge, node, workflow } from './fixtures.ts';

const facts = (ticket: Record<string, unknown>, results: Record<string, unknown> = {}, event?: unknown) => ({ ticket, results, event });

describe('evaluateRules', () => {
  const rules: RuleParams = {
    rules: [
      { name: 'VIP', outcome: 'vip', conditions: { all: [{ fact: 'ticket', path: '$.customer.tier', operator: 'equal', value: 'gold' }] } },
      { name: 'Urgent', outcome: 'urgent', conditions: { any: [{ fact: 'ticket', path: '$.priority', operator: 'in', value: ['high', 'urgent'] }] } },
    ],
    defaultOutcome: 'normal',
  };

  it('tries rules in order: the first match wins', async () => {
    const ticket = { priority: 'urgent', customer: { tier: 'gold' } };
    expect(await evaluateRules(rules, facts(ticket))).toEqual({ outcome: 'vip', matchedRule: 'VIP' });
    const reversed = { ...rules, rules: [...rules.rules].reverse() };
    expect(await evaluateRules(reversed, facts(ticket))).toEqual({ outcome: 'urgent', matchedRule: 'Urgent' });
    expect(await evaluateRules(rules, facts({ priority: 'high', customer: { tier: 'silver' } }))).toEqual({ outcome: 'urgent', matchedRule: 'Urgent' });
  });

  it('falls back to the default outcome, also for missing facts and paths', async () => {
    expect(await evaluateRules(rules, facts({ priority: 'low' }))).toEqual({ outcome: 'normal', matchedRule: null });
    expect(await evaluateRules(rules, facts({}))).toEqual({ outcome: 'normal', matchedRule: null });
    expect(await evaluateRules({ rules: [], defaultOutcome: 'x' }, facts({}))).toEqual({ outcome: 'x', matchedRule: null });
  });

  it('evaluates nested all / any / not', async () => {
    const nested: RuleParams = {
      rules: [
        {
          name: 'Billing, not spam, big or angry',
          outcome: 'billing',
          conditions: {
            all: [
              { fact: 'ticket', path: '$.category', operator: 'equal', value: 'billing' },
              { not: { fact: 'ticket', path: '$.tags', operator: 'contains', value: 'spam' } },
              { any: [{ fact: 'ticket', path: '$.amount', operator: 'greaterThan', value: 1000 }, { fact: 'ticket', path: '$.sentiment', operator: 'equal', value: 'angry' }] },
            ],
          },
        },
      ],
      defaultOutcome: 'other',
    };
    const base = { category: 'billing', tags: ['refund'], amount: 10, sentiment: 'calm' };
    expect((await evaluateRules(nested, facts(base))).outcome).toBe('other');
    expect((await evaluateRules(nested, facts({ ...base, amount: 5000 }))).outcome).toBe('billing');
    expect((await evaluateRules(nested, facts({ ...base, sentiment: 'angry' }))).outcome).toBe('billing');
    expect((await evaluateRules(nested, facts({ ...base, amount: 5000, tags: ['spam'] }))).outcome).toBe('other');
    expect((await evaluateRules(nested, facts({ ...base, category: 'bug', amount: 5000 }))).outcome).toBe('other');
  });

  it('reads earlier node results and the event through paths', async () => {
    const byResult: RuleParams = {
      rules: [
        { name: 'Confident bug', outcome: 'bug', conditions: { all: [
          { fact: 'results', path: '$.classify.label', operator: 'equal', value: 'bug' },
          { fact: 'results', path: '$.classify.confidence', operator: 'greaterThanInclusive', value: 0.8 },
        ] } },
        { name: 'Replied', outcome: 'replied', conditions: { all: [{ fact: 'event', path: '$.name', operator: 'equal', value: 'customer.replied' }] } },
      ],
      defaultOutcome: 'unsure',
    };
    expect((await evaluateRules(byResult, facts({}, { classify: { label: 'bug', confidence: 0.9 } }))).outcome).toBe('bug');
    expect((await evaluateRules(byResult, facts({}, { classify: { label: 'bug', confidence: 0.5 } }))).outcome).toBe('unsure');
    expect((await evaluateRules(byResult, facts({}, {}, { type: 'ticket.event', name: 'customer.replied' }))).outcome).toBe('replied');
  });

  it('rejects an invalid rule (unknown operator)', async () => {
    const bad: RuleParams = { rules: [{ name: 'bad', outcome: 'x', conditions: { all: [{ fact: 'ticket', operator: 'nope', value: 1 }] } }], defaultOutcome: 'y' };
    await expect(evaluateRules(bad, facts({}))).rejects.toThrow(/nope/);
  });
});

describe('matchesTrigger', () => {
  it('matches the trigger event name', async () => {
    const def = demoWorkflow();
    expect(await matchesTrigger(def, {}, 'ticket.created')).toBe(true);
    expect(await matchesTrigger(def, {}, 'ticket.updated')).toBe(false);
  });

  it('requires the trigger conditions to hold', async () => {
    const def = workflow(
      'vip-only',
      [
        node('start', 'trigger', { event: 'ticket.created', conditions: { all: [{ fact: 'ticket', path: '$.customer.tier', operator: 'equal', value: 'gold' }] } }),
        node('end', 'end', { status: 'resolved' }),
      ],
      [edge('start', 'next', 'end')],
    );
    expect(await matchesTrigger(def, { customer: { tier: 'gold' } }, 'ticket.created')).toBe(true);
    expect(await matchesTrigger(def, { customer: { tier: 'silver' } }, 'ticket.created')).toBe(false);
    expect(await matchesTrigger(def, {}, 'ticket.created')).toBe(false);
  });
});
