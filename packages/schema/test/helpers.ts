import { readFileSync } from 'node:fs';
import { getNodeSpec } from '../src/catalog.ts';
import type { NodeKind, ValidationIssue, WorkflowDefinition } from '../src/types.ts';

const examplePath = new URL('../examples/escalating-approval.json', import.meta.url);

/** A fresh copy of the demo workflow, free to mutate. */
export function loadExample(): WorkflowDefinition {
  return JSON.parse(readFileSync(examplePath, 'utf8')) as WorkflowDefinition;
}

/** The example as loose JSON, for tests that break its shape on purpose. */
export function exampleJson(): Record<string, any> {
  return loadExample() as unknown as Record<string, any>;
}

export function node(id: string, kind: NodeKind, params?: unknown): Record<string, unknown> {
  return { id, kind, position: { x: 0, y: 0 }, params: params ?? structuredClone(getNodeSpec(kind).defaults) };
}

let edgeCounter = 0;
export function edge(source: string, outcome: string, target: string, id = `e${++edgeCounter}`): Record<string, unknown> {
  return { id, source, target, outcome };
}

export function definition(nodes: unknown[], edges: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemaVersion: 1, key: 'test-flow', name: 'Test flow', nodes, edges, ...extra };
}

export const at = (issues: ValidationIssue[], path: string): ValidationIssue[] => issues.filter((i) => i.path === path);
export const codes = (issues: ValidationIssue[]): string[] => issues.map((i) => i.code);
