import { describe, expect, it } from 'vitest';
import { parseLabelledCsv } from '../src/eval/csv.ts';
import { classificationMetrics, rankingMetrics } from '../src/eval/metrics.ts';

describe('text,label CSV', () => {
  it('handles quotes, doubled quotes, commas and newlines inside fields, CRLF and a BOM', () => {
    const csv = '\uFEFFtext,label\r\n"Hello, ""world""",greet\r\n"line one\nline two",multi\r\nplain,simple\r\n';
    expect(parseLabelledCsv(csv)).toEqual([
      { text: 'Hello, "world"', label: 'greet' },
      { text: 'line one\nline two', label: 'multi' },
      { text: 'plain', label: 'simple' },
    ]);
  });

  it('finds the columns by header name in any order, ignoring others', () => {
    expect(parseLabelledCsv('id,label,text\n1,a,first\n2,b,second\n')).toEqual([
      { text: 'first', label: 'a' },
      { text: 'second', label: 'b' },
    ]);
  });

  it('takes the first two columns when there is no header, and skips blank lines', () => {
    expect(parseLabelledCsv('hi there,greet\n\nbye,farewell\n')).toEqual([
      { text: 'hi there', label: 'greet' },
      { text: 'bye', label: 'farewell' },
    ]);
  });

  it('reports malformed input with its source', () => {
    expect(() => parseLabelledCsv('text,label\n"unterminated,x\n', 'bad.csv')).toThrow(/bad\.csv/);
    expect(() => parseLabelledCsv('text,label\nno label here,\n', 'x.csv')).toThrow(/row 2 has no label/);
    expect(() => parseLabelledCsv('text,category\na,b\n', 'y.csv')).toThrow(/"text" and a "label"/);
  });
});

describe('metrics', () => {
  it('computes accuracy, per-label P/R/F1, macro-F1 and confusions', () => {
    const m = classificationMetrics(['a', 'a', 'b', 'b'], ['a', 'b', 'b', 'b']);
    expect(m.accuracy).toBe(0.75);
    const a = m.perLabel.find((l) => l.label === 'a');
    expect(a).toMatchObject({ precision: 1, recall: 0.5, support: 2 });
    expect(m.macroF1).toBeCloseTo((2 / 3 + 0.8) / 2);
    expect(m.confusions).toEqual([{ actual: 'a', predicted: 'b', count: 1 }]);
  });

  it('computes recall@k and MRR', () => {
    const r = rankingMetrics([['x', 'y'], ['y', 'x'], ['z']], ['x', 'x', 'x'], [1, 3]);
    expect(r.recallAt[1]).toBeCloseTo(1 / 3);
    expect(r.recallAt[3]).toBeCloseTo(2 / 3);
    expect(r.mrr).toBeCloseTo((1 + 0.5 + 0) / 3);
  });
});
