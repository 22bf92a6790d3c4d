// Knowledge-base retrieval: articles are split into passages (paragraphs, long ones into windows of a
// few sentences) and indexed with MiniSearch, whose ranking is BM25+ (k1 1.2, b 0.7, d 0.5), over title
// and passage text, with English stop words removed and Porter stemming (the `stemmer` package), plus
// mild fuzzy matching for typos in longer words. Articles are ranked by their best passage.
// Confidence is the idf-weighted share of the ticket's informative terms the best passage matches, so a
// ticket about something the KB never mentions gets a low confidence and the node answers `none`.
import MiniSearch from 'minisearch';
import { stemmer } from 'stemmer';
import type { KbArticle, RecommendedArticle } from '../../provider.ts';

export interface KnowledgeBaseOptions {
  /** Sentences per passage when a paragraph is long. */
  passageSentences: number;
  titleBoost: number;
  /** Below this confidence, search() returns no article. */
  minConfidence: number;
  /** Passages of an article shown at most. */
  passagesPerArticle: number;
}

export const DEFAULT_KB_OPTIONS: KnowledgeBaseOptions = { passageSentences: 3, titleBoost: 2, minConfidence: 0.3, passagesPerArticle: 2 };

// A compact English stop-word list (articles, pronouns, auxiliaries, help-desk pleasantries).
const STOP = new Set(
  `a an the and or but if then else of to in on at by for with about from into over after before up down out off
  is are was were be been being am do does did doing have has had having can could would should will shall may might must
  i me my mine myself we us our ours you your yours he him his she her hers it its they them their theirs this that these those
  what which who whom whose when where why how there here not no nor so than too very just also only own same such both each
  few more most other some any all again further once as until while because through during above below between
  hi hello hey dear thanks thank please regards cheers kind best team help get got im ive dont cant`.split(/\s+/),
);

/** Tokens for indexing and querying: lower-case words, stop words dropped, Porter-stemmed. */
export function analyze(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (STOP.has(raw) || raw.length < 2) continue;
    out.push(stemmer(raw));
  }
  return out;
}

interface PassageDoc {
  id: string;
  articleId: string;
  title: string;
  text: string;
}

/** Paragraphs; paragraphs longer than `sentences` sentences become consecutive windows of that many. */
export function splitPassages(body: string, sentences: number): string[] {
  const paragraphs = body
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  const out: string[] = [];
  for (const p of paragraphs) {
    const parts = p.match(/[^.!?]+(?:[.!?]+|$)/g)?.map((s) => s.trim()).filter(Boolean) ?? [p];
    for (let i = 0; i < parts.length; i += sentences) out.push(parts.slice(i, i + sentences).join(' '));
  }
  return out;
}

export interface KbSearchResult {
  articles: RecommendedArticle[];
  /** Confidence of the best article (0 when none). */
  confidence: number;
  /** Query terms (stems) the best passage matched. */
  matchedTerms: string[];
}

export class KnowledgeBase {
  readonly options: KnowledgeBaseOptions;
  private readonly index: MiniSearch<PassageDoc>;
  private readonly df = new Map<string, number>();
  private readonly titles = new Map<string, string>();
  private passageCount = 0;

  constructor(articles: readonly KbArticle[], options: Partial<KnowledgeBaseOptions> = {}) {
    this.options = { ...DEFAULT_KB_OPTIONS, ...options };
    this.index = new MiniSearch<PassageDoc>({
      fields: ['title', 'text'],
      storeFields: ['articleId', 'title', 'text'],
      tokenize: (text) => text.match(/[\p{L}\p{N}]+/gu) ?? [],
      processTerm: (term) => {
        const t = term.toLowerCase();
        return STOP.has(t) || t.length < 2 ? null : stemmer(t);
      },
    });
    this.add(articles);
  }

  get size(): number {
    return this.titles.size;
  }

  add(articles: readonly KbArticle[]): void {
    const docs: PassageDoc[] = [];
    for (const a of articles) {
      if (this.titles.has(a.id)) throw new Error(`duplicate knowledge-base article id "${a.id}"`);
      this.titles.set(a.id, a.title);
      const passages = splitPassages(a.body, this.options.passageSentences);
      (passages.length ? passages : ['']).forEach((text, k) => {
        docs.push({ id: `${a.id}#${k}`, articleId: a.id, title: a.title, text });
        for (const term of new Set(analyze(`${a.title} ${text}`))) this.df.set(term, (this.df.get(term) ?? 0) + 1);
      });
    }
    this.passageCount += docs.length;
    this.index.addAll(docs);
  }

  private idf(term: string): number {
    const n = this.df.get(term) ?? 0;
    return Math.log(1 + (this.passageCount - n + 0.5) / (n + 0.5));
  }

  /** `exclude`: article ids never returned (and not counted as the best match), e.g. the ticket itself. */
  search(query: string, topK = 3, minConfidence = this.options.minConfidence, exclude?: ReadonlySet<string>): KbSearchResult {
    const terms = [...new Set(analyze(query))];
    if (terms.length === 0 || this.passageCount === 0) return { articles: [], confidence: 0, matchedTerms: [] };
    const all = this.index.search(query.normalize('NFKC'), {
      boost: { title: this.options.titleBoost },
      combineWith: 'OR',
      fuzzy: (term) => (term.length > 5 ? 0.2 : false),
      weights: { fuzzy: 0.4, prefix: 0.3 },
    });
    const hits = exclude && exclude.size > 0 ? all.filter((h) => !exclude.has(h.articleId as string)) : all;
    const byArticle = new Map<string, RecommendedArticle>();
    for (const hit of hits) {
      const articleId = hit.articleId as string;
      const entry = byArticle.get(articleId);
      if (!entry) {
        if (byArticle.size >= topK) continue;
        byArticle.set(articleId, { id: articleId, title: hit.title as string, score: round(hit.score), passages: [{ text: hit.text as string, score: round(hit.score) }] });
      } else if (entry.passages.length < this.options.passagesPerArticle && hit.score >= entry.score * 0.5) {
        entry.passages.push({ text: hit.text as string, score: round(hit.score) });
      }
    }
    const best = hits[0];
    if (!best) return { articles: [], confidence: 0, matchedTerms: [] };
    // Coverage: idf mass of the query terms the best passage matched over the idf mass of all query terms.
    // Terms the KB never uses count half (they may be noise like names, or a topic the KB lacks).
    const matched = new Set(Object.keys(best.match).map((t) => t.toLowerCase()));
    const matchedQuery = new Set(best.queryTerms);
    const maxIdf = Math.log(1 + (this.passageCount + 0.5) / 0.5);
    let total = 0;
    let got = 0;
    for (const t of terms) {
      const known = this.df.has(t);
      const w = known ? this.idf(t) : 0.5 * maxIdf;
      total += w;
      if (matchedQuery.has(t)) got += w;
    }
    const confidence = total > 0 ? Math.min(1, got / total) : 0;
    if (confidence < minConfidence) return { articles: [], confidence, matchedTerms: [...matched] };
    return { articles: [...byArticle.values()], confidence, matchedTerms: [...matched] };
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;
