import { describe, expect, it } from 'vitest';
import { readLabelledCsv } from '../src/eval/csv.ts';
import { LocalClassifier } from '../src/local/classifier/model.ts';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

describe('LocalClassifier (fast mode, fixture)', async () => {
  const train = await readLabelledCsv(fixture('banking-mini-train.csv'));
  const test = await readLabelledCsv(fixture('banking-mini-test.csv'));
  const progress: string[] = [];
  const model = await LocalClassifier.train(train, { seed: 1, onProgress: (p) => progress.push(`${p.stage}:${p.step}/${p.total}`) });

  it('learns the intents and reports progress and calibration', () => {
    const acc = test.filter((r) => model.predictSync(r.text).label === r.label).length / test.length;
    expect(acc).toBeGreaterThan(0.85);
    expect(progress).toContain('lr:12/12');
    expect(model.report.labels).toBe(6);
    expect(model.report.validationExamples).toBeGreaterThan(0);
    expect(model.report.temperature).toBeGreaterThan(0);
  });

  it('returns calibrated probabilities summing to at most 1, best first', () => {
    const p = model.predictSync('my new card has still not arrived, when will it come?');
    expect(p.label).toBe('card_arrival');
    expect(p.confidence).toBeGreaterThan(0);
    expect(p.confidence).toBeLessThanOrEqual(1);
    expect(p.ranking[0]?.label).toBe('card_arrival');
    expect(p.ranking.reduce((s, r) => s + r.probability, 0)).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('restricts to allowed labels', () => {
    const p = model.predictSync('my new card has still not arrived', ['pin_blocked', 'exchange_rate']);
    expect(['pin_blocked', 'exchange_rate']).toContain(p.label);
    expect(() => model.predictSync('x', ['nope'])).toThrow(/allowed labels/);
  });

  it('is deterministic for a seed', async () => {
    const again = await LocalClassifier.train(train, { seed: 1 });
    const texts = test.slice(0, 10).map((r) => r.text);
    expect(texts.map((t) => again.predictSync(t).confidence)).toEqual(texts.map((t) => model.predictSync(t).confidence));
  });

  it('serialises to a compact versioned blob and back with the same predictions', () => {
    const blob = model.serialize();
    expect(blob.length).toBeLessThan(200_000);
    const loaded = LocalClassifier.deserialize(blob);
    for (const r of test.slice(0, 20)) expect(loaded.predictSync(r.text).label).toBe(model.predictSync(r.text).label);
    expect(() => LocalClassifier.deserialize(Uint8Array.of(1, 2, 3))).toThrow(/not a Flowdesk model/);
  });

  it('uses feedback at once for the same text and folds it in on retrain', async () => {
    const text = 'the ATM gave me a weird amount of money';
    const m = LocalClassifier.deserialize(model.serialize());
    m.addFeedback(text, 'cash_withdrawal_charge');
    expect(m.predictSync(text)).toMatchObject({ label: 'cash_withdrawal_charge', confidence: 1, fromFeedback: true });
    const next = await m.retrain(train);
    expect(next.feedbackExamples()).toHaveLength(1);
    expect(next.predictSync(text).label).toBe('cash_withdrawal_charge');
    expect(LocalClassifier.deserialize(next.serialize()).predictSync(text).fromFeedback).toBe(true);
  });

  it('refuses data with fewer than two labels', async () => {
    await expect(LocalClassifier.train([{ text: 'a', label: 'x' }])).rejects.toThrow(/at least 2 labels/);
  });
});
