import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../api/client.ts';
import { aiFindings } from './useTicketAi.ts';

const entry = (sequence: number, event: Record<string, unknown>): HistoryEntry => ({ sequence, event: event as HistoryEntry['event'], fromState: null, toState: 'x', effects: null, at: `2026-11-25T10:00:0${sequence}.000Z`, recordedAt: '' });
const result = (output: Record<string, unknown>, confidence = 0.8) => ({ output, confidence, explanation: 'because', provider: 'local', model: 'local-fast' });

describe('aiFindings', () => {
  it('recognises classify, sentiment, draft and recommend answers; keeps the latest per node; ignores other events', () => {
    const history = [
      entry(1, { type: 'effect.result', nodeId: 'cat', outcome: 'done', output: result({ field: 'category', label: 'billing', alternatives: [{ label: 'billing', probability: 0.8 }] }) }),
      entry(2, { type: 'effect.result', nodeId: 'mood', outcome: 'done', output: result({ label: 'negative', polarity: -0.6, urgency: { level: 'high', score: 0.7, cues: [] }, method: 'lexicon' }) }),
      entry(3, { type: 'effect.result', nodeId: 'draft', outcome: 'drafted', output: result({ body: 'Hello [1]', language: 'en', handoff: false, citations: [{ n: 1, id: 'a1', title: 'Refunds' }] }, 0.6) }),
      entry(4, { type: 'effect.result', nodeId: 'rule', outcome: 'yes', output: { matched: true } }),
      entry(5, { type: 'task.submit', nodeId: 'review', action: 'done' }),
      entry(6, { type: 'effect.result', nodeId: 'cat', outcome: 'done', output: result({ field: 'category', label: 'shipping', alternatives: [] }, 0.9) }),
    ];
    const found = aiFindings([{ runId: 'r1', history }]);
    expect(found.map((f) => [f.nodeId, f.insight.kind])).toEqual([
      ['mood', 'sentiment'],
      ['draft', 'draft'],
      ['cat', 'classify'],
    ]);
    expect(found[2]).toMatchObject({ confidence: 0.9, provider: 'local · local-fast', insight: { label: 'shipping' } });
    expect(found[0]!.insight).toEqual({ kind: 'sentiment', label: 'negative', polarity: -0.6, urgency: 'high' });
    expect(found[1]!.insight).toEqual({ kind: 'draft', body: 'Hello [1]', handoff: false, citations: [{ n: 1, id: 'a1', title: 'Refunds' }] });
  });
});
