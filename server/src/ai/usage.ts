// What the AI nodes cost, per organisation (ai_usage, migration 0014), and the monthly budget that stops
// LLM spending.
//
// Every executed ai.run effect leaves one ai_usage row: the provider and model the node asked for (after a
// fallback: the LLM that spent the tokens), the provider that answered, tokens, cost in integer micro-dollars (exact sums; NULL when the model has no known
// price), latency and outcome (ok / fallback / error). The row is written by the AI executor right after
// the provider answered, keyed by the effect's idempotency key (unique index): a retried or redelivered
// effect overwrites its own row with its last attempt, so it is never counted twice. It is not written in
// the transaction that applies the node's result: that would force every AI result off the runtime's
// group-commit fast path (only events with beforePersist take the row lock), and tokens are spent even
// when the result no longer applies (a run that moved on).
//
// Budget (ai_settings.monthly_budget_micro_usd, PUT /api/settings/ai-budget): when this calendar month's
// (UTC) recorded cost reaches it, nodes that ask for an LLM provider are answered by the local provider
// (BudgetFallbackProvider), and the result says so in its explanation and `fallback.reason`.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type {
  AiProvider,
  AiResult,
  AssignInput,
  AssignOutput,
  ClassifyInput,
  ClassifyOutput,
  DraftInput,
  DraftOutput,
  RecommendInput,
  RecommendOutput,
  SentimentOutput,
} from '@flowdesk/ai';
import type { Database } from '../db/types.ts';
import type { AiUsageOutcome } from '../db/tables/ai.ts';

export const MICRO = 1_000_000;

export interface UsageRecord {
  organisationId: string;
  idempotencyKey: string;
  runId: string | null;
  ticketId: string | null;
  nodeId: string;
  task: string;
  /** The provider and model the node asked for (tokens and cost are theirs). */
  provider: string;
  model: string | null;
  /** The provider whose answer was used; null after an error. */
  answeredBy: string | null;
  inputTokens: number;
  outputTokens: number;
  /** USD; null = unpriced model. */
  costUsd: number | null;
  latencyMs: number;
  outcome: AiUsageOutcome;
  detail: string | null;
}

export const toMicro = (usd: number | null): number | null => (usd === null ? null : Math.round(usd * MICRO));
export const fromMicro = (micro: string | number | null): number => (micro === null ? 0 : Number(micro) / MICRO);

/** Upsert by idempotency key: the last attempt of an effect is what counts. */
export async function recordUsage(db: Kysely<Database>, r: UsageRecord): Promise<void> {
  const values = {
    organisation_id: r.organisationId,
    run_id: r.runId,
    ticket_id: r.ticketId,
    node_id: r.nodeId,
    task: r.task,
    provider: r.provider,
    model: r.model,
    answered_by: r.answeredBy,
    input_tokens: Math.max(0, Math.round(r.inputTokens)),
    output_tokens: Math.max(0, Math.round(r.outputTokens)),
    cost_micro_usd: toMicro(r.costUsd),
    latency_ms: Math.max(0, r.latencyMs),
    outcome: r.outcome,
    detail: r.detail === null ? null : r.detail.slice(0, 1000),
  };
  await db
    .insertInto('ai_usage')
    .values({ idempotency_key: r.idempotencyKey, ...values })
    .onConflict((oc) => oc.column('idempotency_key').doUpdateSet({ ...values, at: sql`now()` }))
    .execute();
}

/** The start of the current calendar month in UTC. */
export function monthStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

export interface BudgetStatus {
  /** null = no budget. */
  monthlyUsd: number | null;
  spentThisMonthUsd: number;
  exceeded: boolean;
  monthStart: Date;
}

export async function readBudget(db: Kysely<Database>, organisationId: string): Promise<number | null> {
  const row = await db.selectFrom('ai_settings').select('monthly_budget_micro_usd').where('organisation_id', '=', organisationId).executeTakeFirst();
  return row?.monthly_budget_micro_usd == null ? null : fromMicro(row.monthly_budget_micro_usd);
}

/** Budget and this month's spend (one indexed range sum over ai_usage). */
export async function budgetStatus(db: Kysely<Database>, organisationId: string, now: Date = new Date()): Promise<BudgetStatus> {
  const start = monthStart(now);
  // Raw SQL: two scalar sub-queries in one round trip.
  const { rows } = await sql<{ budget: string | null; spent: string }>`
    SELECT (SELECT monthly_budget_micro_usd FROM ai_settings WHERE organisation_id = ${organisationId})::text AS budget,
           (SELECT coalesce(sum(cost_micro_usd), 0) FROM ai_usage WHERE organisation_id = ${organisationId} AND at >= ${start})::text AS spent`.execute(db);
  const row = rows[0]!;
  const monthlyUsd = row.budget == null ? null : fromMicro(row.budget);
  const spentThisMonthUsd = fromMicro(row.spent);
  return { monthlyUsd, spentThisMonthUsd, exceeded: monthlyUsd !== null && spentThisMonthUsd >= monthlyUsd, monthStart: start };
}

export function budgetReason(status: BudgetStatus): string {
  return `the organisation's monthly AI budget of $${status.monthlyUsd!.toFixed(2)} is used up ($${status.spentThisMonthUsd.toFixed(4)} spent since ${status.monthStart.toISOString().slice(0, 10)})`;
}

/**
 * Stands in for an LLM provider whose budget is used up: the local provider answers, and the result
 * names the provider that was asked for in `fallback` with the budget as the reason.
 */
export class BudgetFallbackProvider implements AiProvider {
  constructor(
    readonly name: string,
    private readonly local: AiProvider,
    private readonly reason: string,
    private readonly model: string | null = null,
  ) {}

