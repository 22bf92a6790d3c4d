// Linear models over sparse vectors. Weights are stored feature-major (w[j * classes + c]) so scoring a
// sparse vector touches one contiguous row per non-zero feature.
//  - trainSoftmax: multinomial logistic regression, SGD with L2 (weight-scaling trick so each step only
//    touches the example's non-zeros), learning rate eta0 / (1 + eta0 * lambda * t), seeded shuffling.
//  - trainLinearSvm: one-vs-rest L2-loss linear SVM by dual coordinate descent with shrinking
//    (the liblinear algorithm, Hsieh et al. 2008): no learning rate to tune, converges in a few passes.
import { seededRandom, shuffleInPlace } from '../../util.ts';
import type { SparseVector } from './features.ts';

export interface LinearModel {
  classes: number;
  dim: number;
  /** Feature-major weights, length dim * classes. */
  weights: Float32Array;
  bias: Float32Array;
}

export interface EpochReport {
  epoch: number;
  epochs: number;
  loss: number;
}

/** Raw scores (logits) of one vector; writes into `out` (length classes) and returns it. */
export function linearScores(model: LinearModel, x: SparseVector, out: Float64Array = new Float64Array(model.classes)): Float64Array {
  const C = model.classes;
  const w = model.weights;
  for (let c = 0; c < C; c++) out[c] = model.bias[c] as number;
  const n = x.idx.length;
  for (let k = 0; k < n; k++) {
    const j = x.idx[k] as number;
    if (j >= model.dim) continue;
    const v = x.val[k] as number;
    const base = j * C;
    for (let c = 0; c < C; c++) out[c] = (out[c] as number) + (w[base + c] as number) * v;
  }
  return out;
}

/** Numerically stable softmax of logits / temperature. */
export function softmax(logits: ArrayLike<number>, temperature = 1, out: Float64Array = new Float64Array(logits.length)): Float64Array {
  let max = -Infinity;
  for (let c = 0; c < logits.length; c++) max = Math.max(max, (logits[c] as number) / temperature);
  let sum = 0;
  for (let c = 0; c < logits.length; c++) {
    const e = Math.exp((logits[c] as number) / temperature - max);
    out[c] = e;
    sum += e;
  }
  for (let c = 0; c < logits.length; c++) out[c] = (out[c] as number) / sum;
  return out;
}

export interface SoftmaxOptions {
  epochs: number;
  /** L2 strength per example (objective: mean log-loss + lambda/2 ||W||^2). */
  lambda: number;
  eta0: number;
  seed: number;
  onEpoch?: (report: EpochReport) => void;
}

export function trainSoftmax(X: readonly SparseVector[], y: Int32Array, dim: number, classes: number, options: SoftmaxOptions): LinearModel {
  const C = classes;
  const V = new Float32Array(dim * C);
  const bias = new Float32Array(C);
  const z = new Float64Array(C);
  const p = new Float64Array(C);
  const order = Array.from({ length: X.length }, (_, i) => i);
  const random = seededRandom(options.seed);
  const { lambda, eta0 } = options;
  let scale = 1;
  let t = 0;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    shuffleInPlace(order, random);
    let lossSum = 0;
    for (const i of order) {
      const x = X[i] as SparseVector;
      const label = y[i] as number;
      const eta = eta0 / (1 + eta0 * lambda * t++);
      const n = x.idx.length;
      for (let c = 0; c < C; c++) z[c] = bias[c] as number;
      for (let k = 0; k < n; k++) {
        const base = (x.idx[k] as number) * C;
        const v = (x.val[k] as number) * scale;
        for (let c = 0; c < C; c++) z[c] = (z[c] as number) + (V[base + c] as number) * v;
      }
      softmax(z, 1, p);
      lossSum -= Math.log(Math.max(p[label] as number, 1e-300));
      p[label] = (p[label] as number) - 1; // p is now the gradient wrt the logits
      scale *= 1 - eta * lambda;
      const step = eta / scale;
      for (let k = 0; k < n; k++) {
        const base = (x.idx[k] as number) * C;
        const v = (x.val[k] as number) * step;
        for (let c = 0; c < C; c++) V[base + c] = (V[base + c] as number) - (p[c] as number) * v;
      }
      for (let c = 0; c < C; c++) bias[c] = (bias[c] as number) - eta * (p[c] as number);
      if (scale < 1e-6) {
        for (let j = 0; j < V.length; j++) V[j] = (V[j] as number) * scale;
        scale = 1;
      }
    }
    let norm = 0;
    for (let j = 0; j < V.length; j++) norm += (V[j] as number) ** 2;
    options.onEpoch?.({ epoch, epochs: options.epochs, loss: lossSum / Math.max(1, X.length) + 0.5 * lambda * norm * scale * scale });
  }
  for (let j = 0; j < V.length; j++) V[j] = (V[j] as number) * scale;
  return { classes: C, dim, weights: V, bias };
}

