// Text -> sparse TF-IDF features. Word 1-2-grams plus character 2-5-grams taken inside word boundaries
// (each word padded with a space, like scikit-learn's `char_wb`), sublinear tf (1 + ln tf), smoothed idf,
// each block L2-normalised. The vocabulary keeps n-grams seen in at least `minDf` training texts.

export interface FeatureOptions {
  wordNgrams: [number, number];
  charNgrams: [number, number];
  /** Keep features that occur in at least this many training documents. */
  minDf: number;
  /** Relative weight of the character block against the word block (both L2-normalised first). */
  charWeight: number;
}

export const DEFAULT_FEATURES: FeatureOptions = { wordNgrams: [1, 2], charNgrams: [2, 5], minDf: 2, charWeight: 1 };

/** A sparse vector: parallel arrays of feature index and value (each index at most once, any order). */
export interface SparseVector {
  idx: Int32Array;
  val: Float32Array;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;

/** Lower-cases, folds compatibility characters and splits into word tokens (letters/digits, inner apostrophes kept). */
export function tokenize(text: string): string[] {
  const normal = text.normalize('NFKC').toLowerCase().replace(/[’]/g, "'");
  return normal.match(WORD) ?? [];
}

/** Calls `emit(kind, ngram)` for every word n-gram (kind 0) and word-bounded char n-gram (kind 1) of a text. */
export function forEachNgram(text: string, options: FeatureOptions, emit: (kind: 0 | 1, gram: string) => void): void {
  const tokens = tokenize(text);
  const [wMin, wMax] = options.wordNgrams;
  for (let n = wMin; n <= wMax; n++) {
    for (let i = 0; i + n <= tokens.length; i++) emit(0, n === 1 ? (tokens[i] as string) : tokens.slice(i, i + n).join(' '));
  }
  const [cMin, cMax] = options.charNgrams;
  if (cMax <= 0) return;
  for (const token of tokens) {
    const padded = ` ${token} `;
    for (let n = cMin; n <= Math.min(cMax, padded.length); n++) {
      for (let i = 0; i + n <= padded.length; i++) emit(1, padded.slice(i, i + n));
    }
  }
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 16777619;

/** 32-bit FNV-1a of an n-gram's UTF-16 code units, seeded by its kind (0 word, 1 char). */
export function hashNgram(kind: 0 | 1, gram: string): number {
  let h = FNV_OFFSET ^ kind;
  for (let i = 0; i < gram.length; i++) h = Math.imul(h ^ gram.charCodeAt(i), FNV_PRIME);
  return h;
}

/**
 * The same n-grams as forEachNgram, emitted as hashNgram() values computed incrementally, without
 * building a string per n-gram: this is the hot path of prediction (hundreds of n-grams per ticket).
 */
export function forEachNgramHash(text: string, options: FeatureOptions, emit: (kind: 0 | 1, hash: number) => void): void {
  const tokens = tokenize(text);
  const [wMin, wMax] = options.wordNgrams;
  for (let i = 0; i < tokens.length; i++) {
    let h = FNV_OFFSET ^ 0;
    for (let n = 1; n <= wMax && i + n <= tokens.length; n++) {
      if (n > 1) h = Math.imul(h ^ 32, FNV_PRIME);
      const t = tokens[i + n - 1] as string;
      for (let k = 0; k < t.length; k++) h = Math.imul(h ^ t.charCodeAt(k), FNV_PRIME);
      if (n >= wMin) emit(0, h);
    }
  }
  const [cMin, cMax] = options.charNgrams;
  if (cMax <= 0) return;
  for (const token of tokens) {
    const len = token.length + 2; // padded with a space on both sides
    const code = (i: number) => (i === 0 || i === len - 1 ? 32 : token.charCodeAt(i - 1));
    for (let i = 0; i < len; i++) {
      let h = FNV_OFFSET ^ 1;
      for (let n = 1; n <= cMax && i + n <= len; n++) {
        h = Math.imul(h ^ code(i + n - 1), FNV_PRIME);
        if (n >= cMin) emit(1, h);
      }
    }
  }
}

/** A fitted vectoriser: vocabularies (n-gram -> column) and idf per column. */
export class TfidfVectorizer {
  readonly options: FeatureOptions;
  private readonly words = new Map<string, number>();
  private readonly chars = new Map<string, number>();
  /** n-gram hash -> column, per kind (on a rare hash collision the first n-gram keeps the slot). */
  private readonly hashed = [new Map<number, number>(), new Map<number, number>()] as const;
  readonly idf: Float32Array;
  /** Columns [0, wordCount) are word n-grams, the rest character n-grams. */
  readonly wordCount: number;
  private readonly counts = new Map<number, number>();

  /** `terms` in column order: word n-grams first (`wordCount` of them), then char n-grams. */
  constructor(options: FeatureOptions, terms: readonly string[], idf: Float32Array, wordCount: number) {
    this.options = options;
    terms.forEach((t, i) => {
      const kind = i < wordCount ? 0 : 1;
      (kind === 0 ? this.words : this.chars).set(t, i);
      const h = hashNgram(kind, t);
      if (!this.hashed[kind].has(h)) this.hashed[kind].set(h, i);
    });
    this.idf = idf;
    this.wordCount = wordCount;
  }

  get size(): number {
    return this.idf.length;
  }

  /** The n-grams in column order (for serialisation; none contains a newline). */
  terms(): string[] {
    const out = new Array<string>(this.idf.length);
    for (const [term, i] of this.words) out[i] = term;
    for (const [term, i] of this.chars) out[i] = term;
    return out;
  }

  static fit(texts: readonly string[], options: FeatureOptions = DEFAULT_FEATURES): TfidfVectorizer {
    const df = [new Map<string, number>(), new Map<string, number>()] as const;
    const seen = [new Set<string>(), new Set<string>()] as const;
    for (const text of texts) {
      seen[0].clear();
      seen[1].clear();
      forEachNgram(text, options, (kind, gram) => seen[kind].add(gram));
      for (const kind of [0, 1] as const) for (const gram of seen[kind]) df[kind].set(gram, (df[kind].get(gram) ?? 0) + 1);
    }
    const n = texts.length;
    const keep = (m: Map<string, number>) => [...m.entries()].filter(([, d]) => d >= options.minDf).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const words = keep(df[0]);
    const chars = keep(df[1]);
    const all = [...words, ...chars];
    const idf = Float32Array.from(all, ([, d]) => Math.log((1 + n) / (1 + d)) + 1);
    return new TfidfVectorizer(options, all.map(([t]) => t), idf, words.length);
  }

  /** TF-IDF vector of one text; the word and char blocks are L2-normalised separately, then weighted. */
  transform(text: string): SparseVector {
    const counts = this.counts;
    counts.clear();
    const [words, chars] = this.hashed;
    forEachNgramHash(text, this.options, (kind, hash) => {
      const col = (kind === 0 ? words : chars).get(hash);
      if (col !== undefined) counts.set(col, (counts.get(col) ?? 0) + 1);
    });
    const idx = new Int32Array(counts.size);
    const val = new Float32Array(counts.size);
    let k = 0;
    let wordNorm = 0;
    let charNorm = 0;
    for (const [col, tf] of counts) {
      const v = (1 + Math.log(tf)) * (this.idf[col] as number);
      idx[k] = col;
      val[k++] = v;
      if (col < this.wordCount) wordNorm += v * v;
      else charNorm += v * v;
    }
    const wordScale = wordNorm > 0 ? 1 / Math.sqrt(wordNorm) : 0;
    const charScale = charNorm > 0 ? this.options.charWeight / Math.sqrt(charNorm) : 0;
    for (let i = 0; i < k; i++) val[i] = (val[i] as number) * ((idx[i] as number) < this.wordCount ? wordScale : charScale);
    return { idx, val };
  }
}

/** Appends a dense block (e.g. a sentence embedding) after `offset`, scaled by `weight` (after L2 normalisation unless `normalize` is false). */
export function withDense(sparse: SparseVector, dense: ArrayLike<number>, offset: number, weight: number, normalize = true): SparseVector {
  let norm = 0;
  for (let i = 0; i < dense.length; i++) norm += (dense[i] as number) ** 2;
  const scale = !normalize ? weight : norm > 0 ? weight / Math.sqrt(norm) : 0;
  const idx = new Int32Array(sparse.idx.length + dense.length);
  const val = new Float32Array(sparse.val.length + dense.length);
  idx.set(sparse.idx);
  val.set(sparse.val);
  for (let i = 0; i < dense.length; i++) {
    idx[sparse.idx.length + i] = offset + i;
    val[sparse.val.length + i] = (dense[i] as number) * scale;
  }
  return { idx, val };
}
