// Classification metrics: accuracy, per-label precision/recall/F1/support, macro-F1, top confusions.

export interface LabelMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationMetrics {
  accuracy: number;
  macroF1: number;
  perLabel: LabelMetrics[];
  confusions: { actual: string; predicted: string; count: number }[];
}

export function classificationMetrics(actual: readonly string[], predicted: readonly string[]): ClassificationMetrics {
  if (actual.length !== predicted.length) throw new Error('actual and predicted differ in length');
  const labels = [...new Set([...actual])].sort();
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const pairs = new Map<string, number>();
  let correct = 0;
  actual.forEach((a, i) => {
    const p = predicted[i] as string;
    if (a === p) {
      correct++;
      tp.set(a, (tp.get(a) ?? 0) + 1);
    } else {
      fp.set(p, (fp.get(p) ?? 0) + 1);
      fn.set(a, (fn.get(a) ?? 0) + 1);
      const key = `${a}\u0000${p}`;
      pairs.set(key, (pairs.get(key) ?? 0) + 1);
    }
  });
  const perLabel = labels.map((label) => {
    const t = tp.get(label) ?? 0;
    const precisionDen = t + (fp.get(label) ?? 0);
    const recallDen = t + (fn.get(label) ?? 0);
    const precision = precisionDen ? t / precisionDen : 0;
    const recall = recallDen ? t / recallDen : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support: recallDen };
  });
  const confusions = [...pairs.entries()]
    .map(([key, count]) => {
      const [a, p] = key.split('\u0000') as [string, string];
      return { actual: a, predicted: p, count };
    })
    .sort((x, y) => y.count - x.count || x.actual.localeCompare(y.actual));
  return {
    accuracy: actual.length ? correct / actual.length : 0,
    macroF1: perLabel.length ? perLabel.reduce((s, m) => s + m.f1, 0) / perLabel.length : 0,
    perLabel,
    confusions,
  };
}

export interface RankingMetrics {
  recallAt: Record<number, number>;
  mrr: number;
}

/** Recall@k and mean reciprocal rank, given each query's ranked ids and its relevant id. */
export function rankingMetrics(ranked: readonly string[][], relevant: readonly string[], ks: readonly number[] = [1, 3, 10]): RankingMetrics {
  const recallAt: Record<number, number> = {};
  for (const k of ks) recallAt[k] = 0;
  let mrr = 0;
  ranked.forEach((ids, i) => {
    const pos = ids.indexOf(relevant[i] as string);
    if (pos >= 0) mrr += 1 / (pos + 1);
    for (const k of ks) if (pos >= 0 && pos < k) recallAt[k] = (recallAt[k] as number) + 1;
  });
  const n = Math.max(1, ranked.length);
  for (const k of ks) recallAt[k] = (recallAt[k] as number) / n;
  return { recallAt, mrr: mrr / n };
}
