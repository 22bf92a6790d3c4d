import { describe, expect, it } from 'vitest';
import { expectedCalibrationError, fitTemperature } from '../src/local/classifier/calibration.ts';
import type { SparseVector } from '../src/local/classifier/features.ts';
import { linearScores, softmax, trainLinearSvm, trainSoftmax } from '../src/local/classifier/linear.ts';
import { seededRandom } from '../src/util.ts';

// Three linearly separable classes: class c has feature c active plus noise features 3..9.
function toy(n: number, seed: number): { X: SparseVector[]; y: Int32Array } {
  const random = seededRandom(seed);
  const X: SparseVector[] = [];
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const noise = 3 + Math.floor(random() * 7);
    X.push({ idx: Int32Array.of(c, noise), val: Float32Array.of(1, 0.5) });
    y[i] = c;
  }
  return { X, y };
}
const argmax = (a: ArrayLike<number>) => Array.from(a).indexOf(Math.max(...Array.from(a)));

describe('linear models', () => {
  it('softmax regression learns a separable toy set, loss falls, and training is deterministic', () => {
    const { X, y } = toy(300, 1);
    const losses: number[] = [];
    const m = trainSoftmax(X, y, 10, 3, { epochs: 8, lambda: 1e-4, eta0: 0.5, seed: 7, onEpoch: (r) => losses.push(r.loss) });
    expect(X.every((x, i) => argmax(linearScores(m, x)) === y[i])).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] as number);
    const again = trainSoftmax(X, y, 10, 3, { epochs: 8, lambda: 1e-4, eta0: 0.5, seed: 7 });
    expect(Array.from(again.weights)).toEqual(Array.from(m.weights));
  });

  it('the dual coordinate-descent SVM learns the same toy set', () => {
    const { X, y } = toy(300, 2);
    const m = trainLinearSvm(X, y, 10, 3, { C: 1, maxPasses: 50, eps: 0.01, seed: 1 });
    expect(X.every((x, i) => argmax(linearScores(m, x)) === y[i])).toBe(true);
  });

  it('softmax is stable for large logits', () => {
    const p = softmax([1000, 1000, -1000]);
    expect(p[0]).toBeCloseTo(0.5);
    expect(p[2]).toBe(0);
  });
});

describe('calibration', () => {
  it('temperature scaling recovers the temperature that generated the labels', () => {
    const random = seededRandom(3);
    const logits: Float64Array[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const z = Float64Array.from({ length: 4 }, () => random() * 6);
      const p = softmax(z, 2); // true temperature 2: the raw logits are over-confident
      let r = random();
      let label = 0;
      while (label < 3 && r > (p[label] as number)) r -= p[label++] as number;
      logits.push(z);
      labels.push(label);
    }
    const T = fitTemperature(logits, labels);
    expect(T).toBeGreaterThan(1.7);
    expect(T).toBeLessThan(2.3);
    const conf = (t: number) => logits.map((z) => Math.max(...softmax(z, t)));
    const correct = logits.map((z, i) => argmax(z) === labels[i]);
    expect(expectedCalibrationError(conf(T), correct)).toBeLessThan(expectedCalibrationError(conf(1), correct));
    expect(expectedCalibrationError(conf(T), correct)).toBeLessThan(0.03);
  });

  it('ECE is 0 for perfectly calibrated bins and 1 for confident wrong answers', () => {
    expect(expectedCalibrationError([1, 1], [true, true])).toBe(0);
    expect(expectedCalibrationError([0.99, 0.99], [false, false])).toBeCloseTo(0.99);
  });
});
