// The CPU part of a retrain (deserialize the base model, learn the corrections, serialize the result),
// kept apart from the database so it can run in a worker thread: the training job (trainings.ts) runs it
// in one, so a long full retrain neither blocks the worker process's other jobs nor its progress
// updates (the trainer is synchronous between its progress callbacks). The CLI runs it inline.
import { Worker } from 'node:worker_threads';
import {
  LocalClassifier,
  retrainFromFeedback,
  type ClassifierMode,
  type Correction,
  type Example,
  type RetrainFromFeedbackReport,
  type TrainProgress,
  type TrainReport,
} from '@flowdesk/ai';

export interface RetrainComputeInput {
  blob: Uint8Array;
  corrections: Correction[];
  /** Base examples for a full retrain (a model trained from the organisation's tickets). */
  examples?: Example[];
}

export interface RetrainComputeOutput {
  blob: Uint8Array;
  mode: ClassifierMode;
  labels: string[];
  trainReport: TrainReport;
  report: RetrainFromFeedbackReport;
}

export type RetrainCompute = (input: RetrainComputeInput, onProgress?: (p: TrainProgress) => void) => Promise<RetrainComputeOutput>;

/** In this thread. */
export const computeRetrain: RetrainCompute = async (input, onProgress) => {
  const model = LocalClassifier.deserialize(input.blob);
  const { model: next, report } = await retrainFromFeedback(model, input.corrections, {
    ...(input.examples && input.examples.length > 0 && { examples: input.examples }),
    ...(onProgress && { train: { onProgress } }),
  });
  return { blob: next.serialize(), mode: next.mode, labels: next.labels, trainReport: next.report, report };
};

type ThreadMessage = { type: 'progress'; progress: TrainProgress } | { type: 'done'; output: RetrainComputeOutput };

/** In a worker thread (retrain-thread.ts, started through retrain-thread.mjs, which registers tsx). */
export const computeRetrainInThread: RetrainCompute = (input, onProgress) =>
  new Promise<RetrainComputeOutput>((resolve, reject) => {
    const worker = new Worker(new URL('./retrain-thread.mjs', import.meta.url), {
      workerData: { entry: new URL('./retrain-thread.ts', import.meta.url).href, input },
    });
    let done = false;
    worker.on('message', (m: ThreadMessage) => {
      if (m.type === 'progress') onProgress?.(m.progress);
      else {
        done = true;
        resolve(m.output);
        void worker.terminate();
      }
    });
    worker.on('error', (error) => {
      done = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!done) reject(new Error(`the training thread exited with code ${code} before it finished`));
    });
  });

/**
 * The trainer's progress as a fraction of the whole training: accurate mode spends about half of it in
 * the sentence encoder and trains once; fast mode trains, calibrates and refits (two passes). Within a
 * pass, logistic regression epochs take ~60% and the SVM classes the rest.
 */
export function trainFraction(p: TrainProgress, mode: ClassifierMode): number {
  const embedShare = mode === 'accurate' ? 0.5 : 0;
  const ratio = p.total > 0 ? Math.min(1, p.step / p.total) : 0;
  if (p.stage === 'embed') return embedShare * ratio;
  const within = p.stage === 'features' ? 0 : p.stage === 'lr' ? 0.6 * ratio : p.stage === 'svm' ? 0.6 + 0.4 * ratio : 1;
  const passes = mode === 'accurate' ? 1 : 2;
  const pass = p.refit ? 1 : 0;
  return Math.min(1, embedShare + ((1 - embedShare) * (pass + within)) / passes);
}
