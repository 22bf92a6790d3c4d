// Maps an `ai.run` effect of the engine onto a provider and the node's outcomes:
//   classify / sentiment: done | low_confidence       (confidence vs the node's threshold)
//   assign:               assigned | no_agent
//   recommend:            found | none
//   draft:                drafted | handoff            (send = autoSend policy AND drafted)
// The output recorded for the node is the whole AiResult (output, confidence, explanation, provider,
// latency, tokens, cost), so the run history shows why the node went where it went.
import type { AgentProfile, AiResult, ProviderRegistry, RecommendedArticle } from './provider.ts';

export interface AiTaskRequest {
  task: 'classify' | 'sentiment' | 'assign' | 'recommend' | 'draft';
  params: Record<string, unknown>;
}

/** What the runtime knows about the ticket, supplied at the boundary (the engine effect carries only params). */
export interface AiTicketInput {
  text: string;
  subject?: string;
  language?: string;
  customerName?: string;
  /** Predicted or set category, for assignment. */
  category?: string | null;
  agents?: AgentProfile[];
  cursor?: string | null;
  /** Articles recommended earlier in the run, for drafting. */
  articles?: RecommendedArticle[];
}

export const DEFAULT_THRESHOLDS = { classify: 0.5, sentiment: 0.5, recommend: 0.3, draft: 0.3, assign: 0 } as const;

export interface AiTaskOutcome {
  outcome: string;
  output: AiResult<unknown> & { send?: boolean };
}

export async function runAiTask(registry: ProviderRegistry, request: AiTaskRequest, ticket: AiTicketInput, signal?: AbortSignal): Promise<AiTaskOutcome> {
  const p = request.params;
  const provider = registry.get(typeof p.provider === 'string' ? p.provider : null);
  const threshold = typeof p.threshold === 'number' ? p.threshold : DEFAULT_THRESHOLDS[request.task];
  const text = [ticket.subject, ticket.text].filter(Boolean).join('\n');
  switch (request.task) {
    case 'classify': {
      const labels = Array.isArray(p.labels) ? (p.labels as string[]) : undefined;
      const r = await provider.classify(text, { field: typeof p.field === 'string' ? p.field : 'category', labels }, signal);
      return { outcome: r.confidence >= threshold ? 'done' : 'low_confidence', output: r };
    }
    case 'sentiment': {
      const r = await provider.sentiment(text, signal);
      return { outcome: r.confidence >= threshold ? 'done' : 'low_confidence', output: r };
    }
    case 'recommend': {
      const topK = typeof p.topK === 'number' ? p.topK : 3;
      const r = await provider.recommend(text, { topK }, signal);
      return { outcome: r.output.articles.length > 0 && r.confidence >= threshold ? 'found' : 'none', output: r };
    }
    case 'draft': {
      const r = await provider.draft(ticket.text, { language: ticket.language, customerName: ticket.customerName, subject: ticket.subject, articles: ticket.articles }, signal);
      const drafted = !r.output.handoff && r.confidence >= threshold;
      return { outcome: drafted ? 'drafted' : 'handoff', output: { ...r, send: drafted && p.autoSend === true } };
    }
    case 'assign': {
      const r = await provider.assign(text, { category: ticket.category ?? null, agents: ticket.agents ?? [], cursor: ticket.cursor ?? null }, signal);
      return { outcome: r.output.agentId && r.confidence >= threshold ? 'assigned' : 'no_agent', output: r };
    }
  }
}
