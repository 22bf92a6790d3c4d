// The provider interface, one method per AI task, and the registry that picks a provider by name.
// Every result carries the output, a confidence in 0..1, a short human-readable explanation, the
// provider and model that produced it, the latency, and token/cost accounting (null for local models).

export type AiTaskName = 'classify' | 'sentiment' | 'assign' | 'recommend' | 'draft';

export interface AiResult<T> {
  output: T;
  confidence: number;
  explanation: string;
  provider: string;
  model: string | null;
  latencyMs: number;
  tokens: { input: number; output: number } | null;
  costUsd: number | null;
  /**
   * Set when another provider answered because this one failed or its answer was rejected by
   * validation (`provider`/`model` then name the provider that did answer; tokens/cost are what the
   * failed provider spent).
   */
  fallback?: { from: string; model: string | null; reason: string; attempts: number };
  /** HTTP attempts of an LLM provider (retries included). */
  attempts?: number;
  /** Safety notes, e.g. a suspected prompt injection in the ticket text (set by the runner). */
  warnings?: string[];
}

// ---- classify ----
export interface ClassifyInput {
  /** The ticket field the label is for (one model per organisation and field). */
  field: string;
  /** Allowed labels; empty/undefined = every label the model knows. */
  labels?: readonly string[];
}
export interface ClassifyOutput {
  field: string;
  label: string;
  alternatives: { label: string; probability: number }[];
}

// ---- sentiment ----
export type SentimentLabel = 'negative' | 'neutral' | 'positive';
export interface SentimentOutput {
  label: SentimentLabel;
  /** Signed polarity in -1..1 (negative..positive). */
  polarity: number;
  urgency: { score: number; level: 'low' | 'normal' | 'high' | 'critical'; cues: string[] };
  /** 'lexicon' when untrained, 'trained' when a model learned from labelled examples answered, 'llm' for an LLM provider. */
  method: 'lexicon' | 'trained' | 'llm';
}

// ---- recommend ----
export interface KbArticle {
  id: string;
  title: string;
  body: string;
  language?: string;
}
export interface RecommendInput {
  topK: number;
}
export interface Passage {
  text: string;
  score: number;
}
export interface RecommendedArticle {
  id: string;
  title: string;
  score: number;
  passages: Passage[];
}
/** A resolved or closed ticket like this one, with the answer that resolved it. */
export interface SimilarTicket {
  id: string;
  /** The ticket's human number, when the caller knows it. */
  number: number | null;
  subject: string;
  /** The resolution: the last public agent/system message of that ticket (at most 1000 characters). */
  resolution: string;
  /** BM25+ score of the ticket's best passage for this query. */
  score: number;
}
export interface RecommendOutput {
  articles: RecommendedArticle[];
  /** Similar resolved tickets, when the provider holds an index of them (see ResolvedTicketIndex). */
  similarTickets?: SimilarTicket[];
}

// ---- draft ----
export interface DraftInput {
  /** Customer language (ISO 639-1, e.g. "de"); detected from the text when absent. */
  language?: string;
  customerName?: string;
  subject?: string;
  /** Articles already recommended for this ticket; the provider retrieves them itself when absent. */
  articles?: RecommendedArticle[];
}
export interface DraftOutput {
  /** null when the provider hands off to a human. */
  body: string | null;
  language: string;
  citations: { n: number; id: string; title: string }[];
  handoff: boolean;
}

// ---- assign ----
export interface AgentProfile {
  id: string;
  name?: string;
  skills: string[];
  openTickets: number;
  capacity: number;
  /** Whether the agent is at work now (the caller evaluates business hours / absence). */
  available: boolean;
  history?: Record<string, { resolved: number; total: number; avgHours: number }>;
}
export interface AssignInput {
  category: string | null;
  agents: readonly AgentProfile[];
  /** Round-robin cursor: the last agent id assigned, ties go to the next one after it. */
  cursor?: string | null;
}
export interface AssignOutput {
  agentId: string | null;
  ranking: { agentId: string; score: number; parts: Record<string, number> }[];
  excluded: { agentId: string; reason: string }[];
}

export interface AiProvider {
  readonly name: string;
  classify(text: string, input: ClassifyInput, signal?: AbortSignal): Promise<AiResult<ClassifyOutput>>;
  sentiment(text: string, signal?: AbortSignal): Promise<AiResult<SentimentOutput>>;
  recommend(text: string, input: RecommendInput, signal?: AbortSignal): Promise<AiResult<RecommendOutput>>;
  draft(text: string, input: DraftInput, signal?: AbortSignal): Promise<AiResult<DraftOutput>>;
  assign(text: string, input: AssignInput, signal?: AbortSignal): Promise<AiResult<AssignOutput>>;
  /** The same provider answering with another model (a node's `model` param); providers with one model omit it. */
  withModel?(model: string): AiProvider;
}

export class UnknownProviderError extends Error {}

/** Providers by name; `get()` with no (or an empty) name returns the default, 'local' unless changed. */
export class ProviderRegistry {
  private readonly providers = new Map<string, AiProvider>();
  private defaultName = 'local';

  register(provider: AiProvider, options: { default?: boolean } = {}): this {
    this.providers.set(provider.name, provider);
    if (options.default) this.defaultName = provider.name;
    return this;
  }

  setDefault(name: string): void {
    if (!this.providers.has(name)) throw new UnknownProviderError(`unknown AI provider "${name}" (registered: ${this.names().join(', ') || 'none'})`);
    this.defaultName = name;
  }

  get(name?: string | null): AiProvider {
    const key = name && name.trim() !== '' ? name : this.defaultName;
    const provider = this.providers.get(key);
    if (!provider) throw new UnknownProviderError(`unknown AI provider "${key}" (registered: ${this.names().join(', ') || 'none'})`);
    return provider;
  }

  has(name: string): boolean {
    return this.providers.has(name);
  }

  names(): string[] {
    return [...this.providers.keys()].sort();
  }
}

/** Wraps a computation into an AiResult with measured latency (local providers: no tokens, no cost). */
export async function timed<T>(
  provider: string,
  model: string | null,
  run: () => Promise<{ output: T; confidence: number; explanation: string }> | { output: T; confidence: number; explanation: string },
): Promise<AiResult<T>> {
  const started = performance.now();
  const r = await run();
  return {
    output: r.output,
    confidence: Math.min(1, Math.max(0, r.confidence)),
    explanation: r.explanation,
    provider,
    model,
    latencyMs: Math.round((performance.now() - started) * 1000) / 1000,
    tokens: null,
    costUsd: null,
  };
}
