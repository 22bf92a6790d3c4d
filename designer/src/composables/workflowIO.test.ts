// Import validation and export: a definition file is read with the same validateDefinition as the live
// validation (clear errors when it is not valid), wrapped definitions are accepted, XState exports and
// non-JSON are refused with a reason, keys are made unique, and the exports are what the API and XState use.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { definitionFile, parseDefinitionText, uniqueKey, xstateFile } from './workflowIO.ts';

const example = readFileSync(resolve(__dirname, '../../../packages/schema/examples/escalating-approval.json'), 'utf8');

describe('parseDefinitionText (import)', () => {
  it('accepts a valid definition', () => {
    const r = parseDefinitionText(example);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.definition.key).toBe('escalating-approval');
  });

  it('accepts a definition wrapped as the API answers it ({definition} or {version: {definition}})', () => {
    const def = JSON.parse(example) as unknown;
    expect(parseDefinitionText(JSON.stringify({ definition: def })).ok).toBe(true);
    expect(parseDefinitionText(JSON.stringify({ version: { version: 2, definition: def } })).ok).toBe(true);
  });

  it('says when the file is not JSON', () => {
    const r = parseDefinitionText('{ "nodes": [');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.message).toMatch(/^The file is not JSON/);
  });

  it('lists every schema and graph problem with its JSON pointer', () => {
    const def = JSON.parse(example) as { nodes: { id: string; params: Record<string, unknown> }[]; edges: { target: string }[] };
    delete def.nodes.find((n) => n.id === 'manager_approval')!.params.approvers;
    def.edges[0]!.target = 'nowhere';
    const r = parseDefinitionText(JSON.stringify(def));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.length).toBeGreaterThanOrEqual(2);
    expect(r.errors.some((e) => e.path.startsWith('/nodes/4/params') && /approvers/.test(e.message))).toBe(true);
    expect(r.errors.some((e) => e.path === '/edges/0/target' && /nowhere/.test(e.message))).toBe(true);
  });

  it('refuses things that are not definitions: arrays, empty objects, an XState export', () => {
    expect(parseDefinitionText('[]').ok).toBe(false);
    const empty = parseDefinitionText('{}');
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.errors.length).toBeGreaterThan(0);
    const xstate = parseDefinitionText(xstateFile(JSON.parse(example)).text);
    expect(xstate.ok).toBe(false);
    if (!xstate.ok) expect(xstate.errors[0]!.message).toMatch(/XState export/);
  });

  it('refuses huge files before parsing them', () => {
    const r = parseDefinitionText(' '.repeat(6 * 1024 * 1024));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.message).toMatch(/larger than 5 MB/);
  });

  it('round-trips its own export', () => {
    const def = JSON.parse(example) as Parameters<typeof definitionFile>[0];
    const file = definitionFile(def);
    expect(file.filename).toBe('escalating-approval.workflow.json');
    const r = parseDefinitionText(file.text);
    expect(r.ok && r.definition).toEqual(def);
  });
});

describe('xstateFile (export)', () => {
  it('is the compiled machine: one state per node, named after the key', () => {
    const def = JSON.parse(example) as Parameters<typeof xstateFile>[0];
    const file = xstateFile(def);
    expect(file.filename).toBe('escalating-approval.xstate.json');
    const machine = JSON.parse(file.text) as { id: string; initial: string; states: Record<string, unknown> };
    expect(Object.keys(machine.states).sort()).toEqual(def.nodes.map((n) => n.id).sort());
  });
});

describe('uniqueKey', () => {
  it('keeps a free key and numbers a taken one', () => {
    expect(uniqueKey('refunds', [])).toBe('refunds');
    expect(uniqueKey('refunds', ['refunds'])).toBe('refunds-2');
    expect(uniqueKey('refunds', ['refunds', 'refunds-2', 'refunds-3'])).toBe('refunds-4');
  });
  it('stays a valid key: lower case, allowed characters, at most 64 characters', () => {
    expect(uniqueKey('My Refunds!', [])).toBe('my-refunds-');
    const long = 'a'.repeat(64);
    const next = uniqueKey(long, [long]);
    expect(next).toHaveLength(64);
    expect(next.endsWith('-2')).toBe(true);
  });
});
