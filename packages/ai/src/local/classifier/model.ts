// The trainable local text classifier: TF-IDF (word 1-2-grams + char 2-5-grams) -> multinomial logistic
// regression, ensembled with a one-vs-rest linear SVM, with temperature-scaled probabilities.
//   fast:     TF-IDF only (sub-millisecond per ticket).
//   accurate: TF-IDF concatenated with Universal Sentence Encoder lite embeddings (~10 ms per ticket).
// A stratified validation split carved from the training data fits the temperatures and is reported
// (accuracy, ECE); then, by default, the model is refitted on all the data with the same settings.
import { now, seededRandom, shuffleInPlace, stratifiedSplit } from '../../util.ts';
import { lexiconFeatures } from '../sentiment/lexicon.ts';
import { decodeBlob, dequantizeRows, encodeBlob, quantizeRows } from './blob.ts';
import { expectedCalibrationError, fitTemperature } from './calibration.ts';
import { embedMany, sentenceEncoder } from './embeddings.ts';
import { DEFAULT_FEATURES, TfidfVectorizer, tokenize, withDense } from './features.ts';
import type { FeatureOptions, SparseVector } from './features.ts';
import { linearScores, softmax, trainLinearSvm, trainSoftmax } from './linear.ts';
import type { LinearModel } from './linear.ts';

export const MODEL_FORMAT_VERSION = 1;
export type ClassifierMode = 'fast' | 'accurate';

export interface Example {
  text: string;
  label: string;
}

export interface TrainProgress {
  stage: 'features' | 'embed' | 'lr' | 'svm' | 'calibrate';
  /** True during the final refit on all examples (after calibration). */
  refit: boolean;
  /** LR epoch or SVM class or embedded texts so far, of `total`. */
  step: number;
  total: number;
  loss?: number;
  elapsedMs: number;
}

export interface TrainOptions {
  mode: ClassifierMode;
  seed: number;
  /** Fraction of each label held out to fit the temperatures (0 = no calibration). */
  validation: number;
  /** After calibrating, refit on all examples (train + validation). */
  refit: boolean;
  features: FeatureOptions;
  lr: { epochs: number; lambda: number; eta0: number };
  /** The linear SVM ensemble member; null = logistic regression only. */
  svm: { C: number; maxPasses: number; eps: number } | null;
  /** Weight of the (L2-normalised) sentence embedding block relative to the TF-IDF blocks. */
  embeddingWeight: number;
  /** Append AFINN lexicon features (for sentiment). */
  lexiconFeatures: boolean;
  /** Lexicon block weight. */
  lexiconWeight: number;
  /** Store weights as int8 (per-feature scale) when serialising: 4x smaller, same predictions in practice. */
  quantize: boolean;
  onProgress?: (p: TrainProgress) => void;
  /**
   * Sentence embeddings by text, reused and filled by accurate-mode training (the encoder is ~90% of its
   * cost). retrain() passes the instance's cache along, so a feedback retrain only embeds new texts.
   */
  embeddingCache?: Map<string, Float32Array>;
  /** Worker threads for the sentence encoder while training (default: one per core, at most 4). */
  embedThreads?: number;
}

export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  mode: 'fast',
  seed: 1,
  validation: 0.1,
  refit: true,
  features: DEFAULT_FEATURES,
  lr: { epochs: 12, lambda: 1e-5, eta0: 0.5 },
  svm: { C: 0.5, maxPasses: 30, eps: 0.1 },
  embeddingWeight: 1,
  lexiconFeatures: false,
  lexiconWeight: 1,
  quantize: true,
};

/**
 * Accurate mode spends most of its time in the sentence encoder, so it does not refit: it trains once on
 * 95% and calibrates on a 5% held-out slice (a single temperature needs only a few hundred examples).
 * The embedding block weighs twice a TF-IDF block and the SVM is less regularised (C = 2): both chosen on
 * the BANKING77 validation split (docs/ai.md, "Results").
 */
export const ACCURATE_DEFAULTS: Partial<TrainOptions> = {
  refit: false,
  validation: 0.05,
  embeddingWeight: 2,
  lr: { epochs: 10, lambda: 1e-5, eta0: 0.5 },
  svm: { C: 2, maxPasses: 20, eps: 0.1 },
};

