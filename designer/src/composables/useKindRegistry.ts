// The designer's view of the node catalog: every kind of @flowdesk/schema with its category colour,
// icon and a one-line summary of its key params. Palette, canvas nodes and forms all read this.
import { formatDuration, nodeCatalog, nodeKinds, parseIsoDuration, type NodeCategory, type NodeKind, type NodeSpec, type WorkflowNode } from '@flowdesk/schema';

export interface CategoryStyle {
  label: string;
  color: string;
  soft: string;
}

export const categories: Record<NodeCategory, CategoryStyle> = {
  flow: { label: 'Flow', color: '#475569', soft: '#f1f5f9' },
  logic: { label: 'Logic', color: '#7c3aed', soft: '#f5f3ff' },
  ai: { label: 'AI', color: '#0891b2', soft: '#ecfeff' },
  human: { label: 'People', color: '#d97706', soft: '#fffbeb' },
  action: { label: 'Actions', color: '#059669', soft: '#ecfdf5' },
  time: { label: 'Time', color: '#db2777', soft: '#fdf2f8' },
};

/** 24x24 stroke icons (one path string each), drawn for this app. */
const icons: Record<NodeKind, string> = {
  trigger: 'M13 2 4 14h7l-1 8 9-12h-7z',
  rule: 'M6 3v6a3 3 0 0 0 3 3h6a3 3 0 0 1 3 3v6M6 21v-6M18 3v3',
  'ai.classify': 'M4 6h16M4 12h10M4 18h6M18 15l3 3-3 3',
  'ai.sentiment': 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM8 14s1.5 2 4 2 4-2 4-2M9 9h.01M15 9h.01',
  'ai.assign': 'M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM19 8v6M22 11h-6',
  'ai.recommend': 'M4 19.5A2.5 2.5 0 0 1 6.5 17H20V3H6.5A2.5 2.5 0 0 0 4 5.5zM9 8h7M9 12h5',
  'ai.draft': 'M12 20h9M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z',
  task: 'M9 11l3 3L22 4M21 12v7a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h11',
  approval: 'M7 10v12M15 5.9 14 10h5.8a2 2 0 0 1 2 2.3l-1.4 8a2 2 0 0 1-2 1.7H7V10l4-8a3 3 0 0 1 4 3.9z',
  action: 'M12 2v4M12 18v4M4.9 4.9l2.8 2.8M16.3 16.3l2.8 2.8M2 12h4M18 12h4M4.9 19.1l2.8-2.8M16.3 7.7l2.8-2.8',
  wait: 'M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 6v6l4 2',
  end: 'M4 22V4a1 1 0 0 1 1-1h13l-3 5 3 5H5',
  group: 'M3 7V5a2 2 0 0 1 2-2h2M17 3h2a2 2 0 0 1 2 2v2M21 17v2a2 2 0 0 1-2 2h-2M7 21H5a2 2 0 0 1-2-2v-2M8 8h8v8H8z',
};

type Summary = (params: never) => string;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const assigneeText = (a: { type: string; role?: string; team?: string; user?: string } | undefined): string =>
  !a ? '' : a.type === 'ai' ? 'AI picks' : `${a.type}: ${a.role ?? a.team ?? a.user ?? ''}`;

