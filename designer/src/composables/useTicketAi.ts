// What the AI nodes of a ticket's runs found, read from the runs' history: each AI node answers with an
// `effect.result` whose output is the whole AiResult (packages/ai: output, confidence, explanation,
// provider…). The kind of answer is recognised by its output's shape (label + alternatives, polarity +
// urgency, body + citations, articles, agentId + ranking), so the panel needs no workflow definition.
import type { HistoryEntry } from '../api/client.ts';

interface AiResultLike {
  output?: Record<string, unknown>;
  confidence?: number;
  explanation?: string;
  provider?: string;
  model?: string | null;
}

export type AiInsight =
  | { kind: 'classify'; field: string; label: string; alternatives: { label: string; probability: number }[] }
  | { kind: 'sentiment'; label: string; polarity: number; urgency: string | null }
  | { kind: 'draft'; body: string | null; handoff: boolean; citations: { n: number; id: string; title: string }[] }
  | { kind: 'recommend'; articles: { id: string; title: string; score: number }[] }
  | { kind: 'assign'; agentId: string | null };

export interface AiFinding {
  runId: string;
  nodeId: string;
  at: string;
  confidence: number | null;
  explanation: string;
  provider: string;
  insight: AiInsight;
}

function recognise(output: Record<string, unknown>): AiInsight | null {
  if (typeof output.label === 'string' && Array.isArray(output.alternatives)) {
    return { kind: 'classify', field: String(output.field ?? ''), label: output.label, alternatives: output.alternatives as { label: string; probability: number }[] };
  }
  if (typeof output.polarity === 'number' && typeof output.label === 'string') {
    const urgency = (output.urgency as { level?: string } | undefined)?.level ?? null;
    return { kind: 'sentiment', label: output.label, polarity: output.polarity, urgency };
  }
  if ('body' in output && Array.isArray(output.citations)) {
    return { kind: 'draft', body: typeof output.body === 'string' ? output.body : null, handoff: output.handoff === true, citations: output.citations as { n: number; id: string; title: string }[] };
  }
  if (Array.isArray(output.articles)) {
    return { kind: 'recommend', articles: (output.articles as { id: string; title: string; score: number }[]).map((a) => ({ id: a.id, title: a.title, score: a.score })) };
  }
  if ('agentId' in output && Array.isArray(output.ranking)) return { kind: 'assign', agentId: typeof output.agentId === 'string' ? output.agentId : null };
  return null;
}

/** The latest finding per (run, AI node), in the order the nodes answered. */
export function aiFindings(runs: { runId: string; history: HistoryEntry[] }[]): AiFinding[] {
  const found = new Map<string, AiFinding>();
  for (const { runId, history } of runs) {
    for (const entry of history) {
      const event = entry.event as { type: string; nodeId?: string; output?: unknown };
      if (event.type !== 'effect.result' || !event.nodeId || !event.output || typeof event.output !== 'object') continue;
      const result = event.output as AiResultLike;
      if (!result.output || typeof result.output !== 'object') continue;
      const insight = recognise(result.output);
      if (!insight) continue;
      const key = `${runId}:${event.nodeId}`;
      found.delete(key);
      found.set(key, {
        runId,
        nodeId: event.nodeId,
        at: entry.at,
        confidence: typeof result.confidence === 'number' ? result.confidence : null,
        explanation: result.explanation ?? '',
        provider: [result.provider, result.model].filter(Boolean).join(' · '),
        insight,
      });
    }
  }
  return [...found.values()];
}