  withModel(model: string): AiProvider {
    return new BudgetFallbackProvider(this.name, this.local, this.reason, model);
  }

  private async answer<T>(call: () => Promise<AiResult<T>>): Promise<AiResult<T>> {
    const r = await call();
    return { ...r, explanation: `Not sent to ${this.name}: ${this.reason}; answered by ${r.provider}: ${r.explanation}`, fallback: { from: this.name, model: this.model, reason: this.reason, attempts: 0 } };
  }

  classify(text: string, input: ClassifyInput, signal?: AbortSignal): Promise<AiResult<ClassifyOutput>> {
    return this.answer(() => this.local.classify(text, input, signal));
  }
  sentiment(text: string, signal?: AbortSignal): Promise<AiResult<SentimentOutput>> {
    return this.answer(() => this.local.sentiment(text, signal));
  }
  recommend(text: string, input: RecommendInput, signal?: AbortSignal): Promise<AiResult<RecommendOutput>> {
    return this.answer(() => this.local.recommend(text, input, signal));
  }
  draft(text: string, input: DraftInput, signal?: AbortSignal): Promise<AiResult<DraftOutput>> {
    return this.answer(() => this.local.draft(text, input, signal));
  }
  assign(text: string, input: AssignInput, signal?: AbortSignal): Promise<AiResult<AssignOutput>> {
    return this.answer(() => this.local.assign(text, input, signal));
  }
}

// ---- reports (GET /api/ai/usage) ----

export type UsageGroupBy = 'day' | 'provider' | 'model' | 'node';

export interface UsageFigures {
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  fallbacks: number;
  errors: number;
  /** Calls whose model has no known price (their cost is not in costUsd). */
  unpricedCalls: number;
  avgLatencyMs: number;
}

export interface UsageReport {
  totals: UsageFigures;
  groups: (UsageFigures & { key: string })[];
  /** One entry per UTC day of the range (days without calls included), with calls per provider. */
  series: (UsageFigures & { day: string; providers: { provider: string; calls: number }[] })[];
}

interface FigureRow {
  calls: string;
  input_tokens: string;
  output_tokens: string;
  cost: string;
  fallbacks: string;
  errors: string;
  unpriced: string;
  latency: string | null;
}

// Raw SQL: aggregate expressions shared by the three queries below.
const FIGURES = sql`count(*)::text AS calls,
  coalesce(sum(input_tokens), 0)::text AS input_tokens,
  coalesce(sum(output_tokens), 0)::text AS output_tokens,
  coalesce(sum(cost_micro_usd), 0)::text AS cost,
  count(*) FILTER (WHERE outcome = 'fallback')::text AS fallbacks,
  count(*) FILTER (WHERE outcome = 'error')::text AS errors,
  count(*) FILTER (WHERE cost_micro_usd IS NULL)::text AS unpriced,
  avg(latency_ms)::text AS latency`;

function figures(r: FigureRow): UsageFigures {
  return {
    calls: Number(r.calls),
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    costUsd: fromMicro(r.cost),
    fallbacks: Number(r.fallbacks),
    errors: Number(r.errors),
    unpricedCalls: Number(r.unpriced),
    avgLatencyMs: r.latency === null ? 0 : Math.round(Number(r.latency) * 1000) / 1000,
  };
}

const GROUP_KEY = {
  day: sql`to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  provider: sql`provider`,
  model: sql`coalesce(model, '')`,
  node: sql`node_id`,
} as const;

/** Totals, the breakdown by `groupBy` and the per-day series of [from, to) for one organisation. */
export async function usageReport(db: Kysely<Database>, organisationId: string, range: { from: Date; to: Date }, groupBy: UsageGroupBy): Promise<UsageReport> {
  const where = sql`organisation_id = ${organisationId} AND at >= ${range.from} AND at < ${range.to}`;
  const [totals, groups, days, providers] = await Promise.all([
    sql<FigureRow>`SELECT ${FIGURES} FROM ai_usage WHERE ${where}`.execute(db),
    sql<FigureRow & { key: string }>`SELECT ${GROUP_KEY[groupBy]} AS key, ${FIGURES} FROM ai_usage WHERE ${where} GROUP BY 1 ORDER BY ${groupBy === 'day' ? sql`1` : sql`sum(coalesce(cost_micro_usd, 0)) DESC, count(*) DESC, 1`}`.execute(db),
    sql<FigureRow & { key: string }>`SELECT ${GROUP_KEY.day} AS key, ${FIGURES} FROM ai_usage WHERE ${where} GROUP BY 1`.execute(db),
    sql<{ day: string; provider: string; calls: string }>`SELECT ${GROUP_KEY.day} AS day, provider, count(*)::text AS calls FROM ai_usage WHERE ${where} GROUP BY 1, 2 ORDER BY 2`.execute(db),
  ]);
  const byDay = new Map(days.rows.map((r) => [r.key, figures(r)]));
  const providersByDay = new Map<string, { provider: string; calls: number }[]>();
  for (const p of providers.rows) providersByDay.set(p.day, [...(providersByDay.get(p.day) ?? []), { provider: p.provider, calls: Number(p.calls) }]);
  const empty: UsageFigures = { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, fallbacks: 0, errors: 0, unpricedCalls: 0, avgLatencyMs: 0 };
  const series: UsageReport['series'] = [];
  for (let t = Date.UTC(range.from.getUTCFullYear(), range.from.getUTCMonth(), range.from.getUTCDate()); t < range.to.getTime(); t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    series.push({ day, ...(byDay.get(day) ?? empty), providers: providersByDay.get(day) ?? [] });
  }
  return { totals: figures(totals.rows[0]!), groups: groups.rows.map((r) => ({ key: r.key, ...figures(r) })), series };
}