export interface Prediction {
  label: string;
  confidence: number;
  /** Best labels with their calibrated probabilities, best first (at most 5). */
  ranking: { label: string; probability: number }[];
  /** True when the answer came from an agent's correction of the very same text. */
  fromFeedback: boolean;
}

export interface TrainReport {
  mode: ClassifierMode;
  examples: number;
  labels: number;
  features: number;
  validationExamples: number;
  validationAccuracy: number | null;
  /** Expected calibration error on the validation split, before and after temperature scaling. */
  eceBefore: number | null;
  eceAfter: number | null;
  temperature: number;
  embedMs: number;
  trainMs: number;
}

interface Temperatures {
  lr: number;
  svm: number;
  all: number;
}

/** Fewer held-out examples than this: temperatures are not allowed below 1. */
const MIN_SHARPENING_EXAMPLES = 200;

const normalizeKey = (text: string) => tokenize(text).join(' ');

export class LocalClassifier {
  private feedback: Example[] = [];
  private embeddingCache: Map<string, Float32Array> | undefined;
  private layout: Layout | undefined;
  private readonly scratch: { z: Float64Array; s: Float64Array; p: Float64Array };
  private readonly memory = new Map<string, string>();
  private constructor(
    readonly labels: string[],
    readonly options: Omit<TrainOptions, 'onProgress'>,
    private readonly vectorizer: TfidfVectorizer,
    private readonly lr: LinearModel,
    private readonly svm: LinearModel | null,
    private readonly temperatures: Temperatures,
    readonly report: TrainReport,
    /** The examples the model was trained on (kept in memory for retraining; not serialised). */
    private trainingExamples: Example[] = [],
  ) {
    const C = labels.length;
    this.scratch = { z: new Float64Array(C), s: new Float64Array(C), p: new Float64Array(C) };
  }

  get mode(): ClassifierMode {
    return this.options.mode;
  }

