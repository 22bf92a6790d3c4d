// Sentiment + urgency. Untrained: the AFINN lexicon (lexicon.ts). Trained: the local classifier on
// `text,label` examples with the lexicon scores appended as features, so it starts from what the
// lexicon knows and learns the domain's own vocabulary. Urgency always comes from cues (urgency.ts).
import type { SentimentLabel, SentimentOutput } from '../../provider.ts';
import { LocalClassifier } from '../classifier/model.ts';
import type { Example, TrainOptions } from '../classifier/model.ts';
import { lexiconSentiment } from './lexicon.ts';
import { urgency } from './urgency.ts';

export interface SentimentResult {
  output: SentimentOutput;
  confidence: number;
  explanation: string;
}

/** Maps a dataset label to a sentiment: negative/neutral/positive, 0/1(/2), or anything containing neg/pos/neu. */
export function toSentimentLabel(label: string): SentimentLabel | null {
  const l = label.trim().toLowerCase();
  if (l === '0' || l.startsWith('neg')) return 'negative';
  if (l === '1' || l.startsWith('pos')) return 'positive';
  if (l === '2' || l.startsWith('neu')) return 'neutral';
  return null;
}

export class SentimentAnalyzer {
  constructor(readonly model: LocalClassifier | null = null) {}

  static async train(examples: readonly Example[], options: Partial<TrainOptions> = {}): Promise<SentimentAnalyzer> {
    const mapped = examples.map((e) => {
      const label = toSentimentLabel(e.label);
      if (!label) throw new Error(`sentiment label "${e.label}" is not negative/neutral/positive (or 0/1/2)`);
      return { text: e.text, label };
    });
    return new SentimentAnalyzer(await LocalClassifier.train(mapped, { lexiconFeatures: true, ...options }));
  }

  async analyze(text: string): Promise<SentimentResult> {
    const urg = urgency(text);
    const urgencyNote = urg.cues.length ? `urgency ${urg.level} (${urg.cues.join(', ')})` : `urgency ${urg.level}`;
    if (this.model) {
      const p = await this.model.predict(text);
      const prob = (l: SentimentLabel) => p.ranking.find((r) => r.label === l)?.probability ?? 0;
      const label = p.label as SentimentLabel;
      return {
        output: { label, polarity: round(prob('positive') - prob('negative')), urgency: urg, method: 'trained' },
        confidence: p.confidence,
        explanation: `Trained model: ${label} with probability ${p.confidence.toFixed(2)}; ${urgencyNote}.`,
      };
    }
    const lex = lexiconSentiment(text);
    const words = [...lex.score.negative.map((w) => `-${w}`), ...lex.score.positive.map((w) => `+${w}`)].slice(0, 6);
    return {
      output: { label: lex.label, polarity: round(Math.tanh(lex.score.score / 5)), urgency: urg, method: 'lexicon' },
      confidence: lex.confidence,
      explanation: `Lexicon (AFINN-165) score ${lex.score.score}${words.length ? ` from ${words.join(' ')}` : ' (no sentiment words)'}; ${urgencyNote}.`,
    };
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;
