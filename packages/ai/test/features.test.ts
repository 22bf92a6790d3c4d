import { describe, expect, it } from 'vitest';
import { forEachNgram, TfidfVectorizer, tokenize, withDense, DEFAULT_FEATURES } from '../src/local/classifier/features.ts';

const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('features', () => {
  it('tokenises words, lower-cased, keeping inner apostrophes and accents', () => {
    expect(tokenize("Why hasn't my CARD arrived? Déjà 2 days!")).toEqual(['why', "hasn't", 'my', 'card', 'arrived', 'déjà', '2', 'days']);
  });

  it('emits word 1-2-grams and char n-grams inside padded word boundaries', () => {
    const words: string[] = [];
    const chars: string[] = [];
    forEachNgram('new card', { ...DEFAULT_FEATURES, charNgrams: [2, 3] }, (kind, g) => (kind === 0 ? words : chars).push(g));
    expect(words).toEqual(['new', 'card', 'new card']);
    expect(chars).toContain(' n');
    expect(chars).toContain('rd ');
    expect(chars.some((g) => g.includes('w c'))).toBe(false); // never across words
  });

  it('keeps n-grams by min-df, weights with smoothed idf, and L2-normalises each block', () => {
    const v = TfidfVectorizer.fit(['card arrived', 'card lost', 'pin blocked'], { ...DEFAULT_FEATURES, minDf: 2 });
    expect(v.terms()).toContain('card');
    expect(v.terms()).not.toContain('lost');
    const x = v.transform('card card lost');
    expect(x.idx.length).toBeGreaterThan(0);
    // word block (only "card" survives) and char block each have norm 1 -> total sqrt(2)
    expect(norm(x.val)).toBeCloseTo(Math.SQRT2, 5);
    expect(v.transform('zzz qqq').idx.length).toBe(0);
  });

  it('appends a dense block, normalised and weighted', () => {
    const d = withDense({ idx: Int32Array.of(0), val: Float32Array.of(1) }, [3, 4], 10, 2);
    expect([...d.idx]).toEqual([0, 10, 11]);
    expect(d.val[1]).toBeCloseTo(1.2);
    expect(d.val[2]).toBeCloseTo(1.6);
  });
});

describe('hashed n-grams (prediction hot path)', () => {
  it('produce exactly the hashes of the string n-grams', async () => {
    const { forEachNgramHash, hashNgram } = await import('../src/local/classifier/features.ts');
    for (const text of ["Why hasn't my new card arrived?", 'a', 'Déjà vu — top-up failed twice', '']) {
      const fromStrings: string[] = [];
      const fromHashes: string[] = [];
      forEachNgram(text, DEFAULT_FEATURES, (kind, gram) => fromStrings.push(`${kind}:${hashNgram(kind, gram)}`));
      forEachNgramHash(text, DEFAULT_FEATURES, (kind, hash) => fromHashes.push(`${kind}:${hash}`));
      expect(fromHashes.sort()).toEqual(fromStrings.sort());
    }
  });
});
