// Temperature scaling (Guo et al. 2017): one scalar T fitted on held-out logits by minimising the
// negative log-likelihood of softmax(logits / T). It keeps the argmax, so accuracy is unchanged, and makes
// "confidence 0.7" mean "right about 70% of the time" — which is what a hand-off threshold needs.
import { softmax } from './linear.ts';

export function negativeLogLikelihood(logits: readonly Float64Array[], labels: ArrayLike<number>, temperature: number): number {
  let sum = 0;
  const p = new Float64Array(logits[0]?.length ?? 0);
  logits.forEach((z, i) => {
    softmax(z, temperature, p);
    sum -= Math.log(Math.max(p[labels[i] as number] as number, 1e-300));
  });
  return sum / Math.max(1, logits.length);
}

/** Golden-section search of log T in [ln 0.01, ln 100]; returns 1 when there is nothing to fit on. */
export function fitTemperature(logits: readonly Float64Array[], labels: ArrayLike<number>): number {
  if (logits.length === 0) return 1;
  const f = (logT: number) => negativeLogLikelihood(logits, labels, Math.exp(logT));
  let lo = Math.log(0.01);
  let hi = Math.log(100);
  const g = (Math.sqrt(5) - 1) / 2;
  let a = hi - g * (hi - lo);
  let b = lo + g * (hi - lo);
  let fa = f(a);
  let fb = f(b);
  for (let it = 0; it < 60 && hi - lo > 1e-4; it++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = f(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = f(b);
    }
  }
  return Math.exp((lo + hi) / 2);
}

/** Expected calibration error: |accuracy - mean confidence| per equal-width confidence bin, weighted by bin size. */
export function expectedCalibrationError(confidences: readonly number[], correct: readonly boolean[], bins = 15): number {
  const count = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const acc = new Array<number>(bins).fill(0);
  confidences.forEach((c, i) => {
    const b = Math.min(bins - 1, Math.floor(c * bins));
    count[b] = (count[b] as number) + 1;
    conf[b] = (conf[b] as number) + c;
    acc[b] = (acc[b] as number) + (correct[i] ? 1 : 0);
  });
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const n = count[b] as number;
    if (n > 0) ece += (n / confidences.length) * Math.abs((acc[b] as number) / n - (conf[b] as number) / n);
  }
  return ece;
}
