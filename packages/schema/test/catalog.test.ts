import { describe, expect, it } from 'vitest';
import { createAjv } from '../src/ajv.ts';
import { getNodeSpec, isNodeKind, nodeCatalog, nodeKinds, outcomesOf } from '../src/catalog.ts';
import { workflowDefinitionSchema } from '../src/definition-schema.ts';
import type { JSONSchema } from '../src/json-schema.ts';
import type { NodeKind, WorkflowNode } from '../src/types.ts';
import { loadExample } from './helpers.ts';

const outcomeNames = (kind: NodeKind, params: unknown): string[] =>
  outcomesOf({ id: 'n', kind, position: { x: 0, y: 0 }, params } as WorkflowNode).map((o) => (o.optional ? `${o.name}?` : o.name));

describe('node catalog', () => {
  it('has one spec per kind, keyed by its own kind', () => {
    expect(nodeKinds).toEqual(['trigger', 'rule', 'ai.classify', 'ai.sentiment', 'ai.assign', 'ai.recommend', 'ai.draft', 'task', 'approval', 'action', 'wait', 'end', 'group']);
    for (const kind of nodeKinds) expect(nodeCatalog[kind].kind).toBe(kind);
    expect(isNodeKind('rule')).toBe(true);
    expect(isNodeKind('constructor')).toBe(false);
    expect(() => getNodeSpec('nope' as NodeKind)).toThrow(/known kinds: trigger, rule/);
  });

  it('classifies behaviour', () => {
    const by = (b: string): string[] => nodeKinds.filter((k) => nodeCatalog[k].behaviour === b);
    expect(by('start')).toEqual(['trigger']);
    expect(by('waiting')).toEqual(['task', 'approval', 'wait']);
    expect(by('final')).toEqual(['end']);
    expect(by('group')).toEqual(['group']);
    expect(by('work')).toEqual(['rule', 'ai.classify', 'ai.sentiment', 'ai.assign', 'ai.recommend', 'ai.draft', 'action']);
  });

  it('declares outcomes per kind', () => {
    expect(outcomeNames('trigger', { event: 'manual' })).toEqual(['next']);
    const cond = { all: [{ fact: 'ticket', operator: 'equal', value: 1 }] };
    expect(outcomeNames('rule', {
      rules: [{ name: 'a', outcome: 'vip', conditions: cond }, { name: 'b', outcome: 'urgent', conditions: cond }, { name: 'c', outcome: 'vip', conditions: cond }],
      defaultOutcome: 'normal',
    })).toEqual(['vip', 'urgent', 'normal', 'error?']);
    expect(outcomeNames('ai.classify', { field: 'category' })).toEqual(['done', 'low_confidence', 'error?']);
    expect(outcomeNames('ai.sentiment', {})).toEqual(['done', 'low_confidence', 'error?']);
    expect(outcomeNames('ai.assign', {})).toEqual(['assigned', 'no_agent', 'error?']);
    expect(outcomeNames('ai.recommend', {})).toEqual(['found', 'none', 'error?']);
    expect(outcomeNames('ai.draft', {})).toEqual(['drafted', 'handoff', 'error?']);
    expect(outcomeNames('task', {
      title: 't', assignee: { type: 'ai' }, actions: [{ id: 'approve', label: 'A' }, { id: 'deny', label: 'D' }],
      escalations: [{ outcome: 'late', after: 'PT1H' }],
    })).toEqual(['approve', 'deny', 'late']);
    expect(outcomeNames('approval', { title: 't', approvers: [{ type: 'ai' }], escalations: [{ outcome: 'late', after: 'PT1H' }] }))
      .toEqual(['approved', 'rejected', 'late']);
    expect(outcomeNames('action', { steps: [] })).toEqual(['done', 'error?']);
    expect(outcomeNames('wait', { duration: 'PT1H' })).toEqual(['elapsed']);
    expect(outcomeNames('wait', { resumeOn: ['customer.replied'] })).toEqual(['resumed']);
    expect(outcomeNames('wait', { duration: 'PT1H', resumeOn: ['x'], escalations: [{ outcome: 'late', after: 'PT2H' }] })).toEqual(['elapsed', 'resumed', 'late']);
    expect(outcomeNames('end', { status: 'closed' })).toEqual([]);
    expect(outcomeNames('group', {})).toEqual([]);
    expect(outcomeNames('group', { initial: 'a', timeout: 'PT4H', cancelOn: ['ticket.closed'] })).toEqual(['timeout', 'cancelled']);
  });

  it('points each user-declared outcome at the value that declares it', () => {
    const outcomes = outcomesOf({ id: 'n', kind: 'task', position: { x: 0, y: 0 }, params: {
      title: 't', assignee: { type: 'ai' }, actions: [{ id: 'ok', label: 'OK' }], escalations: [{ outcome: 'late', after: 'PT1H' }],
    } });
    expect(outcomes.map((o) => o.declaredAt)).toEqual(['/actions/0/id', '/escalations/0/outcome']);
  });

  it('has defaults that are valid params', () => {
    const ajv = createAjv();
    for (const kind of nodeKinds) {
      const validate = ajv.compile(nodeCatalog[kind].paramsSchema);
      expect(validate(nodeCatalog[kind].defaults), `${kind}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  // The designer renders forms from these schemas and the API exposes them: check the house rules on every subschema.
  it('closes every object, bounds every string and array, and describes every property', () => {
    const problems: string[] = [];
    const walk = (s: JSONSchema, where: string, isPropertyValue: boolean): void => {
      if (isPropertyValue && s.description === undefined) problems.push(`${where}: no description`);
      if (s.properties && s.additionalProperties !== false) problems.push(`${where}: additionalProperties is not false`);
      if (s.type === 'object' && !s.properties && !s.oneOf && s.additionalProperties === undefined && !where.endsWith('/schema') && !where.endsWith('/uiSchema') && !s.if) {
        problems.push(`${where}: open object`);
      }
      if (s.type === 'string' && s.maxLength === undefined && !s.enum) problems.push(`${where}: string without maxLength`);
      if (s.type === 'array' && s.maxItems === undefined) problems.push(`${where}: array without maxItems`);
      for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, `${where}/properties/${k}`, true);
      for (const [k, v] of Object.entries(s.definitions ?? {})) walk(v, `${where}/definitions/${k}`, false);
      (s.oneOf ?? []).forEach((v, i) => walk(v, `${where}/oneOf/${i}`, false));
      if (s.items) walk(s.items, `${where}/items`, false);
      if (typeof s.additionalProperties === 'object') walk(s.additionalProperties, `${where}/additionalProperties`, true);
    };
    walk(workflowDefinitionSchema, '#', false);
    expect(problems).toEqual([]);
  });

  it('publishes a complete definition schema that compiles in strict mode and matches the example', () => {
    const validate = createAjv().compile(workflowDefinitionSchema);
    const example = loadExample();
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    (example.nodes[6] as { params: unknown }).params = { status: 'gone' };
    expect(validate(example)).toBe(false);
    expect(validate.errors?.[0]?.instancePath).toBe('/nodes/6/params/status');
  });
});

describe('README', () => {
  it('lists every kind with its behaviour', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const kind of nodeKinds) expect(readme).toContain(`| \`${kind}\` | ${nodeCatalog[kind].behaviour} |`);
  });
});
