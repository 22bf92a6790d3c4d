// Trained local models in Postgres (ai_models): train from the organisation's labelled tickets (plus
// agents' corrections in ai_feedback) or from a CSV, store the serialised LocalClassifier, and load the
// latest one per (organisation, task, field) with an in-process cache keyed by the row id.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { LocalClassifier, MODEL_FORMAT_VERSION, SentimentAnalyzer, type ClassifierMode, type Example, type TrainProgress } from '@flowdesk/ai';
import type { Database } from '../db/types.ts';

export type ModelTask = 'classify' | 'sentiment';

export interface StoredModel {
  id: string;
  model: LocalClassifier;
  trainedAt: Date;
}

/** The latest model's id without its blob, then the blob only when the cache holds another id. */
export class ModelStore {
  private readonly cache = new Map<string, StoredModel>();
  constructor(private readonly db: Kysely<Database>) {}

  async latest(organisationId: string, task: ModelTask, field: string): Promise<StoredModel | null> {
    const head = await this.db
      .selectFrom('ai_models')
      .select(['id', 'trained_at'])
      .where('organisation_id', '=', organisationId)
      .where('task', '=', task)
      .where('field', '=', field)
      .orderBy('trained_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const key = `${organisationId}:${task}:${field}`;
    if (!head) {
      this.cache.delete(key);
      return null;
    }
    const cached = this.cache.get(key);
    if (cached?.id === head.id) return cached;
    const row = await this.db.selectFrom('ai_models').select(['blob']).where('id', '=', head.id).executeTakeFirstOrThrow();
    const stored = { id: head.id, model: LocalClassifier.deserialize(new Uint8Array(row.blob)), trainedAt: head.trained_at };
    this.cache.set(key, stored);
    return stored;
  }
}

/** Labelled examples from tickets' `fields.<field>`; an agent's latest correction of a ticket wins. */
export async function examplesFromTickets(db: Kysely<Database>, organisationId: string, field: string): Promise<Example[]> {
  const rows = await db
    .selectFrom('tickets')
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('ai_feedback')
          .distinctOn('ticket_id')
          .select(['ticket_id', 'corrected'])
          .where('organisation_id', '=', organisationId)
          .where('field', '=', field)
          .orderBy('ticket_id')
          .orderBy('created_at', 'desc')
          .as('fb'),
      (join) => join.onRef('fb.ticket_id', '=', 'tickets.id'),
    )
    .select(['tickets.subject', 'tickets.body', sql<string | null>`coalesce(fb.corrected, tickets.fields ->> ${field})`.as('label')])
    .where('tickets.organisation_id', '=', organisationId)
    .where((eb) => eb.or([eb(sql`tickets.fields ->> ${field}`, 'is not', null), eb('fb.corrected', 'is not', null)]))
    .orderBy('tickets.created_at')
    .execute();
  return rows
    .filter((r): r is typeof r & { label: string } => typeof r.label === 'string' && r.label.trim() !== '')
    .map((r) => ({ text: [r.subject, r.body].filter(Boolean).join('\n'), label: r.label }));
}

export interface TrainAndStoreInput {
  organisationId: string;
  task: ModelTask;
  /** The ticket field for classify ('' for sentiment). */
  field: string;
  examples: Example[];
  mode?: ClassifierMode;
  source: string;
  onProgress?: (p: TrainProgress) => void;
}

export async function trainAndStore(db: Kysely<Database>, input: TrainAndStoreInput): Promise<{ id: string; model: LocalClassifier; metrics: Record<string, unknown> }> {
  const mode = input.mode ?? 'fast';
  const options = { mode, ...(input.onProgress && { onProgress: input.onProgress }) };
  const model = input.task === 'sentiment' ? (await SentimentAnalyzer.train(input.examples, options)).model! : await LocalClassifier.train(input.examples, options);
  const metrics = { source: input.source, ...model.report, labelNames: model.labels };
  const row = await db
    .insertInto('ai_models')
    .values({
      organisation_id: input.organisationId,
      task: input.task,
      field: input.task === 'sentiment' ? '' : input.field,
      mode,
      format_version: MODEL_FORMAT_VERSION,
      blob: Buffer.from(model.serialize()),
      metrics: JSON.stringify(metrics),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, model, metrics };
}
