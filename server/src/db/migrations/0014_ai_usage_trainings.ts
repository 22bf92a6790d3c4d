// AI usage accounting and asynchronous training (issue 7).
//
// - ai_usage: one row per executed AI effect (provider, model, tokens, cost in integer micro-dollars,
//   latency, outcome). Written by the AI executor with the effect's idempotency key (unique), so a retried
//   or redelivered effect updates its own row instead of counting twice. No personal data: ids, names of
//   providers/models/nodes and numbers. The ticket reference is cleared when the ticket is deleted
//   (retention) so the organisation's spend survives; run_id is a plain uuid like ai_field_provenance's.
// - ai_settings: per-organisation AI settings; today the monthly budget for LLM providers.
// - ai_trainings: queued/running/finished retraining jobs with progress, metrics and error; a partial
//   unique index allows one active training per (organisation, field).
// Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ai_usage')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    // The effect's idempotency key (run, sequence, effect index): one row per effect however often it ran.
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('run_id', 'uuid')
    .addColumn('ticket_id', 'uuid', (c) => c.references('tickets.id').onDelete('set null'))
    .addColumn('node_id', 'text', (c) => c.notNull())
    // classify | sentiment | recommend | draft | assign
    .addColumn('task', 'text', (c) => c.notNull())
    // The provider (and model) the node asked for: the tokens and cost are theirs. `answered_by` is the
    // provider whose answer was used (local after a fallback; NULL after an error).
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('model', 'text')
    .addColumn('answered_by', 'text')
    .addColumn('input_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('output_tokens', 'integer', (c) => c.notNull().defaultTo(0))
    // Micro-dollars (1e-6 USD), integer so sums are exact; NULL = the model has no known price.
    .addColumn('cost_micro_usd', 'bigint')
    .addColumn('latency_ms', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome IN ('ok', 'fallback', 'error')`))
    // Fallback reason or error message (no ticket text).
    .addColumn('detail', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Reports and the budget read one organisation's rows by time.
  await db.schema.createIndex('ai_usage_org_at_idx').on('ai_usage').columns(['organisation_id', 'at']).execute();
  // ON DELETE SET NULL from tickets needs it (retention deletes tickets in batches).
  await sql`CREATE INDEX ai_usage_ticket_idx ON ai_usage (ticket_id) WHERE ticket_id IS NOT NULL`.execute(db);

  await db.schema
    .createTable('ai_settings')
    .addColumn('organisation_id', 'uuid', (c) => c.primaryKey().references('organisations.id'))
    // NULL = no budget. When this month's (UTC) LLM cost reaches it, LLM nodes are answered by the local provider.
    .addColumn('monthly_budget_micro_usd', 'bigint', (c) => c.check(sql`monthly_budget_micro_usd > 0`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('ai_trainings')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('force', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued').check(sql`status IN ('queued', 'running', 'succeeded', 'failed')`))
    // 0..1; written at most every ~500 ms while running.
    .addColumn('progress', 'double precision', (c) => c.notNull().defaultTo(0))
    .addColumn('stage', 'text')
    .addColumn('base_model_id', 'uuid', (c) => c.references('ai_models.id').onDelete('set null'))
    .addColumn('model_id', 'uuid', (c) => c.references('ai_models.id').onDelete('set null'))
    // retrained, reason, newFeedback, metrics (the stored model's training report)
    .addColumn('result', 'jsonb')
    .addColumn('error', 'text')
    .addColumn('requested_by', 'uuid', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // One queued or running training per organisation and field (POST /api/ai/retrain answers 409 otherwise).
  await sql`CREATE UNIQUE INDEX ai_trainings_active_idx ON ai_trainings (organisation_id, field) WHERE status IN ('queued', 'running')`.execute(db);
  await db.schema.createIndex('ai_trainings_org_created_idx').on('ai_trainings').columns(['organisation_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ai_trainings').execute();
  await db.schema.dropTable('ai_settings').execute();
  await db.schema.dropTable('ai_usage').execute();
}