  static async train(examples: readonly Example[], partial: Partial<TrainOptions> = {}): Promise<LocalClassifier> {
    const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<TrainOptions>;
    const options: TrainOptions = { ...DEFAULT_TRAIN_OPTIONS, ...(partial.mode === 'accurate' ? ACCURATE_DEFAULTS : {}), ...defined };
    const clean = examples.filter((e) => e.text.trim() !== '' && e.label.trim() !== '');
    const labels = [...new Set(clean.map((e) => e.label))].sort();
    if (labels.length < 2) throw new Error(`a classifier needs at least 2 labels with examples (got ${labels.length})`);
    const started = now();
    let refitting = false;
    const progress = (p: Omit<TrainProgress, 'elapsedMs' | 'refit'>) => options.onProgress?.({ ...p, refit: refitting, elapsedMs: now() - started });

    // Sentence embeddings are computed once for every text and reused by the validation fit and the refit.
    let embedMs = 0;
    const embeddings = options.embeddingCache ?? new Map<string, Float32Array>();
    if (options.mode === 'accurate') {
      const t0 = now();
      const missing = [...new Set(clean.map((e) => e.text))].filter((t) => !embeddings.has(t));
      if (missing.length > 0) {
        const vectors = await embedMany(missing, {
          ...(options.embedThreads !== undefined && { threads: options.embedThreads }),
          onBatch: (done, total) => progress({ stage: 'embed', step: done, total }),
        });
        missing.forEach((t, i) => embeddings.set(t, vectors[i] as Float32Array));
      }
      embedMs = now() - t0;
    }

    const labelIndex = new Map(labels.map((l, i) => [l, i]));
    const fit = (rows: readonly Example[]) => {
      progress({ stage: 'features', step: 0, total: rows.length });
      const vectorizer = TfidfVectorizer.fit(
        rows.map((r) => r.text),
        { ...options.features, minDf: rows.length < 1000 ? 1 : options.features.minDf },
      );
      const layout = featureLayout(vectorizer, options);
      const X = rows.map((r) => vectorize(vectorizer, layout, r.text, embeddings.get(r.text) ?? null, options));
      const y = Int32Array.from(rows, (r) => labelIndex.get(r.label) as number);
      const lr = trainSoftmax(X, y, layout.dim, labels.length, {
        ...options.lr,
        seed: options.seed,
        onEpoch: (r) => progress({ stage: 'lr', step: r.epoch, total: r.epochs, loss: r.loss }),
      });
      const svm = options.svm
        ? trainLinearSvm(X, y, layout.dim, labels.length, {
            ...options.svm,
            seed: options.seed,
            onClass: (done, total) => progress({ stage: 'svm', step: done, total }),
          })
        : null;
      return { vectorizer, lr, svm };
    };

    const canValidate = options.validation > 0 && clean.length >= 20;
    const split = canValidate ? stratifiedSplit(clean, options.validation, options.seed) : { train: [...clean], validation: [] };
    let model = fit(split.train);
    const temperatures: Temperatures = { lr: 1, svm: 1, all: 1 };
    let validationAccuracy: number | null = null;
    let eceBefore: number | null = null;
    let eceAfter: number | null = null;
    if (split.validation.length > 0) {
      progress({ stage: 'calibrate', step: 0, total: split.validation.length });
      const layout = featureLayout(model.vectorizer, options);
      const X = split.validation.map((r) => vectorize(model.vectorizer, layout, r.text, embeddings.get(r.text) ?? null, options));
      const y = split.validation.map((r) => labelIndex.get(r.label) as number);
      const lrLogits = X.map((x) => linearScores(model.lr, x));
      const svmLogits = model.svm ? X.map((x) => linearScores(model.svm as LinearModel, x)) : null;
      // On a small held-out set (where every answer may be right) the NLL optimum sharpens without limit:
      // there, temperatures may only soften (T >= 1), never sharpen.
      const fitT = (logits: Float64Array[]) => {
        const T = fitTemperature(logits, y);
        return logits.length < MIN_SHARPENING_EXAMPLES ? Math.max(1, T) : T;
      };
      temperatures.lr = fitT(lrLogits);
      if (svmLogits) temperatures.svm = fitT(svmLogits);
      const combine = (tLr: number, tSvm: number) =>
        lrLogits.map((z, i) => z.map((v, c) => v / tLr + (svmLogits ? ((svmLogits[i] as Float64Array)[c] as number) / tSvm : 0)));
      const maxProb = (logits: Float64Array[], T: number) => logits.map((z) => Math.max(...softmax(z, T)));
      const combined = combine(temperatures.lr, temperatures.svm);
      const correct = combined.map((z, i) => argmax(z) === y[i]);
      eceBefore = expectedCalibrationError(maxProb(combine(1, 1), 1), correct);
      temperatures.all = fitT(combined);
      eceAfter = expectedCalibrationError(maxProb(combined, temperatures.all), correct);
      validationAccuracy = correct.filter(Boolean).length / correct.length;
      if (options.refit) {
        refitting = true;
        model = fit(clean);
      }
    }
    const { onProgress: _ignored, embeddingCache: _cache, embedThreads: _threads, ...stored } = options;
    const report: TrainReport = {
      mode: options.mode,
      examples: clean.length,
      labels: labels.length,
      features: model.vectorizer.size,
      validationExamples: split.validation.length,
      validationAccuracy,
      eceBefore,
      eceAfter,
      temperature: temperatures.all,
      embedMs,
      trainMs: now() - started,
    };
    const trained = new LocalClassifier(labels, stored, model.vectorizer, model.lr, model.svm, temperatures, report, [...clean]);
    if (options.mode === 'accurate') trained.embeddingCache = embeddings;
    return trained;
  }

  /** Calibrated class probabilities for a text, optionally restricted to `allowed` labels (renormalised). */
  async predict(text: string, allowed?: readonly string[]): Promise<Prediction> {
    const remembered = this.memory.get(normalizeKey(text));
    if (remembered !== undefined && (!allowed || allowed.length === 0 || allowed.includes(remembered))) {
      return { label: remembered, confidence: 1, ranking: [{ label: remembered, probability: 1 }], fromFeedback: true };
    }
    const embedding = this.options.mode === 'accurate' ? ((await (await sentenceEncoder()).embed([text]))[0] ?? null) : null;
    return this.predictWith(text, embedding, allowed);
  }

