// AI effects. The executor (server/src/ai/executor.ts: createAiExecutor) loads the run's ticket, the
// organisation's trained models, knowledge base and agents, and runs the task through packages/ai.
// Without an executor an AI node answers with its `error` outcome right away and a message saying why,
// so workflows can route around it and the run inspector shows the reason.
import type { AiTaskEffect } from '@flowdesk/engine';
import type { ActionStep } from '@flowdesk/schema';
import { EffectError } from './action.ts';

export interface AiResult {
  outcome: string;
  output: unknown;
  /** Ticket changes the result implies (predicted field, chosen assignee, draft note), applied with the result. */
  ticketSteps?: ActionStep[];
}

/** Which run the effect belongs to (the effect itself carries only node, visit and params). */
export interface AiRunContext {
  runId: string;
  /** The effect's idempotency key (the same on every retry); keys the node's ai_usage row. */
  key?: string;
}

export type AiExecutor = (effect: AiTaskEffect, signal: AbortSignal, context: AiRunContext) => Promise<AiResult>;

export const noAiProvider: AiExecutor = async (effect) => {
  throw new EffectError(`no AI provider is configured for task "${effect.task}" (start the workers with createAiExecutor)`, true);
};
