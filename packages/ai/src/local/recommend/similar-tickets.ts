// "Similar resolved tickets": the organisation's resolved/closed tickets indexed with the same ranking
// class as the knowledge base (KnowledgeBase: MiniSearch BM25+, stop words, Porter stemming, mild fuzzy
// matching). A ticket is one document: title = its subject, body = the customer's problem text followed
// by its resolution (the last public agent reply), so a new ticket matches on how customers describe the
// problem as well as on the words of the answer. The answer returned is the resolution text.
import type { SimilarTicket } from '../../provider.ts';
import { KnowledgeBase, type KnowledgeBaseOptions } from './knowledge-base.ts';

export interface ResolvedTicket {
  id: string;
  number?: number | null;
  subject: string;
  /** What the customer wrote (ticket body); may be empty. */
  problem: string;
  /** The resolution text (last public reply of an agent). */
  resolution: string;
}

export interface SimilarTicketsResult {
  tickets: SimilarTicket[];
  /** Coverage confidence of the best ticket (0 when none), as for KB articles. */
  confidence: number;
}

const RESOLUTION_CHARS = 1000;

export class ResolvedTicketIndex {
  private readonly kb: KnowledgeBase;
  private readonly byId = new Map<string, ResolvedTicket>();

  constructor(tickets: readonly ResolvedTicket[], options: Partial<KnowledgeBaseOptions> = {}) {
    // One passage per paragraph as for articles; a ticket ranks by its best passage.
    this.kb = new KnowledgeBase([], { passagesPerArticle: 1, ...options });
    this.kb.add(tickets.map((t) => ({ id: t.id, title: t.subject, body: [t.problem, t.resolution].filter((x) => x.trim() !== '').join('\n\n') })));
    for (const t of tickets) this.byId.set(t.id, t);
  }

  get size(): number {
    return this.byId.size;
  }

  /**
   * The top-k tickets for `text`, never those in `exclude` (the ticket being worked on). Nothing when the
   * best ticket covers less than the KB's minimum confidence (0.3) of the query's informative terms.
   */
  search(text: string, topK: number, exclude: readonly string[] = []): SimilarTicketsResult {
    const r = this.kb.search(text, topK, this.kb.options.minConfidence, new Set(exclude));
    const tickets: SimilarTicket[] = [];
    for (const a of r.articles) {
      const t = this.byId.get(a.id);
      if (!t) continue;
      const resolution = t.resolution.length > RESOLUTION_CHARS ? `${t.resolution.slice(0, RESOLUTION_CHARS - 1)}…` : t.resolution;
      tickets.push({ id: t.id, number: t.number ?? null, subject: t.subject, resolution, score: a.score });
    }
    return { tickets, confidence: tickets.length ? r.confidence : 0 };
  }
}
