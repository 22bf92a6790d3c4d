// The templates gallery's data: every templates/*/workflow.json is bundled (import.meta.glob), passes the
// schema's validateDefinition without errors or warnings, has a README with a title, an industry and a
// summary, and uses the node kinds a realistic workflow needs (rule, AI, people, timers, end).
import { validateDefinition } from '@flowdesk/schema';
import { readdirSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTemplates, kindCounts, parseReadme, workflowTemplates } from './templates.ts';

const templatesDir = resolve(__dirname, '../../../templates');
const folders = readdirSync(templatesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(resolve(templatesDir, d.name, 'workflow.json')))
  .map((d) => d.name)
  .sort();

describe('templates/', () => {
  it('bundles every templates/*/workflow.json', () => {
    expect(folders.length).toBeGreaterThanOrEqual(4);
    expect(workflowTemplates.map((t) => t.id).sort()).toEqual(folders);
  });

  describe.each(folders)('%s', (folder) => {
    const t = () => workflowTemplates.find((x) => x.id === folder)!;
    it('passes validateDefinition with no errors and no warnings', () => {
      const result = validateDefinition(t().definition);
      expect(result.errors).toEqual([]);
      expect(result.warnings).toEqual([]);
    });
    it('has a key equal to its folder name, a name and a description', () => {
      expect(t().definition.key).toBe(folder);
      expect(t().definition.name.length).toBeGreaterThan(3);
      expect(t().definition.description?.length).toBeGreaterThan(20);
    });
    it('has a README with a title, an industry and a one-line summary', () => {
      expect(t().title).not.toBe('');
      expect(t().industry).not.toBe('');
      expect(t().summary.length).toBeGreaterThan(20);
    });
    it('uses rules, AI, people, timers and ends', () => {
      const def = t().definition;
      const kinds = new Set(def.nodes.map((n) => n.kind));
      expect(kinds.has('trigger')).toBe(true);
      expect(kinds.has('rule')).toBe(true);
      expect([...kinds].some((k) => k.startsWith('ai.'))).toBe(true);
      expect(kinds.has('task') || kinds.has('approval')).toBe(true);
      expect(kinds.has('end')).toBe(true);
      const timers = def.nodes.some((n) => n.kind === 'wait' || ((n.params as { escalations?: unknown[] }).escalations?.length ?? 0) > 0);
      expect(timers).toBe(true);
    });
  });
});

describe('parseReadme', () => {
  it('reads the title, the industry and the first paragraph, and stops at the first section', () => {
    expect(parseReadme('# Refunds\n\n**Industry:** E-commerce\n\nSorts refunds.\nMore.\n\n## How\n\nNot this.')).toEqual({ title: 'Refunds', industry: 'E-commerce', summary: 'Sorts refunds.' });
    expect(parseReadme('')).toEqual({ title: null, industry: null, summary: null });
  });
});

describe('buildTemplates', () => {
  it('falls back to the definition when a README is missing, and sorts by title', () => {
    const def = (key: string, name: string) => ({ schemaVersion: 1 as const, key, name, description: `${name} description`, nodes: [], edges: [] });
    const list = buildTemplates(
      { '../../../templates/b/workflow.json': def('b', 'Beta'), '../../../templates/a/workflow.json': def('a', 'Zed') },
      { '../../../templates/a/README.md': '# Alpha\n\n**Industry:** Tests\n\nThe first one.' },
    );
    expect(list.map((t) => [t.id, t.title, t.industry, t.summary])).toEqual([
      ['a', 'Alpha', 'Tests', 'The first one.'],
      ['b', 'Beta', '', 'Beta description'],
    ]);
  });
  it('counts kinds in catalog order', () => {
    const def = workflowTemplates[0]!.definition;
    const counts = kindCounts(def);
    expect(counts[0]!.kind).toBe('trigger');
    expect(counts.reduce((n, c) => n + c.count, 0)).toBe(def.nodes.length);
  });
});