/** Key params of each kind, as one short line on the node card. */
const summaries: Record<NodeKind, Summary> = {
  trigger: (p: { event: string; conditions?: unknown }) => `on ${p.event}${p.conditions ? ' · with conditions' : ''}`,
  rule: (p: { rules: unknown[]; defaultOutcome: string }) => `${plural(p.rules?.length ?? 0, 'rule')} · else ${p.defaultOutcome}`,
  'ai.classify': (p: { field: string; threshold?: number }) => `field ${p.field}${p.threshold !== undefined ? ` · ≥ ${p.threshold}` : ''}`,
  'ai.sentiment': (p: { threshold?: number }) => (p.threshold !== undefined ? `confidence ≥ ${p.threshold}` : 'customer mood'),
  'ai.assign': (p: { team?: string }) => (p.team ? `team ${p.team}` : 'any team'),
  'ai.recommend': (p: { topK?: number }) => `top ${p.topK ?? 3} articles`,
  'ai.draft': (p: { autoSend?: boolean }) => (p.autoSend ? 'may auto-send' : 'agent reviews'),
  task: (p: { assignee?: { type: string }; actions?: unknown[] }) => `${assigneeText(p.assignee)} · ${plural(p.actions?.length ?? 0, 'action')}`,
  // An approver entry can be a role or a team (many people), so the vote count is not "n of entries".
  approval: (p: { approvers?: { type?: string; role?: string; team?: string; user?: string }[]; required?: number }) => {
    const votes = p.required ?? 1;
    const who = (p.approvers ?? []).map((a) => a.role ?? a.team ?? a.user ?? (a.type === 'ai' ? 'AI pick' : 'approver'));
    return `${votes} vote${votes === 1 ? '' : 's'}${who.length ? ` · ${[...new Set(who)].join(', ')}` : ''}`;
  },
  action: (p: { steps?: { type: string }[] }) => (p.steps?.length ? p.steps.map((s) => s.type).join(', ') : 'no steps yet'),
  wait: (p: { duration?: string; businessHours?: boolean; resumeOn?: string[] }) =>
    [p.duration && `for ${durationText(p.duration)}${p.businessHours ? ' in business hours' : ''}`, p.resumeOn?.length && `until ${p.resumeOn.join(', ')}`]
      .filter(Boolean)
      .join(' · ') || 'no way out',
  end: (p: { status: string }) => `ticket ${p.status}`,
  group: (p: { timeout?: string; cancelOn?: string[] }) =>
    [p.timeout && `timeout ${durationText(p.timeout)}`, p.cancelOn?.length && `cancel on ${p.cancelOn.join(', ')}`].filter(Boolean).join(' · ') || 'no boundary outcomes',
};

export function kindSpec(kind: NodeKind): NodeSpec {
  return nodeCatalog[kind] as unknown as NodeSpec;
}

export function kindStyle(kind: NodeKind): CategoryStyle & { icon: string; category: NodeCategory } {
  const spec = nodeCatalog[kind];
  return { ...categories[spec.category], icon: icons[kind], category: spec.category };
}

/** "PT2H" -> "2 hours"; text that is not a duration stays as it is. */
function durationText(iso: string): string {
  const ms = parseIsoDuration(iso);
  return ms === null ? iso : formatDuration(ms);
}

/** Escalation timers that count business hours, as a short suffix ("SLA 4 hours in business hours"). */
function escalationSuffix(params: unknown): string {
  const escalations = (params as { escalations?: { after?: string; businessHours?: boolean }[] } | null)?.escalations;
  const business = (escalations ?? []).filter((e) => e.businessHours === true && typeof e.after === 'string');
  if (business.length === 0) return '';
  return business.length === 1 ? ` · SLA ${durationText(business[0]!.after!)} in business hours` : ` · ${business.length} SLA timers in business hours`;
}

export function summarize(node: Pick<WorkflowNode, 'kind' | 'params'>): string {
  try {
    return (summaries[node.kind] as (p: unknown) => string)(node.params ?? {}) + escalationSuffix(node.params);
  } catch {
    return '';
  }
}

/** Palette groups in catalog order. */
export function paletteGroups(): { category: NodeCategory; style: CategoryStyle; kinds: NodeKind[] }[] {
  const order: NodeCategory[] = ['flow', 'logic', 'ai', 'human', 'action', 'time'];
  return order.map((category) => ({
    category,
    style: categories[category],
    kinds: nodeKinds.filter((k) => nodeCatalog[k].category === category),
  }));
}

export function useKindRegistry() {
  return { categories, kindSpec, kindStyle, summarize, paletteGroups, kinds: nodeKinds };
}
