// Untrained sentiment from the AFINN-165 lexicon via the `sentiment` npm package (MIT; AFINN-165 word
// list with English negation handling: "not good" scores negative). A handful of help-desk words the
// general-purpose list lacks are added as extras (the same object every call: `sentiment` merges extras
// into its shared table, so a constant object keeps that harmless).
import Sentiment from 'sentiment';

export type SentimentLabel = 'negative' | 'neutral' | 'positive';

const analyzer = new Sentiment();
const HELPDESK_EXTRAS: Record<string, number> = Object.freeze({
  broken: -2,
  unusable: -3,
  outage: -3,
  crash: -2,
  crashes: -2,
  crashed: -2,
  unacceptable: -3,
  unresponsive: -2,
  overcharged: -3,
  scam: -3,
  useless: -3,
  resolved: 2,
  fixed: 2,
  helpful: 2,
}) as Record<string, number>;

export interface LexiconScore {
  /** Sum of word valences (-5..+5 each, negation applied). */
  score: number;
  /** score / number of tokens. */
  comparative: number;
  positive: string[];
  negative: string[];
}

export function lexiconScore(text: string): LexiconScore {
  const r = analyzer.analyze(text, { extras: { ...HELPDESK_EXTRAS } });
  return { score: r.score, comparative: r.comparative, positive: r.positive, negative: r.negative };
}

/** Dense features for the trainable classifier: squashed lexicon score, comparative score and word counts. */
export function lexiconFeatures(text: string): number[] {
  const r = lexiconScore(text);
  return [Math.tanh(r.score / 4), Math.tanh(r.comparative * 3), Math.tanh(r.positive.length / 3), Math.tanh(r.negative.length / 3)];
}

/**
 * Lexicon-only label: the sign of the score, neutral when |score| is small. Confidence grows with the
 * amount of evidence (|score|), never reaching 1: 0.5 at the neutral boundary, ~0.9 at |score| = 6.
 */
export function lexiconSentiment(text: string, neutralBand = 1): { label: SentimentLabel; confidence: number; score: LexiconScore } {
  const score = lexiconScore(text);
  const s = score.score;
  if (Math.abs(s) < neutralBand) {
    const mixed = score.positive.length > 0 && score.negative.length > 0;
    return { label: 'neutral', confidence: mixed ? 0.5 : 0.65, score };
  }
  const confidence = 0.5 + 0.5 * Math.tanh(Math.abs(s) / 4);
  return { label: s > 0 ? 'positive' : 'negative', confidence, score };
}