  /** The prediction of the weights alone, ignoring exact-text feedback (evaluating what the model learned). */
  async predictWeights(text: string, allowed?: readonly string[]): Promise<Prediction> {
    const embedding = this.options.mode === 'accurate' ? ((await (await sentenceEncoder()).embed([text]))[0] ?? null) : null;
    return this.predictWith(text, embedding, allowed);
  }

  /** Synchronous prediction for the fast mode (throws in accurate mode, which needs the async encoder). */
  predictSync(text: string, allowed?: readonly string[]): Prediction {
    if (this.options.mode === 'accurate') throw new Error('predictSync is only available in fast mode');
    const remembered = this.memory.get(normalizeKey(text));
    if (remembered !== undefined && (!allowed || allowed.length === 0 || allowed.includes(remembered))) {
      return { label: remembered, confidence: 1, ranking: [{ label: remembered, probability: 1 }], fromFeedback: true };
    }
    return this.predictWith(text, null, allowed);
  }

  private predictWith(text: string, embedding: Float32Array | null, allowed?: readonly string[]): Prediction {
    this.layout ??= featureLayout(this.vectorizer, this.options);
    const x = vectorize(this.vectorizer, this.layout, text, embedding, this.options);
    const C = this.labels.length;
    const z = linearScores(this.lr, x, this.scratch.z);
    for (let c = 0; c < C; c++) z[c] = (z[c] as number) / this.temperatures.lr;
    if (this.svm) {
      const s = linearScores(this.svm, x, this.scratch.s);
      for (let c = 0; c < C; c++) z[c] = (z[c] as number) + (s[c] as number) / this.temperatures.svm;
    }
    if (allowed && allowed.length > 0) {
      const keep = new Set(allowed);
      this.labels.forEach((l, c) => {
        if (!keep.has(l)) z[c] = -Infinity;
      });
    }
    const p = softmax(z, this.temperatures.all, this.scratch.p);
    // Top 5 by selection (no full sort on the hot path).
    const top: number[] = [];
    for (let c = 0; c < C; c++) {
      if (!Number.isFinite(z[c] as number)) continue;
      if (top.length < 5) top.push(c);
      else if ((p[c] as number) > (p[top[4] as number] as number)) top[4] = c;
      else continue;
      top.sort((a, b) => (p[b] as number) - (p[a] as number));
    }
    const best = top[0];
    if (best === undefined) throw new Error('none of the allowed labels is known to this model');
    return {
      label: this.labels[best] as string,
      confidence: p[best] as number,
      ranking: top.map((c) => ({ label: this.labels[c] as string, probability: p[c] as number })),
      fromFeedback: false,
    };
  }

  /** Records an agent's correction: the same text is answered from it at once; retrain() folds it into the model. */
  addFeedback(text: string, label: string): void {
    if (!text.trim() || !label.trim()) throw new Error('feedback needs a text and a label');
    this.feedback.push({ text, label });
    this.memory.set(normalizeKey(text), label);
  }

  feedbackExamples(): Example[] {
    return [...this.feedback];
  }

  /** How many examples this instance was trained on and still holds (0 after deserialize). */
  get trainingExampleCount(): number {
    return this.trainingExamples.length;
  }

  /**
   * Full retrain on `examples` (default: the examples this instance was trained on) plus all feedback.
   * A correction replaces the original label of the same text and counts twice, so agents' fixes win.
   */
  async retrain(examples: readonly Example[] = this.trainingExamples, options: Partial<TrainOptions> = {}): Promise<LocalClassifier> {
    const corrected = new Map(this.feedback.map((f) => [normalizeKey(f.text), f.label]));
    const base = examples.filter((e) => !corrected.has(normalizeKey(e.text)));
    const next = await LocalClassifier.train([...base, ...this.feedback, ...this.feedback], { ...this.options, embeddingCache: this.embeddingCache, ...options });
    for (const f of this.feedback) next.addFeedback(f.text, f.label);
    return next;
  }

