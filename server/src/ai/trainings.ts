// Asynchronous retraining (POST /api/ai/retrain): the request stores an ai_trainings row (queued) and
// enqueues a pg-boss job in the same transaction, and answers 202 with the row's id; a worker
// (`flowdesk worker` / `flowdesk start`, registered in runtime/workers.ts) runs retrainField with the
// model computed in a worker thread, writes the progress to the row at most every PROGRESS_INTERVAL_MS,
// and finishes the row as succeeded (with the stored model and its metrics, or retrained:false and the
// reason) or failed (with the error). GET /api/ai/trainings/:id reads the row.
//
// One queued or running training per (organisation, field): the partial unique index
// ai_trainings_active_idx makes a second request fail with 409 naming the active one. A worker that dies
// mid-training leaves the row running; pg-boss hands the job to another worker when it expires, which
// starts the training again. A running row without a progress write for STALE_AFTER_MS is considered
// abandoned (failed) when the next training of that field is requested.
import type { Kysely, Selectable } from 'kysely';
import { sql } from 'kysely';
import { fromKysely, type PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../db/types.ts';
import type { AiTrainingStatus, AiTrainingsTable } from '../db/tables/ai.ts';
import { recordAudit } from '../audit/index.ts';
import { FlowdeskError, conflict } from '../errors.ts';
import { AI_TRAINING_QUEUE } from '../runtime/queues.ts';
import { computeRetrainInThread, type RetrainCompute } from './retrain-compute.ts';
import { retrainField, type RetrainProgress } from './retrain.ts';

/** Progress is written at most this often (and once more when the training ends). */
export const PROGRESS_INTERVAL_MS = 500;
/** A running training with no progress write for this long is abandoned. */
export const STALE_AFTER_MS = 15 * 60_000;

export interface TrainingJobData {
  trainingId: string;
}

export interface Training {
  id: string;
  field: string;
  force: boolean;
  status: AiTrainingStatus;
  progress: number;
  stage: string | null;
  baseModelId: string | null;
  modelId: string | null;
  /** Whether a new model was stored (false with a reason when there was nothing new to learn). */
  retrained: boolean | null;
  reason: string | null;
  newFeedback: number | null;
  /** The stored model's training report (validation accuracy, ECE, examples, labels, retrain details). */
  metrics: Record<string, unknown> | null;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

type Row = Selectable<AiTrainingsTable>;

function toTraining(r: Row): Training {
  const result = (r.result ?? {}) as { retrained?: boolean; reason?: string; newFeedback?: number; metrics?: Record<string, unknown> };
  const metrics = result.metrics ? Object.fromEntries(Object.entries(result.metrics).filter(([k]) => k !== 'labelNames')) : null;
  return {
    id: r.id,
    field: r.field,
    force: r.force,
    status: r.status,
    progress: r.progress,
    stage: r.stage,
    baseModelId: r.base_model_id,
    modelId: r.model_id,
    retrained: typeof result.retrained === 'boolean' ? result.retrained : null,
    reason: result.reason ?? null,
    newFeedback: typeof result.newFeedback === 'number' ? result.newFeedback : null,
    metrics,
    error: r.error,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}

export async function getTraining(db: Kysely<Database>, organisationId: string, id: string): Promise<Training | null> {
  const row = await db.selectFrom('ai_trainings').selectAll().where('organisation_id', '=', organisationId).where('id', '=', id).executeTakeFirst();
  return row ? toTraining(row) : null;
}

/** The organisation's most recent trainings, newest first (optionally of one field). */
export async function listTrainings(db: Kysely<Database>, organisationId: string, options: { field?: string; limit?: number } = {}): Promise<Training[]> {
  let query = db.selectFrom('ai_trainings').selectAll().where('organisation_id', '=', organisationId);
  if (options.field) query = query.where('field', '=', options.field);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit ?? 20).execute();
  return rows.map(toTraining);
}

function isActiveConflict(error: unknown): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  return e?.code === '23505' && e.constraint === 'ai_trainings_active_idx';
}

/**
 * Queues a retraining of the organisation's classify model for `field`. 404 when the field has no
 * classify model; 409 when a training of the field is queued or running.
 */
export async function requestRetrain(
  db: Kysely<Database>,
  boss: Pick<PgBoss, 'send'>,
  input: { organisationId: string; field: string; force: boolean; requestedBy: string | null },
): Promise<Training> {
  const base = await db
    .selectFrom('ai_models')
    .select('id')
    .where('organisation_id', '=', input.organisationId)
    .where('task', '=', 'classify')
    .where('field', '=', input.field)
    .orderBy('trained_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!base) {
    throw new FlowdeskError('FD_NOT_FOUND', 404, `no classify model for field "${input.field}": train one first (flowdesk ai train --field ${input.field} --from-tickets)`, [
      { path: '/body/field', message: `/body/field: no classify model for "${input.field}"` },
    ]);
  }
  // A training whose worker died long ago must not block the field forever.
  await db
    .updateTable('ai_trainings')
    .set({ status: 'failed', error: `abandoned: no progress for ${STALE_AFTER_MS / 60_000} minutes (the worker running it stopped)`, finished_at: sql`now()`, updated_at: sql`now()` })
    .where('organisation_id', '=', input.organisationId)
    .where('field', '=', input.field)
    .where('status', '=', 'running')
    .where('updated_at', '<', sql<Date>`now() - make_interval(secs => ${STALE_AFTER_MS / 1000})`)
    .execute();
  try {
    const row = await db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('ai_trainings')
        .values({ organisation_id: input.organisationId, field: input.field, force: input.force, base_model_id: base.id, requested_by: input.requestedBy, stage: 'queued' })
        .returningAll()
        .executeTakeFirstOrThrow();
      await boss.send(AI_TRAINING_QUEUE, { trainingId: inserted.id } satisfies TrainingJobData, { db: fromKysely(trx) });
      return inserted;
    });
    return toTraining(row);
  } catch (error) {
    if (!isActiveConflict(error)) throw error;
    const active = await db
      .selectFrom('ai_trainings')
      .select(['id', 'status'])
      .where('organisation_id', '=', input.organisationId)
      .where('field', '=', input.field)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    throw conflict(`a training of field "${input.field}" is already ${active?.status ?? 'in progress'}${active ? ` (${active.id})` : ''}: wait for it to finish`, [
      { path: '/body/field', message: `/body/field: a training of "${input.field}" is already ${active?.status ?? 'in progress'}` },
    ]);
  }
}

