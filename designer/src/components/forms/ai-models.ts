// Facts about the AI providers the designer offers in the AI node settings. @flowdesk/ai is a Node package
// (Anthropic SDK, local model files), so the designer does not import it: these constants are copied from
// packages/ai/src/anthropic/models.ts (ANTHROPIC_MODELS, DEFAULT_ANTHROPIC_MODEL) and
// packages/ai/src/runner.ts (DEFAULT_THRESHOLDS). Keep them in step when those tables change;
// ai-models.test.ts reads the source files and fails when they drift.
import type { NodeKind } from '@flowdesk/schema';

export const AI_PROVIDERS = [
  { value: '', label: 'Organisation default', hint: 'The provider set for the organisation: the offline local provider unless configured.' },
  { value: 'local', label: 'Local (offline)', hint: 'Models that run on the Flowdesk server itself; ticket text never leaves it.' },
  { value: 'anthropic', label: 'Anthropic', hint: "Claude through Anthropic's API; the server needs an API key." },
] as const;

export const DEFAULT_ANTHROPIC_MODEL = 'claude-haiku-5-5';

/** Model ids of the Anthropic price table, newest families first. */
export const ANTHROPIC_MODEL_NAMES = [
  'claude-haiku-5-5',
  'claude-sonnet-5-5',
  'claude-opus-5-5',
  'claude-fable-5-1',
  'claude-opus-5',
  'claude-opus-4-8',
  'claude-opus-4-7',
  'claude-opus-4-6',
  'claude-opus-4-5',
  'claude-sonnet-4-6',
  'claude-sonnet-4-5',
  'claude-haiku-4-5',
] as const;

/** The runner's threshold when a node sets none. */
export const DEFAULT_THRESHOLDS: Record<string, number> = { classify: 0.5, sentiment: 0.5, recommend: 0.3, draft: 0.3, assign: 0 };

export function defaultThreshold(kind: NodeKind): number | null {
  return kind.startsWith('ai.') ? (DEFAULT_THRESHOLDS[kind.slice(3)] ?? null) : null;
}

export const isAiKind = (kind: string): boolean => kind.startsWith('ai.');

/** The params AiSettings edits; DesignerProperties leaves them out of the generated form. */
export const AI_SETTING_KEYS = ['provider', 'model', 'threshold', 'autoSend'] as const;
