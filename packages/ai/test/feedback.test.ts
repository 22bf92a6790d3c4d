// Agents' corrections → retraining: incremental (a model loaded from Postgres, no base examples) and full.
import { describe, expect, it } from 'vitest';
import { readLabelledCsv } from '../src/eval/csv.ts';
import { LocalClassifier } from '../src/local/classifier/model.ts';
import { retrainFromFeedback } from '../src/local/feedback.ts';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const train = await readLabelledCsv(fixture('banking-mini-train.csv'));
const test = await readLabelledCsv(fixture('banking-mini-test.csv'));

async function accuracy(model: LocalClassifier): Promise<number> {
  let right = 0;
  for (const r of test) if ((await model.predictWeights(r.text)).label === r.label) right++;
  return right / test.length;
}

describe('retrainFromFeedback', async () => {
  const trained = await LocalClassifier.train(train, { seed: 1 });
  // As stored in Postgres: no training examples travel with the blob.
  const stored = LocalClassifier.deserialize(trained.serialize());

  it('incremental: a deserialized model learns corrections in milliseconds without forgetting the rest', async () => {
    const baseline = await accuracy(stored);
    // Agents moved these tickets to another label than the model predicts.
    const corrections = [
      { text: 'The app shows my card as shipped but nothing came in the post', corrected: 'lost_or_stolen_card', predicted: 'card_arrival' },
      { text: 'Someone used my debit card abroad, I did not travel', corrected: 'lost_or_stolen_card' },
      { text: 'My transfer to the savings pot bounced', corrected: 'top_up_failed' },
    ];
    const before = await Promise.all(corrections.map(async (c) => (await stored.predictWeights(c.text)).label));
    const { model, report } = await retrainFromFeedback(stored, corrections);
    expect(report).toMatchObject({ strategy: 'incremental', corrections: 3, skipped: [] });
    expect(report.learned).toBe(3);
    expect(report.accuracyAfter).toBe(1);
    expect(report.ms).toBeLessThan(2000);
    for (const c of corrections) {
      expect((await model.predict(c.text)).label).toBe(c.corrected); // exact text: answered from the correction
      expect((await model.predictWeights(c.text)).label).toBe(c.corrected); // and the weights learned it
    }
    expect(before.some((l, i) => l !== corrections[i]?.corrected)).toBe(true);
    // No catastrophic forgetting on the held-out set.
    expect(await accuracy(model)).toBeGreaterThanOrEqual(baseline - 0.05);
    // The old instance is unchanged; the new one survives serialisation with its feedback.
    expect((await stored.predict(corrections[0]!.text)).fromFeedback).toBe(false);
    const again = LocalClassifier.deserialize(model.serialize());
    expect((await again.predictWeights(corrections[2]!.text)).label).toBe('top_up_failed');
    expect(again.feedbackExamples()).toHaveLength(3);
  });

  it('an unknown label cannot be learned incrementally: kept as exact-text feedback and reported', async () => {
    const { model, report } = await retrainFromFeedback(stored, [{ text: 'I want to close my account', corrected: 'close_account' }]);
    expect(report.strategy).toBe('incremental');
    expect(report.skipped).toEqual([expect.objectContaining({ label: 'close_account', reason: expect.stringMatching(/full retrain/) })]);
    expect((await model.predict('I want to close my account')).label).toBe('close_account');
  });

  it('full: with base examples, a new label triggers a full retrain that knows it', async () => {
    const corrections = ['I want to close my account', 'Please delete my account', 'How do I cancel and close my account?'].map((text) => ({ text, corrected: 'close_account' }));
    const { model, report } = await retrainFromFeedback(stored, corrections, { examples: train });
    expect(report.strategy).toBe('full');
    expect(model.labels).toContain('close_account');
    expect((await model.predictWeights('close my account please')).label).toBe('close_account');
    await expect(retrainFromFeedback(stored, corrections, { strategy: 'full' })).rejects.toThrow(/base training examples/);
  });
});