  /**
   * Incremental update from agents' corrections, without the original training data (a model loaded
   * from Postgres keeps none). Warm-started passes over the corrections only — a logistic-regression
   * gradient step and an SVM hinge sub-gradient step on the existing vocabulary — for each correction the
   * model does not yet predict with `targetConfidence`, until all do or `maxEpochs` is reached. Labels
   * the model has never seen cannot be added this way: they stay exact-text feedback and are reported as
   * skipped (a full retrain adds them). Every correction is also recorded as feedback. Returns a new
   * model; this one is unchanged (workers may be reading it).
   */
  async updateFromFeedback(
    corrections: readonly Example[],
    options: { maxEpochs?: number; lrRate?: number; svmRate?: number; targetConfidence?: number; seed?: number } = {},
  ): Promise<{ model: LocalClassifier; applied: number; learned: number; skipped: { text: string; label: string; reason: string }[]; epochs: number }> {
    const maxEpochs = options.maxEpochs ?? 20;
    const lrRate = options.lrRate ?? 0.5;
    const svmRate = options.svmRate ?? 0.25;
    const target = options.targetConfidence ?? 0.6;
    const clone = (m: LinearModel): LinearModel => ({ classes: m.classes, dim: m.dim, weights: new Float32Array(m.weights), bias: new Float32Array(m.bias) });
    const lr = clone(this.lr);
    const svm = this.svm ? clone(this.svm) : null;
    const next = new LocalClassifier(this.labels, this.options, this.vectorizer, lr, svm, this.temperatures, this.report, this.trainingExamples);
    next.embeddingCache = this.embeddingCache;
    for (const f of this.feedback) next.addFeedback(f.text, f.label);

    // Latest correction per text wins.
    const latest = new Map<string, Example>();
    for (const c of corrections) if (c.text.trim() && c.label.trim()) latest.set(normalizeKey(c.text), c);
    const labelIndex = new Map(this.labels.map((l, i) => [l, i]));
    const skipped: { text: string; label: string; reason: string }[] = [];
    const rows: { x: SparseVector; y: number }[] = [];
    next.layout ??= featureLayout(next.vectorizer, next.options);
    const encoder = next.options.mode === 'accurate' ? await sentenceEncoder() : null;
    for (const c of latest.values()) {
      next.addFeedback(c.text, c.label);
      const y = labelIndex.get(c.label);
      if (y === undefined) {
        skipped.push({ text: c.text, label: c.label, reason: `label "${c.label}" is unknown to this model: a full retrain adds it` });
        continue;
      }
      let embedding: Float32Array | null = null;
      if (encoder) {
        embedding = next.embeddingCache?.get(c.text) ?? ((await encoder.embed([c.text]))[0] as Float32Array);
        next.embeddingCache?.set(c.text, embedding);
      }
      rows.push({ x: vectorize(next.vectorizer, next.layout, c.text, embedding, next.options), y });
    }

    const C = this.labels.length;
    const confident = (row: { x: SparseVector; y: number }): boolean => {
      const z = linearScores(lr, row.x);
      for (let c = 0; c < C; c++) z[c] = (z[c] as number) / this.temperatures.lr;
      if (svm) {
        const sv = linearScores(svm, row.x);
        for (let c = 0; c < C; c++) z[c] = (z[c] as number) + (sv[c] as number) / this.temperatures.svm;
      }
      const p = softmax(z, this.temperatures.all);
      return argmax(p) === row.y && (p[row.y] as number) >= target;
    };
    const random = seededRandom(options.seed ?? this.options.seed);
    let epochs = 0;
    for (; epochs < maxEpochs; epochs++) {
      const pending = shuffleInPlace(rows.filter((r) => !confident(r)), random);
      if (pending.length === 0) break;
      for (const { x, y } of pending) {
        // Logistic regression: w -= rate * (p - onehot(y)) x
        const p = softmax(linearScores(lr, x));
        for (let c = 0; c < C; c++) {
          const g = (p[c] as number) - (c === y ? 1 : 0);
          lr.bias[c] = (lr.bias[c] as number) - lrRate * g;
          for (let k = 0; k < x.idx.length; k++) {
            const j = x.idx[k] as number;
            if (j < lr.dim) lr.weights[j * C + c] = (lr.weights[j * C + c] as number) - lrRate * g * (x.val[k] as number);
          }
        }
        // One-vs-rest SVM: for each class whose margin is violated, w += rate * t x
        if (svm) {
          const sv = linearScores(svm, x);
          for (let c = 0; c < C; c++) {
            const t = c === y ? 1 : -1;
            if (t * (sv[c] as number) >= 1) continue;
            svm.bias[c] = (svm.bias[c] as number) + svmRate * t;
            for (let k = 0; k < x.idx.length; k++) {
              const j = x.idx[k] as number;
              if (j < svm.dim) svm.weights[j * C + c] = (svm.weights[j * C + c] as number) + svmRate * t * (x.val[k] as number);
            }
          }
        }
      }
    }
    const learned = rows.filter(confident).length;
    return { model: next, applied: rows.length, learned, skipped, epochs };
  }

