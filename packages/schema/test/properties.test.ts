// Property-based checks: the validator never throws, its pointers always point into the document,
// it agrees with the published JSON Schema, and it accepts every well-built definition.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAjv } from '../src/ajv.ts';
import { outcomesOf } from '../src/catalog.ts';
import { workflowDefinitionSchema } from '../src/definition-schema.ts';
import { parsePointer, pointer, resolvePointer } from '../src/json-pointer.ts';
import type { NodeKind, ValidationIssue, ValidationResult, WorkflowNode } from '../src/types.ts';
import { validateDefinition } from '../src/validate.ts';
import { loadExample } from './helpers.ts';

const JSON_POINTER = /^(\/([^~/]|~[01])*)*$/;

function expectWellFormed(result: ValidationResult): void {
  expect(result.valid).toBe(result.errors.length === 0);
  const check = (issues: ValidationIssue[], severity: string): void => {
    for (const issue of issues) {
      expect(Object.keys(issue).sort()).toEqual(['code', 'message', 'path', 'severity']);
      expect(issue.path).toMatch(JSON_POINTER);
      expect(issue.severity).toBe(severity);
      expect(typeof issue.message === 'string' && issue.message.length > 0).toBe(true);
      expect(issue.code).toMatch(/^[a-z]+(\.[a-z-]+)?$/);
      expect(issue.code).not.toBe('internal');
    }
  };
  check(result.errors, 'error');
  check(result.warnings, 'warning');
}

const parentOf = (p: string): string => p.slice(0, Math.max(0, p.lastIndexOf('/')));

describe('validateDefinition on arbitrary input', () => {
  it('never throws on any JSON value and returns well-formed issues', () => {
    fc.assert(fc.property(fc.jsonValue(), (doc) => expectWellFormed(validateDefinition(doc))), { numRuns: 300 });
  });

  it('never throws on any acyclic JS value', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true, withBoxedValues: true }),
        (doc) => expectWellFormed(validateDefinition(doc))),
      { numRuns: 300 },
    );
  });

  it('never throws on documents that look almost right', () => {
    const almost = fc.record({
      schemaVersion: fc.oneof(fc.constant(1), fc.jsonValue()),
      key: fc.oneof(fc.constant('k'), fc.string()),
      name: fc.string(),
      nodes: fc.array(fc.record({ id: fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.jsonValue()), kind: fc.oneof(fc.constantFrom('trigger', 'rule', 'task', 'wait', 'end', 'action', 'constructor', '__proto__'), fc.jsonValue()), position: fc.jsonValue(), params: fc.oneof(fc.object(), fc.jsonValue()) }, { requiredKeys: [] }), { maxLength: 6 }),
      edges: fc.array(fc.record({ id: fc.string(), source: fc.constantFrom('a', 'b', 'c', 'z'), target: fc.constantFrom('a', 'b', 'c', 'z'), outcome: fc.constantFrom('next', 'done', 'error', 'x') }, { requiredKeys: [] }), { maxLength: 8 }),
      forms: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }),
    }, { requiredKeys: [] });
    fc.assert(fc.property(almost, (doc) => expectWellFormed(validateDefinition(doc))), { numRuns: 300 });
  });

  it('survives huge strings', () => {
    const doc = loadExample() as unknown as Record<string, any>;
    const huge = 'P'.repeat(2_000_000);
    doc.name = huge;
    doc.nodes[2].params.duration = huge;
    doc.nodes[0].id = huge;
    doc.nodes[3].params.steps = [{ type: 'http', method: 'GET', url: `https://x/${huge}` }];
    const start = performance.now();
    const result = validateDefinition(doc);
    expect(performance.now() - start).toBeLessThan(1000);
    expectWellFormed(result);
    expect(result.errors.map((e) => e.path)).toEqual(expect.arrayContaining(['/name', '/nodes/2/params/duration', '/nodes/0/id', '/nodes/3/params/steps/0/url']));
  });
});

// ---- mutations of the valid example ----

