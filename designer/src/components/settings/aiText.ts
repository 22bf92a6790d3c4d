// Number and label formatting for Settings → AI (AiUsageCard, AiUsageChart, AiModelsCard).
export type UsageMetric = 'calls' | 'cost' | 'tokens';

export function formatUsd(value: number): string {
  if (value === 0) return '$0';
  if (value < 0.01) return `$${value.toFixed(4)}`;
  return `$${value.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function formatCount(value: number): string {
  if (value >= 1_000_000) return `${(value / 1_000_000).toFixed(1)}M`;
  if (value >= 10_000) return `${(value / 1000).toFixed(value >= 100_000 ? 0 : 1)}k`;
  return String(Math.round(value));
}

export function formatMetric(metric: UsageMetric, value: number): string {
  return metric === 'cost' ? formatUsd(value) : formatCount(value);
}

export function formatPercent(value: number | null | undefined): string {
  return typeof value === 'number' ? `${(value * 100).toFixed(1)}%` : '—';
}

/** What a training is doing, in words. */
export function stageText(stage: string | null): string {
  if (!stage) return '';
  const [head, ...rest] = stage.split(':');
  if (head !== 'training') return { queued: 'Waiting for a worker', starting: 'Starting', loading: 'Loading corrections', storing: 'Storing the model', done: 'Done', failed: 'Failed' }[head!] ?? stage;
  const refit = rest[0] === 'refit';
  const step = refit ? rest[1] : rest[0];
  const what = { features: 'reading the texts', embed: 'embedding the texts', lr: 'fitting the classifier', svm: 'fitting the margin model', calibrate: 'calibrating confidence' }[step ?? ''] ?? 'training';
  return `Training: ${what}${refit ? ' (final pass)' : ''}`;
}

export function originText(origin: string): string {
  if (origin === 'retrain:incremental') return 'Retrained (incremental)';
  if (origin === 'retrain:full') return 'Retrained (full)';
  return 'Trained';
}