  /** A compact versioned binary blob (gzip), e.g. for a bytea column. Training examples are not included. */
  serialize(): Uint8Array {
    const C = this.labels.length;
    const pack = (prefix: string, m: LinearModel) => {
      if (!this.options.quantize) return { [`${prefix}W`]: m.weights, [`${prefix}B`]: m.bias };
      const { q, scale } = quantizeRows(m.weights, C);
      return { [`${prefix}Q`]: q, [`${prefix}S`]: scale, [`${prefix}B`]: m.bias };
    };
    const header = {
      kind: 'flowdesk.local-classifier',
      labels: this.labels,
      options: this.options,
      temperatures: this.temperatures,
      report: this.report,
      wordCount: this.vectorizer.wordCount,
      dim: this.lr.dim,
      feedback: this.feedback,
    };
    const sections = {
      vocab: new TextEncoder().encode(this.vectorizer.terms().join('\n')),
      idf: this.vectorizer.idf,
      ...pack('lr', this.lr),
      ...(this.svm ? pack('svm', this.svm) : {}),
    };
    return encodeBlob(MODEL_FORMAT_VERSION, header, sections);
  }

  static deserialize(blob: Uint8Array): LocalClassifier {
    const { header, sections } = decodeBlob(blob, MODEL_FORMAT_VERSION);
    if (header.kind !== 'flowdesk.local-classifier') throw new Error(`not a local classifier model (kind ${String(header.kind)})`);
    const labels = header.labels as string[];
    const options = header.options as Omit<TrainOptions, 'onProgress'>;
    const C = labels.length;
    const dim = header.dim as number;
    const vocabBytes = sections.vocab as Uint8Array;
    const terms = vocabBytes.length ? new TextDecoder().decode(vocabBytes).split('\n') : [];
    const vectorizer = new TfidfVectorizer(options.features, terms, sections.idf as Float32Array, header.wordCount as number);
    const unpack = (prefix: string): LinearModel | null => {
      const bias = sections[`${prefix}B`] as Float32Array | undefined;
      if (!bias) return null;
      const weights = sections[`${prefix}W`]
        ? (sections[`${prefix}W`] as Float32Array)
        : dequantizeRows(sections[`${prefix}Q`] as Int8Array, sections[`${prefix}S`] as Float32Array, C);
      return { classes: C, dim, weights, bias };
    };
    const lr = unpack('lr');
    if (!lr) throw new Error('model blob has no logistic regression weights');
    const model = new LocalClassifier(labels, options, vectorizer, lr, unpack('svm'), header.temperatures as Temperatures, header.report as TrainReport);
    for (const f of (header.feedback as Example[]) ?? []) model.addFeedback(f.text, f.label);
    return model;
  }
}

interface Layout {
  tfidf: number;
  embedding: number;
  lexicon: number;
  dim: number;
}

function featureLayout(vectorizer: TfidfVectorizer, options: Pick<TrainOptions, 'mode' | 'lexiconFeatures'>): Layout {
  const embedding = options.mode === 'accurate' ? 512 : 0;
  const lexicon = options.lexiconFeatures ? 4 : 0;
  return { tfidf: vectorizer.size, embedding, lexicon, dim: vectorizer.size + embedding + lexicon };
}

function vectorize(
  vectorizer: TfidfVectorizer,
  layout: Layout,
  text: string,
  embedding: Float32Array | null,
  options: Pick<TrainOptions, 'embeddingWeight' | 'lexiconWeight'>,
): SparseVector {
  let x = vectorizer.transform(text);
  if (layout.embedding > 0) x = withDense(x, embedding ?? new Float32Array(layout.embedding), layout.tfidf, options.embeddingWeight);
  if (layout.lexicon > 0) x = withDense(x, lexiconFeatures(text), layout.tfidf + layout.embedding, options.lexiconWeight, false);
  return x;
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}