function allPointers(value: unknown, at = ''): string[] {
  const out = [at];
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push(...allPointers(v, `${at}${pointer(k)}`));
  }
  return out;
}

type Mutation =
  | { op: 'delete' | 'retype' | 'add'; pick: number; value: unknown; key: string }
  | { op: 'retarget'; pick: number; field: 'source' | 'target'; id: string };

function mutate(doc: any, m: Mutation): void {
  if (m.op === 'retarget') {
    const edge = doc.edges?.[m.pick % Math.max(1, doc.edges.length)];
    if (edge && typeof edge === 'object') edge[m.field] = m.id;
    return;
  }
  const pointers = allPointers(doc);
  const target = pointers[m.pick % pointers.length]!;
  const segments = parsePointer(target)!;
  const last = segments.pop();
  const parent = resolvePointer(doc, pointer(...segments)).value as any;
  const here = resolvePointer(doc, target).value as any;
  if (m.op === 'add') {
    if (Array.isArray(here)) here.push(m.value);
    else if (here && typeof here === 'object') here[m.key] = m.value;
    return;
  }
  if (last === undefined) return; // never replace or delete the root
  if (m.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else {
    parent[last] = m.value;
  }
}

const ids = ['start', 'triage', 'cooling_off', 'escalate', 'manager_approval', 'resolved', 'rejected'];
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom('delete', 'retype', 'add'), pick: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }), key: fc.oneof(fc.constantFrom('extra', 'a/b', '~x', 'constructor'), fc.string()) }),
  fc.record({ op: fc.constant('retarget'), pick: fc.nat(), field: fc.constantFrom('source', 'target'), id: fc.oneof(fc.constantFrom(...ids), fc.string()) }),
) as fc.Arbitrary<Mutation>;

describe('validateDefinition on mutations of the example', () => {
  const fullSchema = createAjv().compile(workflowDefinitionSchema);

  it('reports pointers that resolve in the mutated document (up to the parent for a missing property)', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        const doc = loadExample();
        for (const m of mutations) mutate(doc, m);
        const result = validateDefinition(doc);
        expectWellFormed(result);
        for (const issue of [...result.errors, ...result.warnings]) {
          if (issue.code === 'issues.truncated') continue;
          expect(resolvePointer(doc, parentOf(issue.path)).found, `${issue.code} ${issue.path}`).toBe(true);
          if (issue.code !== 'schema.required') expect(resolvePointer(doc, issue.path).found, `${issue.code} ${issue.path}`).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('agrees with the published JSON Schema about the shape', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
        const doc = loadExample();
        for (const m of mutations) mutate(doc, m);
        const shapeErrors = validateDefinition(doc).errors.filter((e) => e.code.startsWith('schema.') || e.code === 'node.unknown-kind');
        expect(fullSchema(doc), JSON.stringify({ shapeErrors, ajv: fullSchema.errors })).toBe(shapeErrors.length === 0);
      }),
      { numRuns: 400 },
    );
  });
});

// ---- generated valid definitions ----

const WORK_KINDS = ['rule', 'ai.classify', 'ai.sentiment', 'ai.assign', 'ai.recommend', 'ai.draft', 'action'] as const;
const WAITING_KINDS = ['task', 'approval', 'wait'] as const;

