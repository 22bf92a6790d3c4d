// Per-model facts the Anthropic provider needs: list prices (USD per million tokens) for cost
// accounting, and whether the model accepts a forced tool choice. Prices are Anthropic's published
// list prices as checked on 2026-11-25 (platform docs, "Models & pricing"); they change, so callers
// can pass their own table (`AnthropicProviderOptions.prices`). Where a model's cache prices were
// not published separately, the standard multipliers are used: cache write (5 min) 1.25 x input,
// cache read 0.1 x input. A model missing from the table gets `costUsd: null` (tokens are still counted).

export interface TokenPrices {
  /** USD per million input tokens. */
  input: number;
  /** USD per million output tokens (thinking tokens included, as billed). */
  output: number;
  cacheWrite?: number;
  cacheRead?: number;
}

export interface ModelPrice extends TokenPrices {
  /** Higher rates for the whole request when its prompt (input + cache tokens) exceeds the threshold. */
  longContext?: TokenPrices & { thresholdTokens: number };
}

export interface ModelInfo {
  price: ModelPrice;
  /**
   * 'tool': `tool_choice: {type: 'tool', name}` forces the structured answer. 'auto': the model
   * rejects forced tool use (Opus 5.5, Fable 5.1: thinking is always on) or it is not verified, so
   * the provider asks for the tool in the prompt and treats an answer without it as invalid.
   */
  toolChoice: 'tool' | 'auto';
  /** Sends `output_config.effort` (models with adaptive thinking): 'low' keeps triage fast and cheap. */
  effort?: 'low' | 'medium' | 'high';
}

export const DEFAULT_ANTHROPIC_MODEL = 'claude-haiku-5-5';

export const ANTHROPIC_MODELS: Record<string, ModelInfo> = {
  'claude-haiku-5-5': {
    price: {
      input: 0.1,
      output: 0.5,
      cacheWrite: 0.125,
      cacheRead: 0.01,
      longContext: { thresholdTokens: 100_000, input: 0.5, output: 2.5, cacheWrite: 0.625, cacheRead: 0.05 },
    },
    toolChoice: 'auto',
    effort: 'low',
  },
  'claude-sonnet-5-5': { price: { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.1 }, toolChoice: 'auto', effort: 'low' },
  'claude-opus-5-5': { price: { input: 4, output: 20, cacheWrite: 5, cacheRead: 0.2 }, toolChoice: 'auto', effort: 'low' },
  'claude-fable-5-1': { price: { input: 10, output: 50 }, toolChoice: 'auto', effort: 'low' },
  'claude-opus-5': { price: { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 }, toolChoice: 'auto', effort: 'low' },
  'claude-opus-4-8': { price: { input: 5, output: 25 }, toolChoice: 'tool' },
  'claude-opus-4-7': { price: { input: 5, output: 25 }, toolChoice: 'tool' },
  'claude-opus-4-6': { price: { input: 5, output: 25 }, toolChoice: 'tool' },
  'claude-opus-4-5': { price: { input: 5, output: 25 }, toolChoice: 'tool' },
  'claude-sonnet-4-6': { price: { input: 3, output: 15 }, toolChoice: 'tool' },
  'claude-sonnet-4-5': { price: { input: 3, output: 15 }, toolChoice: 'tool' },
  'claude-haiku-4-5': { price: { input: 1, output: 5 }, toolChoice: 'tool' },
};

/** The table entry for a model id; dated ids ("claude-haiku-4-5-20251001") match their alias by prefix. */
export function modelInfo(model: string, table: Record<string, ModelInfo> = ANTHROPIC_MODELS): ModelInfo | null {
  if (table[model]) return table[model];
  const key = Object.keys(table)
    .filter((k) => model.startsWith(`${k}-`))
    .sort((a, b) => b.length - a.length)[0];
  return key ? (table[key] ?? null) : null;
}

export interface TokenUsage {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

/** USD cost of one request's usage; null when the model has no price. Rounded to 1e-8 USD. */
export function requestCost(info: ModelInfo | null, usage: TokenUsage): number | null {
  if (!info) return null;
  const prompt = usage.input + usage.cacheWrite + usage.cacheRead;
  const long = info.price.longContext;
  const p: TokenPrices = long && prompt > long.thresholdTokens ? long : info.price;
  const cacheWrite = p.cacheWrite ?? p.input * 1.25;
  const cacheRead = p.cacheRead ?? p.input * 0.1;
  const usd = (usage.input * p.input + usage.output * p.output + usage.cacheWrite * cacheWrite + usage.cacheRead * cacheRead) / 1_000_000;
  return Math.round(usd * 1e8) / 1e8;
}