export interface SvmOptions {
  /** Cost of a margin violation (larger = less regularisation). */
  C: number;
  maxPasses: number;
  /** Stopping tolerance on the projected gradient (liblinear default 0.1). */
  eps: number;
  seed: number;
  onClass?: (done: number, total: number) => void;
}

export function trainLinearSvm(X: readonly SparseVector[], y: Int32Array, dim: number, classes: number, options: SvmOptions): LinearModel {
  const l = X.length;
  const weights = new Float32Array(dim * classes);
  const bias = new Float32Array(classes);
  const diag = 0.5 / options.C;
  const qd = new Float64Array(l);
  for (let i = 0; i < l; i++) {
    const x = X[i] as SparseVector;
    let sq = 1; // bias feature of value 1
    for (let k = 0; k < x.val.length; k++) sq += (x.val[k] as number) ** 2;
    qd[i] = sq + diag;
  }
  const w = new Float64Array(dim);
  const alpha = new Float64Array(l);
  const index = new Int32Array(l);
  const random = seededRandom(options.seed);
  for (let cls = 0; cls < classes; cls++) {
    w.fill(0);
    alpha.fill(0);
    let b = 0;
    for (let i = 0; i < l; i++) index[i] = i;
    let active = l;
    let pgMaxOld = Infinity;
    let pgMinOld = -Infinity;
    for (let pass = 0; pass < options.maxPasses; pass++) {
      let pgMaxNew = -Infinity;
      let pgMinNew = Infinity;
      for (let s = active - 1; s > 0; s--) {
        const r = Math.floor(random() * (s + 1));
        const tmp = index[s] as number;
        index[s] = index[r] as number;
        index[r] = tmp;
      }
      for (let s = 0; s < active; s++) {
        const i = index[s] as number;
        const x = X[i] as SparseVector;
        const yi = y[i] === cls ? 1 : -1;
        let dot = b;
        const n = x.idx.length;
        for (let k = 0; k < n; k++) dot += (w[x.idx[k] as number] as number) * (x.val[k] as number);
        const a = alpha[i] as number;
        const G = yi * dot - 1 + a * diag;
        let PG = 0;
        if (a === 0) {
          if (G > pgMaxOld) {
            active--;
            index[s] = index[active] as number;
            index[active] = i;
            s--;
            continue;
          }
          if (G < 0) PG = G;
        } else PG = G;
        if (PG > pgMaxNew) pgMaxNew = PG;
        if (PG < pgMinNew) pgMinNew = PG;
        if (Math.abs(PG) > 1e-12) {
          const next = Math.max(a - G / (qd[i] as number), 0);
          alpha[i] = next;
          const d = (next - a) * yi;
          for (let k = 0; k < n; k++) {
            const j = x.idx[k] as number;
            w[j] = (w[j] as number) + d * (x.val[k] as number);
          }
          b += d;
        }
      }
      if (pgMaxNew - pgMinNew <= options.eps) {
        if (active === l) break;
        active = l;
        pgMaxOld = Infinity;
        pgMinOld = -Infinity;
        continue;
      }
      pgMaxOld = pgMaxNew <= 0 ? Infinity : pgMaxNew;
      pgMinOld = pgMinNew >= 0 ? -Infinity : pgMinNew;
    }
    void pgMinOld;
    for (let j = 0; j < dim; j++) weights[j * classes + cls] = w[j] as number;
    bias[cls] = b;
    options.onClass?.(cls + 1, classes);
  }
  return { classes, dim, weights, bias };
}
