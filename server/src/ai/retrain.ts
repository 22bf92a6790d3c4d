// Retraining from agents' feedback: the organisation's latest classify model for a field learns the
// corrections recorded in ai_feedback (feedback.ts) and the result is stored as a new ai_models row (the
// old rows stay as history; the newest answers). Called by POST /api/ai/retrain and by the nightly
// pg-boss job (runtime/workers.ts, queue flowdesk.ai-retrain, cron FLOWDESK_AI_RETRAIN_CRON).
//
// What is learned: every correction of the field (the latest per ticket), not only the new ones — an
// incremental update on the corrections alone could otherwise drift back on older ones. The text of a
// correction is the ticket's subject and body, as in training (examplesFromTickets). Strategy: packages/ai
// retrainFromFeedback; for a model trained from the organisation's tickets the base examples are the
// tickets again (corrections folded in), so a new label or ≥ 50 corrections give a full retrain; a model
// trained from a CSV has no base examples here and is always updated incrementally (a label it never saw
// is then answered only for the corrected text itself and reported in `skipped`).
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { MODEL_FORMAT_VERSION, type ClassifierMode, type Correction, type Example } from '@flowdesk/ai';
import type { Database } from '../db/types.ts';
import { ERASED } from '../gdpr/scrub.ts';
import { examplesFromTickets } from './models.ts';
import { computeRetrain, trainFraction, type RetrainCompute } from './retrain-compute.ts';

/** Where a retrain is: a fraction of the whole (0..1) and the stage (loading, training:<trainer stage>, storing). */
export interface RetrainProgress {
  fraction: number;
  stage: string;
}

export interface RetrainOptions {
  force?: boolean;
  logger?: Logger;
  onProgress?: (p: RetrainProgress) => void;
  /** Where the model is computed; default in this thread (the training job uses a worker thread). */
  compute?: RetrainCompute;
}

export interface RetrainResult {
  field: string;
  retrained: boolean;
  /** Why nothing was stored (no model, no new feedback, superseded). */
  reason?: string;
  /** The model the retrain started from and the one stored. */
  baseModelId: string | null;
  modelId: string | null;
  /** Feedback rows newer than the base model. */
  newFeedback: number;
  metrics?: Record<string, unknown>;
}

interface BaseModel {
  id: string;
  mode: string;
  blob: Buffer;
  metrics: Record<string, unknown>;
  trained_at: Date;
}

