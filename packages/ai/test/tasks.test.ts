import { describe, expect, it } from 'vitest';
import { assignAgent } from '../src/local/assign.ts';
import { detectLanguage, draftReply } from '../src/local/draft.ts';
import { KnowledgeBase, splitPassages } from '../src/local/recommend/knowledge-base.ts';
import { SentimentAnalyzer } from '../src/local/sentiment/analyzer.ts';
import { urgency } from '../src/local/sentiment/urgency.ts';
import type { AgentProfile } from '../src/provider.ts';
import { readKbCsv } from '../src/eval/run.ts';

const kb = new KnowledgeBase(await readKbCsv(new URL('./fixtures/kb.csv', import.meta.url).pathname));

describe('recommend (BM25 + stemming)', () => {
  it('ranks the relevant article first, with stemming ("refunding" ~ "refunds")', () => {
    const r = kb.search('How long does refunding take to reach my payment method?', 3);
    expect(r.articles[0]?.id).toBe('kb-refund');
    expect(r.articles[0]?.passages[0]?.text).toMatch(/original payment method/);
    expect(r.confidence).toBeGreaterThan(0.3);
    const scores = r.articles.map((a) => a.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('orders by relevance: the title + body match outranks a body-only match', () => {
    const r = kb.search('reset password email', 5, 0);
    expect(r.articles[0]?.id).toBe('kb-reset');
  });

  it('returns nothing for an unrelated ticket', () => {
    const r = kb.search('The coffee machine in the lobby makes strange noises', 3);
    expect(r.articles).toEqual([]);
  });

  it('splits long paragraphs into sentence windows', () => {
    expect(splitPassages('One. Two. Three. Four.\n\nFive.', 2)).toEqual(['One. Two.', 'Three. Four.', 'Five.']);
  });
});

describe('draft', () => {
  it('cites its sources and uses the customer language', () => {
    const r = kb.search('my card has not arrived yet', 2);
    const d = draftReply('Meine Karte ist noch nicht angekommen, wann kommt sie?', r.articles, { confidence: r.confidence, customerName: 'Eva' });
    expect(d.output.handoff).toBe(false);
    expect(d.output.language).toBe('de');
    expect(d.output.body).toMatch(/^Hallo Eva,/);
    expect(d.output.body).toMatch(/\[1\]/);
    expect(d.output.body).toContain('[1] When will my new card arrive?');
    expect(d.output.citations[0]).toMatchObject({ n: 1, id: 'kb-card' });
  });

  it('hands off when nothing relevant was found or confidence is low', () => {
    expect(draftReply('anything', [], { confidence: 0 }).output).toMatchObject({ handoff: true, body: null });
    const r = kb.search('reset password', 1);
    expect(draftReply('reset password', r.articles, { confidence: 0.1, minConfidence: 0.3 }).output.handoff).toBe(true);
  });

  it('detects the template languages', () => {
    expect(detectLanguage('Bonjour, je ne peux pas me connecter à mon compte depuis hier')).toBe('fr');
    expect(detectLanguage('Hola, no puedo iniciar sesión en mi cuenta desde ayer')).toBe('es');
    expect(detectLanguage('ok')).toBe('en');
  });
});

describe('assign', () => {
  const agents: AgentProfile[] = [
    { id: 'ann', skills: ['billing'], openTickets: 2, capacity: 10, available: true, history: { billing: { resolved: 40, total: 44, avgHours: 3 } } },
    { id: 'bob', skills: ['billing'], openTickets: 2, capacity: 10, available: false },
    { id: 'cid', skills: ['tech'], openTickets: 0, capacity: 10, available: true },
    { id: 'dee', skills: ['billing'], openTickets: 10, capacity: 10, available: true },
  ];

  it('prefers skill, load and history, and explains the choice', () => {
    const r = assignAgent(agents, 'billing');
    expect(r.output.agentId).toBe('ann');
    expect(r.explanation).toMatch(/billing/);
    expect(r.output.ranking.map((x) => x.agentId)).toEqual(['ann', 'cid']);
  });

  it('never picks an unavailable or full agent', () => {
    const r = assignAgent(agents, 'billing');
    expect(r.output.excluded).toEqual([
      { agentId: 'bob', reason: 'not available' },
      { agentId: 'dee', reason: 'at capacity (10/10)' },
    ]);
    expect(assignAgent([agents[1] as AgentProfile, agents[3] as AgentProfile], 'billing').output.agentId).toBeNull();
  });

  it('breaks ties round-robin after the cursor', () => {
    const twins: AgentProfile[] = ['a', 'b', 'c'].map((id) => ({ id, skills: ['tech'], openTickets: 1, capacity: 5, available: true }));
    expect(assignAgent(twins, 'tech').output.agentId).toBe('a');
    expect(assignAgent(twins, 'tech', 'a').output.agentId).toBe('b');
    expect(assignAgent(twins, 'tech', 'c').output.agentId).toBe('a');
  });
});

describe('sentiment and urgency', () => {
  it('works untrained from the lexicon, with negation', async () => {
    const s = new SentimentAnalyzer();
    expect((await s.analyze('Thank you, this is great and really helpful!')).output.label).toBe('positive');
    expect((await s.analyze('This is terrible, the app is broken and useless')).output.label).toBe('negative');
    expect((await s.analyze('This is not good')).output.label).toBe('negative');
    expect((await s.analyze('I have a question about invoices')).output.label).toBe('neutral');
  });

  it('scores urgency from cues', () => {
    expect(urgency('Our production site is DOWN, we need help ASAP!!!').level).toBe('critical');
    expect(urgency('Could you update my billing address when you have a moment?').level).toBe('low');
    expect(urgency('I need this fixed by Friday').cues).toContain('deadline');
  });

  it('improves when trained on labelled examples', async () => {
    const rows = [
      ['the support was slow and rude', 'negative'],
      ['awful experience, never again', 'negative'],
      ['the app keeps logging me out', 'negative'],
      ['still waiting for my refund', 'negative'],
      ['great service, thanks a lot', 'positive'],
      ['works perfectly now, you are the best', 'positive'],
      ['quick answer, problem solved', 'positive'],
      ['love the new dashboard', 'positive'],
    ].flatMap(([text, label]) => [0, 1, 2].map((i) => ({ text: `${text}${i ? ` ${'!'.repeat(i)}` : ''}`, label: label as string })));
    const s = await SentimentAnalyzer.train(rows, { validation: 0 });
    const r = await s.analyze('still waiting, it keeps logging me out');
    expect(r.output).toMatchObject({ label: 'negative', method: 'trained' });
  });
});
