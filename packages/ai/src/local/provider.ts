// The default provider: offline, no key. Holds the organisation's trained classifiers (one per ticket
// field), an optional trained sentiment model (the lexicon otherwise), and the knowledge base.
import { timed } from '../provider.ts';
import type {
  AiProvider,
  AiResult,
  AssignInput,
  AssignOutput,
  ClassifyInput,
  ClassifyOutput,
  DraftInput,
  DraftOutput,
  RecommendInput,
  RecommendOutput,
  SentimentOutput,
} from '../provider.ts';
import { assignAgent } from './assign.ts';
import type { LocalClassifier } from './classifier/model.ts';
import { draftReply } from './draft.ts';
import { KnowledgeBase } from './recommend/knowledge-base.ts';
import type { ResolvedTicketIndex } from './recommend/similar-tickets.ts';
import { SentimentAnalyzer } from './sentiment/analyzer.ts';

export class MissingModelError extends Error {}

export interface LocalProviderOptions {
  /** Trained classifiers by ticket field (e.g. { category: model }). */
  classifiers?: Record<string, LocalClassifier>;
  sentiment?: SentimentAnalyzer;
  knowledgeBase?: KnowledgeBase;
}

/** Resolved tickets for "similar tickets" in recommend, and the ticket(s) never to return (the current one). */
export interface SimilarTicketsSource {
  index: ResolvedTicketIndex;
  exclude?: readonly string[];
}

export class LocalProvider implements AiProvider {
  readonly name = 'local';
  private readonly classifiers: Map<string, LocalClassifier>;
  private sentimentAnalyzer: SentimentAnalyzer;
  private kb: KnowledgeBase;
  private similar: SimilarTicketsSource | null = null;

  constructor(options: LocalProviderOptions = {}) {
    this.classifiers = new Map(Object.entries(options.classifiers ?? {}));
    this.sentimentAnalyzer = options.sentiment ?? new SentimentAnalyzer();
    this.kb = options.knowledgeBase ?? new KnowledgeBase([]);
  }

  setClassifier(field: string, model: LocalClassifier): void {
    this.classifiers.set(field, model);
  }
  classifier(field: string): LocalClassifier | undefined {
    return this.classifiers.get(field);
  }
  setSentiment(analyzer: SentimentAnalyzer): void {
    this.sentimentAnalyzer = analyzer;
  }
  setKnowledgeBase(kb: KnowledgeBase): void {
    this.kb = kb;
  }
  /** recommend then also answers the top similar resolved tickets (same topK), never `exclude`. */
  setSimilarTickets(source: SimilarTicketsSource | null): void {
    this.similar = source;
  }

  async classify(text: string, input: ClassifyInput): Promise<AiResult<ClassifyOutput>> {
    const model = this.classifiers.get(input.field);
    if (!model) throw new MissingModelError(`no local model is trained for field "${input.field}" (run \`flowdesk ai train\` or train from labelled tickets)`);
    return timed(this.name, `local-${model.mode}`, async () => {
      const p = await model.predict(text, input.labels);
      const alternatives = p.ranking.slice(1, 4).map((r) => `${r.label} ${r.probability.toFixed(2)}`);
      return {
        output: { field: input.field, label: p.label, alternatives: p.ranking.slice(1) },
        confidence: p.confidence,
        explanation: p.fromFeedback
          ? `"${p.label}": an agent labelled this exact text before.`
          : `"${p.label}" with calibrated probability ${p.confidence.toFixed(2)}${alternatives.length ? `; next: ${alternatives.join(', ')}` : ''}.`,
      };
    });
  }

  async sentiment(text: string): Promise<AiResult<SentimentOutput>> {
    return timed(this.name, this.sentimentAnalyzer.model ? `local-${this.sentimentAnalyzer.model.mode}` : 'afinn-165', () => this.sentimentAnalyzer.analyze(text));
  }

  async recommend(text: string, input: RecommendInput): Promise<AiResult<RecommendOutput>> {
    return timed<RecommendOutput>(this.name, 'bm25', () => {
      const r = this.kb.search(text, input.topK, 0);
      const found = r.confidence >= this.kb.options.minConfidence && r.articles.length > 0;
      const explanation = found
        ? `${r.articles.length} article(s); best "${r.articles[0]?.title}" matches ${Math.round(r.confidence * 100)}% of the ticket's key terms (${r.matchedTerms.slice(0, 6).join(', ')}).`
        : r.articles.length
          ? `Best match covers only ${Math.round(r.confidence * 100)}% of the ticket's key terms; not relevant enough.`
          : 'No knowledge-base article matches the ticket.';
      if (!this.similar) return { output: { articles: found ? r.articles : [] }, confidence: r.confidence, explanation };
      const similar = this.similar.index.search(text, input.topK, this.similar.exclude);
      const best = similar.tickets[0];
      return {
        output: { articles: found ? r.articles : [], similarTickets: similar.tickets },
        confidence: r.confidence,
        explanation: `${explanation} ${best ? `${similar.tickets.length} similar resolved ticket(s); best ${best.number !== null ? `#${best.number} ` : ''}"${best.subject}".` : 'No similar resolved ticket.'}`,
      };
    });
  }

  async draft(text: string, input: DraftInput): Promise<AiResult<DraftOutput>> {
    return timed(this.name, 'kb-template', () => {
      let articles = input.articles;
      let confidence = articles && articles.length ? 1 : 0;
      if (!articles) {
        const r = this.kb.search(`${input.subject ?? ''} ${text}`, 3);
        articles = r.articles;
        confidence = r.confidence;
      }
      return draftReply(text, articles, { language: input.language, customerName: input.customerName, confidence, minConfidence: this.kb.options.minConfidence });
    });
  }

  async assign(_text: string, input: AssignInput): Promise<AiResult<AssignOutput>> {
    return timed(this.name, 'scoring', () => assignAgent(input.agents, input.category, input.cursor));
  }
}
