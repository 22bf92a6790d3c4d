// The AI administration API behind Settings → AI (docs/ai.md): models per field with their versions,
// background retraining (POST /ai/retrain → 202, GET /ai/trainings/:id), provider configuration, usage and
// cost, and the monthly budget. Every call goes through client.ts `request` (errors are ApiErrors).
import { request } from './client.ts';

export interface AiModelVersion {
  id: string;
  mode: string;
  trainedAt: string;
  examples: number | null;
  validationAccuracy: number | null;
  /** trained, retrain:incremental or retrain:full */
  origin: string;
}
export interface AiModel {
  id: string;
  task: 'classify' | 'sentiment';
  field: string;
  mode: string;
  trainedAt: string;
  metrics: Record<string, unknown>;
  feedbackSince: number;
  previousVersions: number;
  /** Newest first; the first one is the active model. */
  versions: AiModelVersion[];
}

export type TrainingStatus = 'queued' | 'running' | 'succeeded' | 'failed';
export interface AiTraining {
  id: string;
  field: string;
  force: boolean;
  status: TrainingStatus;
  progress: number;
  stage: string | null;
  baseModelId: string | null;
  modelId: string | null;
  retrained: boolean | null;
  reason: string | null;
  newFeedback: number | null;
  metrics: Record<string, unknown> | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface AiProviderStatus {
  name: 'local' | 'anthropic';
  configured: boolean;
  source: 'builtin' | 'organisation' | 'server' | null;
  model: string | null;
}

export interface UsageFigures {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  fallbacks: number;
  errors: number;
  unpricedCalls: number;
  avgLatencyMs: number;
}
export type UsageGroupBy = 'day' | 'provider' | 'model' | 'node';
export interface UsageDay extends UsageFigures {
  day: string;
  providers: { provider: string; calls: number }[];
}
export interface AiBudget {
  monthlyUsd: number | null;
  spentThisMonthUsd: number;
  exceeded: boolean;
}
export interface AiUsage {
  from: string;
  to: string;
  groupBy: UsageGroupBy;
  totals: UsageFigures;
  groups: (UsageFigures & { key: string })[];
  series: UsageDay[];
  budget: AiBudget;
}

export const aiApi = {
  models: () => request<{ models: AiModel[] }>('GET', '/ai/models').then((r) => r.models),
  retrain: (field: string, force = false) => request<{ training: AiTraining }>('POST', '/ai/retrain', { field, ...(force && { force }) }).then((r) => r.training),
  training: (id: string) => request<{ training: AiTraining }>('GET', `/ai/trainings/${encodeURIComponent(id)}`).then((r) => r.training),
  trainings: (limit = 20) => request<{ trainings: AiTraining[] }>('GET', `/ai/trainings?limit=${limit}`).then((r) => r.trainings),
  providers: () => request<{ defaultProvider: string; providers: AiProviderStatus[] }>('GET', '/ai/providers'),
  usage: (query: { from?: string; to?: string; groupBy?: UsageGroupBy }) => {
    const qs = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string')).toString();
    return request<AiUsage>('GET', `/ai/usage${qs ? `?${qs}` : ''}`);
  },
  budget: () => request<AiBudget>('GET', '/settings/ai-budget'),
  setBudget: (monthlyUsd: number | null) => request<AiBudget>('PUT', '/settings/ai-budget', { monthlyUsd }),
};

export const isActive = (t: AiTraining): boolean => t.status === 'queued' || t.status === 'running';
