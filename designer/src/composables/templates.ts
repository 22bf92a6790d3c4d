// The workflow templates shipped in the repository (templates/<name>/workflow.json and README.md), bundled
// into the designer at build time with import.meta.glob: the gallery needs no server route.
import type { NodeKind, WorkflowDefinition } from '@flowdesk/schema';

export interface WorkflowTemplate {
  /** The folder name under templates/. */
  id: string;
  title: string;
  industry: string;
  /** The one-line summary from the README. */
  summary: string;
  readme: string;
  definition: WorkflowDefinition;
  /** Kinds used, in catalog-ish order, with how often. */
  kinds: { kind: NodeKind; count: number }[];
}

const definitions = import.meta.glob<WorkflowDefinition>('../../../templates/*/workflow.json', { eager: true, import: 'default' });
const readmes = import.meta.glob<string>('../../../templates/*/README.md', { eager: true, query: '?raw', import: 'default' });

const folderOf = (path: string): string => path.split('/').at(-2) ?? path;

/** Title (first "# " line), industry ("**Industry:** …") and summary (first plain paragraph) of a template README. */
export function parseReadme(text: string): { title: string | null; industry: string | null; summary: string | null } {
  let title: string | null = null;
  let industry: string | null = null;
  let summary: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('## ')) break;
    if (!title && line.startsWith('# ')) title = line.slice(2).trim();
    else if (!industry && /^\*\*Industry:\*\*/i.test(line)) industry = line.replace(/^\*\*Industry:\*\*\s*/i, '').trim();
    else if (!summary && !line.startsWith('#')) summary = line;
  }
  return { title, industry, summary };
}

const KIND_ORDER: NodeKind[] = ['trigger', 'rule', 'ai.classify', 'ai.sentiment', 'ai.assign', 'ai.recommend', 'ai.draft', 'task', 'approval', 'action', 'wait', 'end'];

export function kindCounts(definition: WorkflowDefinition): { kind: NodeKind; count: number }[] {
  const counts = new Map<NodeKind, number>();
  for (const n of definition.nodes) counts.set(n.kind, (counts.get(n.kind) ?? 0) + 1);
  return KIND_ORDER.filter((k) => counts.has(k)).map((kind) => ({ kind, count: counts.get(kind)! }));
}

/** Builds the gallery entries from the globbed files (exported for tests with other inputs). */
export function buildTemplates(defs: Record<string, WorkflowDefinition>, docs: Record<string, string>): WorkflowTemplate[] {
  const readmeByFolder = new Map(Object.entries(docs).map(([path, text]) => [folderOf(path), text]));
  return Object.entries(defs)
    .map(([path, definition]) => {
      const id = folderOf(path);
      const readme = readmeByFolder.get(id) ?? '';
      const meta = parseReadme(readme);
      return {
        id,
        title: meta.title ?? definition.name,
        industry: meta.industry ?? '',
        summary: meta.summary ?? definition.description ?? '',
        readme,
        definition,
        kinds: kindCounts(definition),
      };
    })
    .sort((a, b) => a.title.localeCompare(b.title));
}

export const workflowTemplates: WorkflowTemplate[] = buildTemplates(definitions, readmes);
