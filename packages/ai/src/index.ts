// @flowdesk/ai: AI node providers (classify, sentiment, assign, recommend, draft).
// Empty until the AI issue lands: the server answers ai.run effects with the `error` outcome and a
// message saying no provider is configured (server/src/runtime/effects/ai.ts), so workflows that
// contain AI nodes still run and can route around them.
export const AI_TASKS = ['classify', 'sentiment', 'assign', 'recommend', 'draft'] as const;
export type AiTask = (typeof AI_TASKS)[number];
