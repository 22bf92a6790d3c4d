// @flowdesk/ai: AI node providers (classify, sentiment, assign, recommend, draft), the offline local
// provider, the task runner that maps results onto node outcomes, and the eval CLI. The sentence encoder
// (accurate mode) is imported lazily, so importing this package stays cheap.
export const AI_TASKS = ['classify', 'sentiment', 'assign', 'recommend', 'draft'] as const;
export type AiTask = (typeof AI_TASKS)[number];

export { ProviderRegistry, UnknownProviderError, timed } from './provider.ts';
export type * from './provider.ts';
export { LocalProvider, MissingModelError } from './local/provider.ts';
export type { LocalProviderOptions, SimilarTicketsSource } from './local/provider.ts';
export { LocalClassifier, DEFAULT_TRAIN_OPTIONS, MODEL_FORMAT_VERSION } from './local/classifier/model.ts';
export type { ClassifierMode, Example, Prediction, TrainOptions, TrainProgress, TrainReport } from './local/classifier/model.ts';
export { retrainFromFeedback } from './local/feedback.ts';
export type { Correction, RetrainFromFeedbackOptions, RetrainFromFeedbackReport } from './local/feedback.ts';
export { TfidfVectorizer, tokenize, DEFAULT_FEATURES } from './local/classifier/features.ts';
export type { FeatureOptions, SparseVector } from './local/classifier/features.ts';
export { fitTemperature, expectedCalibrationError } from './local/classifier/calibration.ts';
export { SentimentAnalyzer, toSentimentLabel } from './local/sentiment/analyzer.ts';
export { lexiconSentiment, lexiconScore } from './local/sentiment/lexicon.ts';
export { urgency } from './local/sentiment/urgency.ts';
export type { Urgency, UrgencyLevel } from './local/sentiment/urgency.ts';
export { KnowledgeBase, DEFAULT_KB_OPTIONS, splitPassages } from './local/recommend/knowledge-base.ts';
export type { KnowledgeBaseOptions, KbSearchResult } from './local/recommend/knowledge-base.ts';
export { ResolvedTicketIndex } from './local/recommend/similar-tickets.ts';
export type { ResolvedTicket, SimilarTicketsResult } from './local/recommend/similar-tickets.ts';
export { draftReply, detectLanguage, TEMPLATES } from './local/draft.ts';
export { assignAgent, scoreAgent, ASSIGN_WEIGHTS } from './local/assign.ts';
export { runAiTask, selectProvider, autoSendDecision, DEFAULT_THRESHOLDS } from './runner.ts';
export type { AiTaskRequest, AiTicketInput, AiTaskOutcome, AutoSendPolicy } from './runner.ts';
export { AnthropicProvider, AnthropicError, anthropicOptionsFromEnv, dataBlock, retryAfterMs } from './anthropic/provider.ts';
export type { AnthropicProviderOptions, AnthropicUsage } from './anthropic/provider.ts';
export { ANTHROPIC_MODELS, DEFAULT_ANTHROPIC_MODEL, modelInfo, requestCost } from './anthropic/models.ts';
export type { ModelInfo, ModelPrice, TokenPrices, TokenUsage } from './anthropic/models.ts';
export { classifyTool, assignTool, draftTool, SENTIMENT_TOOL, schemaErrors, draftErrors, claimedAction, leaksPrompt } from './anthropic/tools.ts';
export type { ToolSpec } from './anthropic/tools.ts';
export { scanForInjection } from './safety/injection.ts';
export type { InjectionScan } from './safety/injection.ts';
export { parseLabelledCsv, readLabelledCsv } from './eval/csv.ts';
export { classificationMetrics, rankingMetrics } from './eval/metrics.ts';
export { aiCli } from './cli.ts';
export type { CliIo } from './cli.ts';
