// validateDefinition: shape (ajv), then references, then graph. Never throws: whatever arrives over
// the API, an import or the designer gets a list of issues with JSON pointers.
import type { ValidateFunction } from 'ajv';
import { createAjv } from './ajv.ts';
import { issuesFromAjv } from './ajv-issues.ts';
import { nodeCatalog, nodeKinds, outcomesOf } from './catalog.ts';
import { checkGraph } from './check-graph.ts';
import { checkReferences } from './check-references.ts';
import { definitionEnvelopeSchema, MAX_EDGES, MAX_NODES } from './definition-schema.ts';
import type { GraphView } from './graph-view.ts';
import { readGraph } from './graph-view.ts';
import { escapePointerSegment, isObject, pointer } from './json-pointer.ts';
import type { NodeKind, ValidationIssue, ValidationResult, WorkflowDefinition, WorkflowNode } from './types.ts';

/** Deeper documents are refused before ajv, whose recursive $refs would otherwise exhaust the stack. */
export const MAX_DEPTH = 64;
/** Errors beyond this many are summarised; nobody fixes the 101st error first. */
export const MAX_ERRORS = 100;

// Compiled once at module load: validating a definition then costs microseconds.
const ajv = createAjv();
const validateEnvelope = ajv.compile(definitionEnvelopeSchema);
const validateParams = Object.fromEntries(
  nodeKinds.map((kind) => [kind, ajv.compile(nodeCatalog[kind].paramsSchema)]),
) as Record<NodeKind, ValidateFunction>;

export class DefinitionError extends Error {
  readonly code = 'FD_ERR_INVALID_DEFINITION';
  readonly issues: ValidationIssue[];
  constructor(issues: ValidationIssue[]) {
    const first = issues.slice(0, 3).map((i) => `${i.path || '/'}: ${i.message}`).join('; ');
    super(`invalid workflow definition (${issues.length} error${issues.length === 1 ? '' : 's'}): ${first}${issues.length > 3 ? '; …' : ''}`);
    this.name = 'DefinitionError';
    this.issues = issues;
  }
}

const error = (path: string, code: string, message: string): ValidationIssue => ({ path, message, severity: 'error', code });

/** Pointer of the first value nested deeper than `max`, or null. Iterative: depth cannot hurt it. */
function findTooDeep(doc: unknown, max: number): string | null {
  const stack: [unknown, number, string][] = [[doc, 0, '']];
  while (stack.length) {
    const [value, depth, path] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > max) return path;
    for (const key of Object.keys(value)) {
      stack.push([(value as Record<string, unknown>)[key], depth + 1, `${path}/${escapePointerSegment(key)}`]);
    }
  }
  return null;
}

/** Validates each node's params against its kind and records the outcomes of the valid ones. */
function checkNodes(graph: GraphView, envelopeIssues: ValidationIssue[]): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const reported = new Set(envelopeIssues.map((i) => i.path));
  for (const node of graph.nodes) {
    const at = pointer('nodes', node.index);
    if (node.kind === undefined) {
      const raw = node.unknownKind;
      if (raw !== undefined && !reported.has(`${at}/kind`)) {
        issues.push(error(`${at}/kind`, 'node.unknown-kind', `unknown node kind "${raw.slice(0, 64)}"; known kinds: ${nodeKinds.join(', ')}`));
      }
      continue;
    }
    if (!node.params) continue; // the envelope already reported it
    const validate = validateParams[node.kind];
    if (validate(node.params)) {
      node.outcomes = outcomesOf({ id: node.id ?? '', kind: node.kind, position: { x: 0, y: 0 }, params: node.params } as WorkflowNode);
    } else {
      issues.push(...issuesFromAjv(validate.errors, `${at}/params`));
    }
  }
  return issues;
}

/** Form schemas must be JSON Schemas themselves; the engine compiles them when a task opens. */
function checkForms(forms: Record<string, unknown> | undefined): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const [key, form] of Object.entries(forms ?? {})) {
    if (!isObject(form) || !isObject(form.schema)) continue;
    const at = pointer('forms', key, 'schema');
    try {
      if (!ajv.validateSchema(form.schema)) {
        issues.push(...issuesFromAjv(ajv.errors, at).map((i) => ({ ...i, code: 'form.invalid-schema', message: `not a valid JSON Schema: ${i.message}` })));
      }
    } catch (e) {
      // e.g. an unknown $schema URI
      issues.push(error(at, 'form.invalid-schema', `not a valid JSON Schema: ${e instanceof Error ? e.message : String(e)}`));
    }
  }
  return issues;
}

function collect(doc: unknown): ValidationIssue[] {
  const deep = findTooDeep(doc, MAX_DEPTH);
  if (deep !== null) return [error(deep, 'document.too-deep', `the document is nested more than ${MAX_DEPTH} levels deep here`)];

  const issues = validateEnvelope(doc) ? [] : issuesFromAjv(validateEnvelope.errors);
  const graph = readGraph(doc, MAX_NODES, MAX_EDGES);
  issues.push(...checkNodes(graph, issues));
  issues.push(...checkForms(graph.forms));
  issues.push(...checkReferences(graph));
  // Graph properties are only meaningful once every node and edge is well formed.
  if (issues.length === 0) issues.push(...checkGraph(graph));
  return issues;
}

export function validateDefinition(doc: unknown): ValidationResult {
  let issues: ValidationIssue[];
  try {
    issues = collect(doc);
  } catch (e) {
    // Should be unreachable; tests assert it never happens. A report beats a stack trace at the edge.
    issues = [error('', 'internal', `the validator failed: ${e instanceof Error ? e.message : String(e)}`)];
  }
  let errors = issues.filter((i) => i.severity === 'error');
  const warnings = issues.filter((i) => i.severity === 'warning');
  if (errors.length > MAX_ERRORS) {
    const more = errors.length - MAX_ERRORS;
    errors = [...errors.slice(0, MAX_ERRORS), error('', 'issues.truncated', `${more} more error${more === 1 ? '' : 's'} not shown`)];
  }
  return { valid: errors.length === 0, errors, warnings };
}

/** The document typed as a definition, or a DefinitionError carrying every error. */
export function assertValidDefinition(doc: unknown): WorkflowDefinition {
  const result = validateDefinition(doc);
  if (!result.valid) throw new DefinitionError(result.errors);
  return doc as WorkflowDefinition;
}
