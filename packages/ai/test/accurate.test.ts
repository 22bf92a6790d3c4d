// Accurate mode on the small BANKING77 fixture: the sentence encoder in worker threads gives the same
// vectors as in this thread, and a model trained with it (embeddings cached) predicts, calibrates and
// serialises. Runs the real encoder (USE lite shipped in the npm package), so it takes a few seconds.
import { describe, expect, it } from 'vitest';
import { readLabelledCsv } from '../src/eval/csv.ts';
import { embedMany, sentenceEncoder } from '../src/local/classifier/embeddings.ts';
import { LocalClassifier } from '../src/local/classifier/model.ts';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const SLOW = 180_000;

describe('accurate mode (sentence encoder)', async () => {
  const train = await readLabelledCsv(fixture('banking-mini-train.csv'));
  const test = await readLabelledCsv(fixture('banking-mini-test.csv'));

  it(
    'embeds in worker threads exactly as in this thread, in the input order',
    async () => {
      const texts = train.slice(0, 70).map((r) => r.text);
      const progress: number[] = [];
      const threaded = await embedMany(texts, { threads: 2, onBatch: (done) => progress.push(done) });
      const local = await (await sentenceEncoder()).embed(texts);
      expect(threaded).toHaveLength(texts.length);
      expect(progress.at(-1)).toBe(texts.length);
      threaded.forEach((v, i) => {
        expect(v).toHaveLength(512);
        const w = local[i] as Float32Array;
        let diff = 0;
        for (let k = 0; k < 512; k++) diff = Math.max(diff, Math.abs((v[k] as number) - (w[k] as number)));
        expect(diff).toBeLessThan(1e-5);
      });
    },
    SLOW,
  );

  it(
    'trains with embeddings appended, reports the embedding stage and answers calibrated predictions',
    async () => {
      const stages = new Set<string>();
      const model = await LocalClassifier.train(train, { mode: 'accurate', seed: 1, embedThreads: 2, onProgress: (p) => stages.add(p.stage) });
      expect([...stages]).toEqual(expect.arrayContaining(['embed', 'lr', 'svm', 'calibrate']));
      expect(model.options).toMatchObject({ mode: 'accurate', embeddingWeight: 2, refit: false });
      expect(model.report.embedMs).toBeGreaterThan(0);
      let right = 0;
      for (const r of test) if ((await model.predict(r.text)).label === r.label) right++;
      expect(right / test.length).toBeGreaterThan(0.85);
      const p = await model.predict('my new card has still not arrived, when will it come?');
      expect(p.label).toBe('card_arrival');
      expect(p.confidence).toBeGreaterThan(0);
      expect(p.confidence).toBeLessThanOrEqual(1);
      const loaded = LocalClassifier.deserialize(model.serialize());
      for (const r of test.slice(0, 10)) expect((await loaded.predict(r.text)).label).toBe((await model.predict(r.text)).label);
    },
    SLOW,
  );
});
