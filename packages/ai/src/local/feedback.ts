// Agents' corrections → a better model. The server stores every correction (ai_feedback: ticket, field,
// predicted, corrected); this function takes them and returns the next model to store:
//   incremental — no base examples at hand (a model loaded from Postgres keeps none), or only a few new
//                 corrections: LocalClassifier.updateFromFeedback warm-starts the linear models on the
//                 corrections (milliseconds), and every corrected text is answered from the correction
//                 itself at once. Labels the model has never seen are reported as needing a full retrain.
//   full        — base examples given (e.g. the organisation's labelled tickets) and either a new label
//                 appeared or the corrections are many (≥ fullRetrainAt): LocalClassifier.retrain, where
//                 a correction replaces the original label of the same text and counts twice.
import type { Example, LocalClassifier, TrainOptions } from './classifier/model.ts';

export interface Correction {
  text: string;
  /** The label the agent chose. */
  corrected: string;
  /** What the model had predicted (kept for reporting; not needed to learn). */
  predicted?: string | null;
}

export interface RetrainFromFeedbackOptions {
  /** 'auto' (default) picks incremental or full as described above. */
  strategy?: 'auto' | 'incremental' | 'full';
  /** Base training examples for a full retrain (default: those the model still holds in memory). */
  examples?: readonly Example[];
  /** In 'auto', this many corrections or more (with base examples) trigger a full retrain. Default 50. */
  fullRetrainAt?: number;
  train?: Partial<TrainOptions>;
}

export interface RetrainFromFeedbackReport {
  strategy: 'incremental' | 'full';
  corrections: number;
  /** Corrections the model now predicts itself (incremental) / that were folded into training (full). */
  learned: number;
  /** Corrections that could not be learned incrementally (unknown label); still answered for their exact text. */
  skipped: { text: string; label: string; reason: string }[];
  /** Accuracy of the old and new model on the corrected texts, ignoring exact-text feedback answers. */
  accuracyBefore: number;
  accuracyAfter: number;
  ms: number;
}

export async function retrainFromFeedback(
  model: LocalClassifier,
  corrections: readonly Correction[],
  options: RetrainFromFeedbackOptions = {},
): Promise<{ model: LocalClassifier; report: RetrainFromFeedbackReport }> {
  const started = performance.now();
  const rows = corrections.filter((c) => c.text.trim() !== '' && c.corrected.trim() !== '').map((c) => ({ text: c.text, label: c.corrected }));
  const known = new Set(model.labels);
  const unknownLabel = rows.some((r) => !known.has(r.label));
  const hasBase = (options.examples?.length ?? model.trainingExampleCount) > 0;
  const strategy =
    options.strategy === 'incremental' || options.strategy === 'full'
      ? options.strategy
      : hasBase && (unknownLabel || rows.length >= (options.fullRetrainAt ?? 50))
        ? 'full'
        : 'incremental';
  if (strategy === 'full' && !hasBase) throw new Error('a full retrain needs the base training examples (pass options.examples)');
  const accuracyBefore = await accuracyOn(model, rows);
  let next: LocalClassifier;
  let learned: number;
  let skipped: RetrainFromFeedbackReport['skipped'] = [];
  if (strategy === 'full') {
    const withFeedback = await model.updateFromFeedback([], { maxEpochs: 0 });
    for (const r of rows) withFeedback.model.addFeedback(r.text, r.label);
    next = await withFeedback.model.retrain(options.examples ?? undefined, options.train ?? {});
    learned = rows.length;
  } else {
    const r = await model.updateFromFeedback(rows);
    next = r.model;
    learned = r.learned;
    skipped = r.skipped;
  }
  return {
    model: next,
    report: { strategy, corrections: rows.length, learned, skipped, accuracyBefore, accuracyAfter: await accuracyOn(next, rows), ms: Math.round(performance.now() - started) },
  };
}

/** Accuracy of the model's weights (not its exact-text memory) on labelled rows. */
async function accuracyOn(model: LocalClassifier, rows: readonly Example[]): Promise<number> {
  if (rows.length === 0) return 1;
  let right = 0;
  for (const r of rows) if ((await model.predictWeights(r.text)).label === r.label) right++;
  return right / rows.length;
}