async function latestClassify(db: Kysely<Database>, organisationId: string, field: string): Promise<BaseModel | undefined> {
  return db
    .selectFrom('ai_models')
    .select(['id', 'mode', 'blob', 'metrics', 'trained_at'])
    .where('organisation_id', '=', organisationId)
    .where('task', '=', 'classify')
    .where('field', '=', field)
    .orderBy('trained_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The latest correction per ticket of the field, with the ticket's text (erased tickets left out). */
async function corrections(db: Kysely<Database>, organisationId: string, field: string): Promise<Correction[]> {
  const rows = await db
    .selectFrom('ai_feedback as f')
    .innerJoin('tickets as t', 't.id', 'f.ticket_id')
    .distinctOn('f.ticket_id')
    .select(['t.subject', 't.body', 'f.predicted', 'f.corrected'])
    .where('f.organisation_id', '=', organisationId)
    .where('f.field', '=', field)
    .where('t.subject', '<>', ERASED)
    .orderBy('f.ticket_id')
    .orderBy('f.created_at', 'desc')
    .orderBy('f.id', 'desc')
    .execute();
  return rows.map((r) => ({ text: [r.subject, r.body].filter(Boolean).join('\n'), corrected: r.corrected, predicted: r.predicted }));
}

/**
 * Retrains the organisation's classify model for `field` from feedback when feedback arrived since it was
 * trained (`force`: also without new feedback). Stores the new model; the old row is kept.
 */
export async function retrainField(db: Kysely<Database>, organisationId: string, field: string, options: RetrainOptions = {}): Promise<RetrainResult> {
  const progress = options.onProgress ?? (() => {});
  progress({ fraction: 0, stage: 'loading' });
  const base = await latestClassify(db, organisationId, field);
  if (!base) return { field, retrained: false, reason: `no classify model for field "${field}": train one first (flowdesk ai train --field ${field} --from-tickets)`, baseModelId: null, modelId: null, newFeedback: 0 };
  // The cut-off is read before the feedback, so a correction committed during training counts as new next time.
  const { cutoff } = await sql<{ cutoff: Date }>`SELECT now() AS cutoff`.execute(db).then((r) => r.rows[0]!);
  const fresh = await db
    .selectFrom('ai_feedback')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('organisation_id', '=', organisationId)
    .where('field', '=', field)
    .where('created_at', '>', base.trained_at)
    .executeTakeFirstOrThrow();
  const newFeedback = Number(fresh.n);
  const none = { field, baseModelId: base.id, modelId: null, newFeedback };
  if (newFeedback === 0 && !options.force) return { ...none, retrained: false, reason: `no new feedback since the model was trained (${base.trained_at.toISOString()})` };
  const rows = await corrections(db, organisationId, field);
  if (rows.length === 0) return { ...none, retrained: false, reason: 'no corrections of this field to learn from' };

  const fromTickets = base.metrics.source === 'tickets';
  let examples: Example[] | undefined;
  if (fromTickets) examples = await examplesFromTickets(db, organisationId, field);
  progress({ fraction: 0.05, stage: 'training' });
  const started = performance.now();
  const compute = options.compute ?? computeRetrain;
  const next = await compute({ blob: new Uint8Array(base.blob), corrections: rows, ...(examples && { examples }) }, (p) =>
    progress({ fraction: 0.05 + 0.9 * trainFraction(p, base.mode as ClassifierMode), stage: `training:${p.refit ? 'refit:' : ''}${p.stage}` }),
  );
  const report = next.report;
  progress({ fraction: 0.96, stage: 'storing' });
  const metrics: Record<string, unknown> = {
    ...next.trainReport,
    source: fromTickets ? 'tickets' : base.metrics.source,
    labelNames: next.labels,
    retrain: {
      from: base.id,
      strategy: report.strategy,
      corrections: report.corrections,
      newFeedback,
      learned: report.learned,
      skipped: report.skipped.map((s) => ({ label: s.label, reason: s.reason })),
      accuracyBefore: report.accuracyBefore,
      accuracyAfter: report.accuracyAfter,
      ms: Math.round(performance.now() - started),
    },
  };

  // One retrain per (organisation, field) stores at a time, and only on top of the model it started from.
  const stored = await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`ai-retrain:${organisationId}:${field}`}))`.execute(trx);
    const latest = await latestClassify(trx, organisationId, field);
    if (latest?.id !== base.id) return null;
    return trx
      .insertInto('ai_models')
      .values({ organisation_id: organisationId, task: 'classify', field, mode: next.mode, format_version: MODEL_FORMAT_VERSION, blob: Buffer.from(next.blob), metrics: JSON.stringify(metrics), trained_at: cutoff })
      .returning('id')
      .executeTakeFirstOrThrow();
  });
  if (!stored) return { ...none, retrained: false, reason: 'another model was stored for this field meanwhile; retrain again on top of it' };
  options.logger?.info({ organisationId, field, modelId: stored.id, from: base.id, strategy: report.strategy, corrections: report.corrections, accuracyAfter: report.accuracyAfter }, 'AI model retrained from feedback');
  progress({ fraction: 1, stage: 'done' });
  return { field, retrained: true, baseModelId: base.id, modelId: stored.id, newFeedback, metrics };
}

/** Every (organisation, field) whose latest classify model has feedback newer than it: the nightly job's work list. */
export async function fieldsWithNewFeedback(db: Kysely<Database>): Promise<{ organisationId: string; field: string }[]> {
  const rows = await sql<{ organisation_id: string; field: string }>`
    SELECT m.organisation_id, m.field
    FROM (SELECT DISTINCT ON (organisation_id, field) organisation_id, field, trained_at
          FROM ai_models WHERE task = 'classify'
          ORDER BY organisation_id, field, trained_at DESC, id DESC) m
    WHERE EXISTS (SELECT 1 FROM ai_feedback f WHERE f.organisation_id = m.organisation_id AND f.field = m.field AND f.created_at > m.trained_at)
    ORDER BY m.organisation_id, m.field`.execute(db);
  return rows.rows.map((r) => ({ organisationId: r.organisation_id, field: r.field }));
}

/** The nightly job: retrains every field with new feedback; one failing field does not stop the others. */
export async function retrainAll(db: Kysely<Database>, logger?: Logger): Promise<RetrainResult[]> {
  const results: RetrainResult[] = [];
  for (const { organisationId, field } of await fieldsWithNewFeedback(db)) {
    try {
      results.push(await retrainField(db, organisationId, field, { logger }));
    } catch (error) {
      logger?.warn({ err: error, organisationId, field }, 'AI retrain failed');
      results.push({ field, retrained: false, reason: (error as Error).message, baseModelId: null, modelId: null, newFeedback: 0 });
    }
  }
  return results;
}

export interface ModelSummary {
  id: string;
  task: 'classify' | 'sentiment';
  field: string;
  mode: string;
  trainedAt: Date;
  metrics: Record<string, unknown>;
  /** Corrections recorded since this model was trained (what a retrain would learn first). */
  feedbackSince: number;
  /** Older models of the same task and field kept as history. */
  previousVersions: number;
  /** The newest versions of this task and field, newest (the active one) first, at most MODEL_VERSIONS_LISTED. */
  versions: ModelVersion[];
}

export interface ModelVersion {
  id: string;
  mode: string;
  trainedAt: Date;
  examples: number | null;
  validationAccuracy: number | null;
  /** How it was made: trained (CLI/demo), or a retrain's strategy (incremental / full). */
  origin: string;
}

export const MODEL_VERSIONS_LISTED = 10;

/** The latest model per (task, field) of an organisation, without blobs; `labelNames` left out of the metrics. */
export async function listModels(db: Kysely<Database>, organisationId: string): Promise<ModelSummary[]> {
  const rows = await sql<{ id: string; task: 'classify' | 'sentiment'; field: string; mode: string; trained_at: Date; metrics: Record<string, unknown>; versions: string; feedback_since: string }>`
    SELECT m.id, m.task, m.field, m.mode, m.trained_at, m.metrics - 'labelNames' AS metrics,
           (SELECT count(*) FROM ai_models o WHERE o.organisation_id = m.organisation_id AND o.task = m.task AND o.field = m.field)::text AS versions,
           (SELECT count(*) FROM ai_feedback f WHERE f.organisation_id = m.organisation_id AND f.field = m.field AND m.task = 'classify' AND f.created_at > m.trained_at)::text AS feedback_since
    FROM (SELECT DISTINCT ON (task, field) * FROM ai_models WHERE organisation_id = ${organisationId} ORDER BY task, field, trained_at DESC, id DESC) m
    ORDER BY m.task, m.field`.execute(db);
  // The newest versions per (task, field), metrics reduced to what a list shows (no blobs).
  const history = await sql<{ id: string; task: string; field: string; mode: string; trained_at: Date; examples: string | null; accuracy: string | null; strategy: string | null }>`
    SELECT id, task, field, mode, trained_at, metrics ->> 'examples' AS examples, metrics ->> 'validationAccuracy' AS accuracy, metrics #>> '{retrain,strategy}' AS strategy
    FROM (SELECT *, row_number() OVER (PARTITION BY task, field ORDER BY trained_at DESC, id DESC) AS n FROM ai_models WHERE organisation_id = ${organisationId}) v
    WHERE n <= ${MODEL_VERSIONS_LISTED}
    ORDER BY task, field, n`.execute(db);
  const versionsOf = new Map<string, ModelVersion[]>();
  for (const v of history.rows) {
    const key = `${v.task}:${v.field}`;
    versionsOf.set(key, [
      ...(versionsOf.get(key) ?? []),
      { id: v.id, mode: v.mode, trainedAt: v.trained_at, examples: v.examples === null ? null : Number(v.examples), validationAccuracy: v.accuracy === null ? null : Number(v.accuracy), origin: v.strategy ? `retrain:${v.strategy}` : 'trained' },
    ]);
  }
  return rows.rows.map((r) => ({
    id: r.id,
    task: r.task,
    field: r.field,
    mode: r.mode,
    trainedAt: r.trained_at,
    metrics: r.metrics,
    feedbackSince: Number(r.feedback_since),
    previousVersions: Number(r.versions) - 1,
    versions: versionsOf.get(`${r.task}:${r.field}`) ?? [],
  }));
}
