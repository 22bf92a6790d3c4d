// AI effects. The providers (local offline models, Anthropic) live in packages/ai and arrive with the AI
// issue; until a provider is registered, an AI node answers with its `error` outcome right away and a
// message saying why, so workflows can route around it and the run inspector shows the reason.
import type { AiTaskEffect } from '@flowdesk/engine';
import { EffectError } from './action.ts';

export interface AiResult {
  outcome: string;
  output: unknown;
}

export type AiExecutor = (effect: AiTaskEffect, signal: AbortSignal) => Promise<AiResult>;

export const noAiProvider: AiExecutor = async (effect) => {
  throw new EffectError(`no AI provider is configured for task "${effect.task}" (packages/ai is not installed in this build)`, true);
};