export interface RunTrainingOptions {
  logger?: Logger;
  /** Where the model is computed; default a worker thread. */
  compute?: RetrainCompute;
  progressIntervalMs?: number;
}

/** The job: claims the row, retrains, records progress, and finishes the row. Never throws for a failed training. */
export async function runTraining(db: Kysely<Database>, trainingId: string, options: RunTrainingOptions = {}): Promise<Training | null> {
  const claimed = await db
    .updateTable('ai_trainings')
    .set({ status: 'running', started_at: sql`coalesce(started_at, now())`, updated_at: sql`now()`, progress: 0, stage: 'starting', error: null })
    .where('id', '=', trainingId)
    .where('status', 'in', ['queued', 'running'])
    .returningAll()
    .executeTakeFirst();
  // Already finished (a redelivered job) or deleted.
  if (!claimed) return null;

  const interval = options.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
  let best = 0;
  let lastWrite = 0;
  let writes: Promise<unknown> = Promise.resolve();
  const onProgress = (p: RetrainProgress) => {
    if (p.fraction < best) return;
    best = p.fraction;
    const at = Date.now();
    if (at - lastWrite < interval || p.fraction >= 1) return;
    lastWrite = at;
    const fraction = Math.min(0.99, Math.round(p.fraction * 1000) / 1000);
    // Chained, so an older write never lands after a newer one or after the final update.
    writes = writes.then(() =>
      db
        .updateTable('ai_trainings')
        .set({ progress: fraction, stage: p.stage, updated_at: sql`now()` })
        .where('id', '=', trainingId)
        .where('status', '=', 'running')
        .execute()
        .catch((error: unknown) => options.logger?.warn({ err: error, trainingId }, 'could not record training progress')),
    );
  };

  let finish: { status: AiTrainingStatus; values: Record<string, unknown> };
  try {
    const result = await retrainField(db, claimed.organisation_id, claimed.field, {
      force: claimed.force,
      ...(options.logger && { logger: options.logger }),
      onProgress,
      compute: options.compute ?? computeRetrainInThread,
    });
    const { retrained, reason, newFeedback, metrics } = result;
    finish = {
      status: 'succeeded',
      values: { base_model_id: result.baseModelId, model_id: result.modelId, result: JSON.stringify({ retrained, ...(reason && { reason }), newFeedback, ...(metrics && { metrics }) }) },
    };
  } catch (error) {
    options.logger?.warn({ err: error, trainingId, field: claimed.field }, 'AI training failed');
    finish = { status: 'failed', values: { error: (error as Error).message || String(error) } };
  }
  await writes;
  const row = await db
    .updateTable('ai_trainings')
    .set({ status: finish.status, progress: finish.status === 'succeeded' ? 1 : best, stage: finish.status === 'succeeded' ? 'done' : 'failed', finished_at: sql`now()`, updated_at: sql`now()`, ...finish.values })
    .where('id', '=', trainingId)
    .returningAll()
    .executeTakeFirstOrThrow();
  const training = toTraining(row);
  if (training.retrained) {
    const retrain = training.metrics?.retrain as { strategy?: string; corrections?: number } | undefined;
    await recordAudit(db, {
      organisationId: row.organisation_id,
      actor: row.requested_by ? { type: 'user', id: row.requested_by } : { type: 'system', id: null },
      action: 'ai.model.retrained',
      target: { type: 'ai_model', id: training.modelId },
      before: { modelId: training.baseModelId },
      after: { modelId: training.modelId, field: training.field, trainingId: training.id, strategy: retrain?.strategy, corrections: retrain?.corrections },
    });
  }
  return training;
}
