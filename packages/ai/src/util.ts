// Small shared helpers: a seeded PRNG (so training is reproducible), a monotonic clock, percentiles.

/** mulberry32: a tiny, fast 32-bit PRNG; the same seed gives the same sequence on every platform. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0 || 0x9e3779b9;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates shuffle in place with the given PRNG. */
export function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}

export const now = (): number => performance.now();

/** Nearest-rank percentile of already-collected samples (p in 0..100). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Stratified split: roughly `fraction` of every label goes to the second part (at least one if the label has 2+). */
export function stratifiedSplit<T extends { label: string }>(rows: readonly T[], fraction: number, seed: number): { train: T[]; validation: T[] } {
  const byLabel = new Map<string, T[]>();
  for (const row of rows) {
    const list = byLabel.get(row.label);
    if (list) list.push(row);
    else byLabel.set(row.label, [row]);
  }
  const random = seededRandom(seed);
  const train: T[] = [];
  const validation: T[] = [];
  for (const label of [...byLabel.keys()].sort()) {
    const list = shuffleInPlace([...(byLabel.get(label) as T[])], random);
    const take = list.length < 2 ? 0 : Math.max(1, Math.round(list.length * fraction));
    validation.push(...list.slice(0, take));
    train.push(...list.slice(take));
  }
  return { train: shuffleInPlace(train, random), validation: shuffleInPlace(validation, random) };
}