function paramsFor(kind: NodeKind, choose: (n: number) => number): unknown {
  const escalations = choose(2) ? [{ outcome: 'late', after: 'PT4H' }] : undefined;
  switch (kind) {
    case 'rule':
      return {
        rules: Array.from({ length: choose(3) }, (_, i) => ({
          name: `r${i}`,
          outcome: `o${choose(3)}`,
          conditions: { any: [{ fact: 'ticket', path: '$.priority', operator: 'in', value: ['high'] }, { not: { fact: 'event', operator: 'equal', value: 1 } }] },
        })),
        defaultOutcome: 'fallback',
      };
    case 'ai.classify':
      return { field: 'category', threshold: choose(101) / 100 };
    case 'action':
      return { steps: [{ type: 'addTags', tags: ['x'] }, { type: 'http', method: 'POST', url: 'https://hooks.example.com/x', timeoutMs: 1 + choose(60_000) }] };
    case 'task':
      return { title: 'Do it', assignee: { type: 'team', team: 'support' }, actions: Array.from({ length: 1 + choose(3) }, (_, i) => ({ id: `a${i}`, label: `A${i}` })), ...(escalations ? { escalations } : {}) };
    case 'approval':
      return { title: 'Approve', approvers: [{ type: 'user', user: 'ann@example.com' }], required: 1, ...(escalations ? { escalations } : {}) };
    case 'wait': {
      const form = choose(3);
      return { ...(form !== 1 ? { duration: 'PT30M' } : {}), ...(form !== 0 ? { resumeOn: ['customer.replied'] } : {}), ...(escalations ? { escalations } : {}) };
    }
    default:
      return {};
  }
}

const generated = fc.record({
  kinds: fc.array(fc.constantFrom<NodeKind>(...WORK_KINDS, ...WAITING_KINDS), { minLength: 1, maxLength: 15 }),
  choices: fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
  ends: fc.integer({ min: 1, max: 3 }),
  loops: fc.boolean(),
}).map(({ kinds, choices, ends, loops }) => {
  let cursor = 0;
  const choose = (n: number): number => choices[cursor++ % choices.length]! % n;
  const middle = kinds.map((kind, i) => ({ id: `n${i + 1}`, kind, position: { x: 0, y: i * 100 }, params: paramsFor(kind, choose) }) as WorkflowNode);
  const endNodes = Array.from({ length: ends }, (_, i) => ({ id: `end${i}`, kind: 'end', position: { x: i * 100, y: 0 }, params: { status: 'resolved' } }) as WorkflowNode);
  const edges = [{ id: 'e0', source: 'start', target: 'n1', outcome: 'next' }];
  middle.forEach((node, i) => {
    outcomesOf(node).forEach((o, j) => {
      if (o.optional && choose(2)) return; // optional outcomes may stay unconnected
      // The first outcome continues the chain, so every node is reachable and reaches an end.
      const forward = [...middle.slice(i + 1), ...endNodes];
      let target = j === 0 ? (middle[i + 1] ?? endNodes[0]!) : forward[choose(forward.length)]!;
      // Back edges only enter waiting nodes, so every cycle waits somewhere.
      const waitingBefore = middle.slice(0, i + 1).filter((n) => (WAITING_KINDS as readonly string[]).includes(n.kind));
      if (loops && j > 0 && waitingBefore.length && choose(3) === 0) target = waitingBefore[choose(waitingBefore.length)]!;
      edges.push({ id: `e${edges.length}`, source: node.id, target: target.id, outcome: o.name });
    });
  });
  const usedEnds = endNodes.filter((e) => edges.some((edge) => edge.target === e.id));
  return {
    schemaVersion: 1,
    key: 'generated',
    name: 'Generated',
    nodes: [{ id: 'start', kind: 'trigger', position: { x: 0, y: 0 }, params: { event: 'ticket.created' } }, ...middle, ...usedEnds],
    edges,
  };
});

describe('validateDefinition on generated definitions', () => {
  it('accepts every DAG of work nodes ending in end nodes, with loops through waiting nodes', () => {
    fc.assert(
      fc.property(generated, (doc) => {
        expect(validateDefinition(doc)).toEqual({ valid: true, errors: [], warnings: [] });
      }),
      { numRuns: 200 },
    );
  });

  it('rejects the same definitions once a work node loops back', () => {
    fc.assert(
      fc.property(generated.filter((d) => d.nodes.some((n) => n.kind === 'action')), (doc) => {
        const action = doc.nodes.find((n) => n.kind === 'action')!;
        const done = doc.edges.find((e) => e.source === action.id && e.outcome === 'done')!;
        done.target = action.id;
        expect(validateDefinition(doc).errors.map((e) => e.code)).toContain('graph.busy-cycle');
      }),
      { numRuns: 50 },
    );
  });
});
