import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseIsoDuration, toIsoDuration } from '../src/duration.ts';

describe('parseIsoDuration', () => {
  it.each([
    ['P2W', 2 * 604_800_000],
    ['P1DT2H', 86_400_000 + 7_200_000],
    ['PT30M', 1_800_000],
    ['PT0.5S', 500],
    ['PT3S', 3_000],
    ['P1W2D', 9 * 86_400_000],
    ['PT1H30M15S', 5_415_000],
    ['PT0S', 0],
    ['PT1.5H', 5_400_000],
  ])('%s -> %d ms', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  it.each(['P1Y', 'P1M', 'P1Y2DT3H', 'P', 'PT', 'P1DT', '', 'PT-1S', 'pt30m', 'PT30', '30M', 'PT1.5H30M', 'P1.5DT2H', 'PT0,5S', ' PT1S', 'PT1S ', `PT${'9'.repeat(80)}S`, 'P99999999999999999999W'])(
    'rejects %j',
    (text) => {
      expect(parseIsoDuration(text)).toBeNull();
    },
  );

  it('round-trips toIsoDuration for any whole number of milliseconds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 365 * 86_400_000 }), (ms) => {
        expect(parseIsoDuration(toIsoDuration(ms))).toBe(ms);
      }),
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 seconds'],
    [500, '0.5 seconds'],
    [1_000, '1 second'],
    [90_000, '1 minute 30 seconds'],
    [86_400_000 + 7_200_000, '1 day 2 hours'],
    [2 * 604_800_000, '2 weeks'],
    [-60_000, 'minus 1 minute'],
    [Number.NaN, 'an invalid duration'],
  ])('%d ms -> %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
