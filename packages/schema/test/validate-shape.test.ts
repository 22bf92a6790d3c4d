import { describe, expect, it } from 'vitest';
import { assertValidDefinition, DefinitionError, MAX_DEPTH, validateDefinition } from '../src/validate.ts';
import { at, codes, definition, exampleJson, loadExample, node } from './helpers.ts';

const errorsOf = (doc: unknown) => validateDefinition(doc).errors;

describe('the example', () => {
  it('validates with no errors and no warnings', () => {
    expect(validateDefinition(loadExample())).toEqual({ valid: true, errors: [], warnings: [] });
  });

  it('validates in well under a millisecond', () => {
    const example = loadExample();
    for (let i = 0; i < 1000; i++) validateDefinition(example); // let the JIT settle
    // Best of several batches: other processes on a busy CI machine only ever make a batch slower.
    const batches = Array.from({ length: 5 }, () => {
      const start = performance.now();
      for (let i = 0; i < 200; i++) validateDefinition(example);
      return (performance.now() - start) / 200;
    });
    expect(Math.min(...batches)).toBeLessThan(0.5);
  });

  it('is not modified by validation', () => {
    const example = loadExample();
    validateDefinition(example);
    expect(example).toEqual(loadExample());
  });
});

describe('shape errors', () => {
  it('reports a non-object document at the root', () => {
    expect(errorsOf(42)).toEqual([{ path: '', message: 'document must be an object', code: 'schema.type', severity: 'error' }]);
  });

  it('points a missing property at the property itself', () => {
    const doc = exampleJson();
    delete doc.name;
    delete doc.nodes[4].params.title;
    const errors = errorsOf(doc);
    expect(at(errors, '/name')).toMatchObject([{ message: 'name is required', code: 'schema.required' }]);
    expect(at(errors, '/nodes/4/params/title')).toMatchObject([{ message: 'title is required', code: 'schema.required' }]);
  });

  it('points an unknown property at the property and lists the allowed ones', () => {
    const doc = exampleJson();
    doc.nodes[0].colour = 'red';
    const [issue] = at(errorsOf(doc), '/nodes/0/colour');
    expect(issue?.code).toBe('schema.unknown-property');
    expect(issue?.message).toBe('unknown property "colour" (allowed: id, kind, name, parentId, position, params)');
  });

  it('reports an unknown kind once, at /nodes/i/kind, listing the known kinds', () => {
    const doc = exampleJson();
    doc.nodes[3].kind = 'ai.telepathy';
    doc.nodes[3].params = { anything: true };
    const errors = errorsOf(doc).filter((i) => i.path.startsWith('/nodes/3'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path: '/nodes/3/kind', code: 'node.unknown-kind' });
    expect(errors[0]!.message).toContain('known kinds: trigger, rule, ai.classify, ai.sentiment, ai.assign, ai.recommend, ai.draft, task, approval, action, wait, end');
  });

  it('checks params against the node kind', () => {
    const doc = exampleJson();
    doc.nodes[6].params.status = 'done';
    doc.nodes[2].params.duration = 'P1M';
    doc.nodes[1].params.rules[0].conditions.any[0].operator = 'like';
    doc.nodes[1].params.rules[0].conditions.any[0].path = 'priority';
    const errors = errorsOf(doc);
    expect(at(errors, '/nodes/6/params/status')).toMatchObject([{ message: 'status must be one of resolved, closed, cancelled', code: 'schema.enum' }]);
    expect(at(errors, '/nodes/2/params/duration')[0]?.message).toContain('must be an ISO 8601 duration like "PT30M"');
    expect(at(errors, '/nodes/1/params/rules/0/conditions/any/0/operator')[0]?.message).toContain('must be one of equal, notEqual, lessThan');
    expect(at(errors, '/nodes/1/params/rules/0/conditions/any/0/path')[0]?.message).toBe('path must be a JSON path starting with "$"');
  });

  it('requires exactly one of all / any / not in a rule condition', () => {
    const doc = exampleJson();
    const conditions = doc.nodes[1].params.rules[0].conditions;
    conditions.all = [];
    const errors = errorsOf(doc);
    expect(at(errors, '/nodes/1/params/rules/0/conditions')).toMatchObject([
      { message: 'conditions must contain exactly one of: all, any, not', code: 'schema.alternatives' },
    ]);
    expect(at(errors, '/nodes/1/params/rules/0/conditions/all')).toMatchObject([{ code: 'schema.size' }]);
  });

  it('validates nested conditions recursively', () => {
    const doc = exampleJson();
    doc.nodes[1].params.rules[0].conditions = { not: { any: [{ all: [{ fact: 'ticket', operator: 'equal' }] }] } };
    expect(errorsOf(doc)).toMatchObject([{ path: '/nodes/1/params/rules/0/conditions/not/any/0/all/0/value', code: 'schema.required' }]);
  });

  it('bounds numbers: threshold in [0, 1], timeoutMs in 1..60000', () => {
    const doc = definition([
      node('s', 'trigger'),
      node('c', 'ai.classify', { field: 'category', threshold: 1.5 }),
      node('a', 'action', { steps: [{ type: 'http', method: 'FETCH', url: 'ftp://example.com', timeoutMs: 0 }] }),
    ], []);
    const errors = errorsOf(doc);
    expect(at(errors, '/nodes/1/params/threshold')).toMatchObject([{ message: 'threshold must be <= 1', code: 'schema.range' }]);
    expect(at(errors, '/nodes/2/params/steps/0/method')).toMatchObject([{ message: 'method must be one of GET, POST, PUT, PATCH, DELETE' }]);
    expect(at(errors, '/nodes/2/params/steps/0/url')).toMatchObject([{ message: 'url must be an http:// or https:// URL' }]);
    expect(at(errors, '/nodes/2/params/steps/0/timeoutMs')).toMatchObject([{ message: 'timeoutMs must be >= 1' }]);
  });

  it('ai.draft autoSend: false, true or a { minConfidence, categories } policy; nothing else', () => {
    const draft = (autoSend: unknown) => definition([node('s', 'trigger'), node('d', 'ai.draft', { autoSend, provider: 'anthropic', model: 'claude-haiku-5-5' })], []);
    for (const ok of [false, true, { minConfidence: 0.8, categories: ['billing'] }, { minConfidence: 0, categories: ['*'] }]) {
      expect(at(errorsOf(draft(ok)), '/nodes/1/params/autoSend'), JSON.stringify(ok)).toEqual([]);
      expect(errorsOf(draft(ok)).filter((e) => e.path.startsWith('/nodes/1/params'))).toEqual([]);
    }
    for (const bad of ['yes', { minConfidence: 0.8 }, { minConfidence: 2, categories: ['x'] }, { minConfidence: 0.5, categories: [] }, { minConfidence: 0.5, categories: ['x'], send: true }]) {
      expect(errorsOf(draft(bad)).filter((e) => e.path.startsWith('/nodes/1/params/autoSend')).length, JSON.stringify(bad)).toBeGreaterThan(0);
    }
  });

  it('reports a bad URL with the uri format', () => {
    const doc = definition([node('a', 'action', { steps: [{ type: 'http', method: 'GET', url: 'https://exa mple.com:99999' }] })], []);
    expect(at(errorsOf(doc), '/nodes/0/params/steps/0/url')).toMatchObject([{ message: 'url must be an absolute URL', code: 'schema.format' }]);
  });

  it('resolves tagged unions to the branch the tag names', () => {
    const doc = exampleJson();
    doc.nodes[4].params.approvers = [{ type: 'robot' }, { type: 'team' }, { role: 'manager' }, { type: 'user', user: 'u1', team: 'x' }];
    const errors = errorsOf(doc);
    expect(at(errors, '/nodes/4/params/approvers/0/type')).toMatchObject([{ message: 'type must be one of role, team, user, ai', code: 'schema.enum' }]);
    expect(at(errors, '/nodes/4/params/approvers/1/team')).toMatchObject([{ code: 'schema.required' }]);
    expect(at(errors, '/nodes/4/params/approvers/2/type')).toMatchObject([{ message: 'type is required' }]);
    expect(at(errors, '/nodes/4/params/approvers/3/team')).toMatchObject([{ code: 'schema.unknown-property' }]);
    expect(errors).toHaveLength(4);
  });

  it('needs a duration or resumeOn on a wait', () => {
    const doc = exampleJson();
    doc.nodes[2].params = { escalations: [] };
    expect(at(errorsOf(doc), '/nodes/2/params')).toMatchObject([{ message: 'params must have at least one of: duration, resumeOn', code: 'schema.alternatives' }]);
  });

  it('explains id patterns, constants and limits in words', () => {
    const doc = exampleJson();
    doc.schemaVersion = 2;
    doc.nodes[0].id = '1st';
    doc.key = 'Has Spaces';
    doc.name = '';
    const errors = errorsOf(doc);
    expect(at(errors, '/schemaVersion')).toMatchObject([{ message: 'schemaVersion must be 1' }]);
    expect(at(errors, '/nodes/0/id')[0]?.message).toBe('id must start with a letter and contain only letters, digits, "_" or "-" (at most 64 characters)');
    expect(at(errors, '/key')).toMatchObject([{ code: 'schema.pattern' }]);
    expect(at(errors, '/name')).toMatchObject([{ message: 'name must not be empty' }]);
  });

  it('limits nodes to 500', () => {
    const nodes = Array.from({ length: 501 }, (_, i) => node(`n${i}`, 'end'));
    expect(errorsOf(definition(nodes, [])))
      .toMatchObject([{ message: 'nodes must have at most 500 items', code: 'schema.size' }]);
  });

  it('escapes keys in pointers and reports invalid map keys', () => {
    const doc = exampleJson();
    doc.forms = { 'a/b~c': { schema: { type: 'object' } } };
    expect(errorsOf(doc)).toMatchObject([{ path: '/forms/a~1b~0c', code: 'schema.key' }]);
  });

  it('reports duplicate items at the later one', () => {
    const doc = exampleJson();
    doc.nodes[3].params.steps[1].tags = ['vip', 'escalated', 'vip'];
    expect(errorsOf(doc)).toMatchObject([{ path: '/nodes/3/params/steps/1/tags/2', code: 'schema.unique' }]);
  });

  it('checks that forms hold JSON Schemas', () => {
    const doc = exampleJson();
    doc.forms = { review: { schema: { type: 'strin' } } };
    const errors = errorsOf(doc);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.code === 'form.invalid-schema' && e.path.startsWith('/forms/review/schema'))).toBe(true);
  });

  it('refuses documents nested deeper than the limit without overflowing the stack', () => {
    let deep: unknown = { fact: 'ticket', operator: 'equal', value: 1 };
    for (let i = 0; i < 5000; i++) deep = { not: deep };
    const doc = exampleJson();
    doc.nodes[1].params.rules[0].conditions = deep;
    const errors = errorsOf(doc);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('document.too-deep');
    expect(errors[0]!.path.split('/').length - 1).toBe(MAX_DEPTH + 1);
  });

  it('caps the number of errors', () => {
    const doc = definition(Array.from({ length: 400 }, (_, i) => ({ id: `n${i}`, kind: 'end', position: { x: 0, y: 0 }, params: { status: 'x' } })), []);
    const { errors } = validateDefinition(doc);
    expect(errors).toHaveLength(101);
    expect(errors.at(-1)).toMatchObject({ code: 'issues.truncated', message: expect.stringContaining('more errors not shown') });
  });
});

describe('assertValidDefinition', () => {
  it('returns a valid document', () => {
    const example = loadExample();
    expect(assertValidDefinition(example)).toBe(example);
  });

  it('throws a DefinitionError carrying the issues', () => {
    const doc = exampleJson();
    delete doc.key;
    try {
      assertValidDefinition(doc);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DefinitionError);
      expect(codes((e as DefinitionError).issues)).toEqual(['schema.required']);
      expect((e as DefinitionError).message).toContain('/key: key is required');
    }
  });
});
