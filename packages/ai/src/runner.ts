// Maps an `ai.run` effect of the engine onto a provider and the node's outcomes:
//   classify / sentiment: done | low_confidence       (confidence vs the node's threshold)
//   assign:               assigned | no_agent
//   recommend:            found | none
//   draft:                drafted | handoff            (send = autoSend policy allows it, see autoSendDecision)
// The output recorded for the node is the whole AiResult (output, confidence, explanation, provider,
// latency, tokens, cost), so the run history shows why the node went where it went.
//
// Ticket text is data: before any provider sees it, scanForInjection removes hidden HTML comments,
// fake tool-call JSON and sentences addressed to the AI. A ticket suspected of prompt injection never
// takes an automatic path: classify / sentiment leave by low_confidence (the label is kept as a
// suggestion for the agent), a draft is never sent, and the result carries `warnings`.
import type { AgentProfile, AiProvider, AiResult, ProviderRegistry, RecommendedArticle } from './provider.ts';
import { scanForInjection } from './safety/injection.ts';

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

/** The provider a node's params pick: `provider` (empty = the registry default) and `model`. */
export function selectProvider(registry: ProviderRegistry, params: Record<string, unknown>): AiProvider {
  const provider = registry.get(typeof params.provider === 'string' ? params.provider : null);
  const model = typeof params.model === 'string' ? params.model.trim() : '';
  return model && provider.withModel ? provider.withModel(model) : provider;
}

/** An ai.draft node's auto-send policy: `false`/absent = never; `true` = any category at the node threshold. */
export type AutoSendPolicy = boolean | { minConfidence: number; categories: string[] };

/**
 * Whether a draft may go out without a human. Never when: the policy is absent/false, the draft handed
 * off, its confidence is below the policy's minConfidence (and the node threshold), the ticket's category
 * is not listed ("*" lists all), the ticket is suspected of prompt injection, or the answering provider
 * replaced a rejected LLM answer (fallback).
 */
export function autoSendDecision(policy: unknown, draft: AiResult<{ handoff: boolean; body: string | null }>, context: { threshold: number; category?: string | null; suspected: boolean }): { send: boolean; why: string } {
  if (policy !== true && (typeof policy !== 'object' || policy === null)) return { send: false, why: 'no auto-send policy' };
  if (draft.output.handoff || !draft.output.body) return { send: false, why: 'handed off' };
  if (context.suspected) return { send: false, why: 'possible prompt injection in the ticket' };
  if (draft.fallback) return { send: false, why: `the ${draft.fallback.from} answer was rejected (fallback)` };
  const minConfidence = policy === true ? context.threshold : Math.max(context.threshold, Number((policy as { minConfidence?: unknown }).minConfidence ?? 1));
  if (!(draft.confidence >= minConfidence)) return { send: false, why: `confidence ${draft.confidence.toFixed(2)} below ${minConfidence}` };
  if (policy !== true) {
    const categories = Array.isArray((policy as { categories?: unknown }).categories) ? ((policy as { categories: unknown[] }).categories.filter((c) => typeof c === 'string') as string[]) : [];
    const category = context.category?.trim().toLowerCase() ?? '';
    const listed = categories.some((c) => c === '*' || (category !== '' && c.trim().toLowerCase() === category));
    if (!listed) return { send: false, why: category ? `category "${context.category}" is not allowed to auto-send` : 'the ticket has no category' };
  }
  return { send: true, why: 'auto-send policy allows it' };
}

export async function runAiTask(registry: ProviderRegistry, request: AiTaskRequest, ticket: AiTicketInput, signal?: AbortSignal): Promise<AiTaskOutcome> {
  const p = request.params;
  const provider = selectProvider(registry, p);
  const threshold = typeof p.threshold === 'number' ? p.threshold : DEFAULT_THRESHOLDS[request.task];
  const subject = ticket.subject ? scanForInjection(ticket.subject) : null;
  const body = scanForInjection(ticket.text);
  const suspected = body.suspected || Boolean(subject?.suspected);
  const cues = [...new Set([...(subject?.cues ?? []), ...body.cues])];
  const warnings = suspected ? [`possible prompt injection: ${cues.join('; ')}; the ticket text was treated as data and the step routed to a human`] : [];
  const annotate = <T>(r: AiResult<T>): AiResult<T> => (warnings.length ? { ...r, warnings: [...(r.warnings ?? []), ...warnings] } : r);
  const text = [subject?.cleaned, body.cleaned].filter(Boolean).join('\n');
  switch (request.task) {
    case 'classify': {
      const labels = Array.isArray(p.labels) && p.labels.length > 0 ? (p.labels as string[]) : undefined;
      const r = annotate(await provider.classify(text, { field: typeof p.field === 'string' ? p.field : 'category', labels }, signal));
      return { outcome: r.confidence >= threshold && !suspected ? 'done' : 'low_confidence', output: r };
    }
    case 'sentiment': {
      const r = annotate(await provider.sentiment(text, signal));
      return { outcome: r.confidence >= threshold && !suspected ? 'done' : 'low_confidence', output: r };
    }
    case 'recommend': {
      const topK = typeof p.topK === 'number' ? p.topK : 3;
      const r = annotate(await provider.recommend(text, { topK }, signal));
      return { outcome: r.output.articles.length > 0 && r.confidence >= threshold ? 'found' : 'none', output: r };
    }
    case 'draft': {
      const r = annotate(await provider.draft(body.cleaned, { language: ticket.language, customerName: ticket.customerName, subject: subject?.cleaned ?? ticket.subject, articles: ticket.articles }, signal));
      const drafted = !r.output.handoff && r.confidence >= threshold;
      const decision = autoSendDecision(p.autoSend, r, { threshold, category: ticket.category ?? null, suspected });
      const send = drafted && decision.send;
      return { outcome: drafted ? 'drafted' : 'handoff', output: { ...r, send, ...(drafted && !send && Boolean(p.autoSend) && { explanation: `${r.explanation} Not sent automatically: ${decision.why}.` }) } };
    }
    case 'assign': {
      const r = annotate(await provider.assign(text, { category: ticket.category ?? null, agents: ticket.agents ?? [], cursor: ticket.cursor ?? null }, signal));
      return { outcome: r.output.agentId && r.confidence >= threshold ? 'assigned' : 'no_agent', output: r };
    }
  }
}
