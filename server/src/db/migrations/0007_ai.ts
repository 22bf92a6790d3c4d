// AI storage: trained local models per organisation, task and ticket field (the serialised
// LocalClassifier blob), agents' corrections of AI labels (feedback for retraining), and the round-robin
// cursor of AI assignment. Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ai_models')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    // classify | sentiment
    .addColumn('task', 'text', (c) => c.notNull())
    // The ticket field a classify model predicts ('' for sentiment).
    .addColumn('field', 'text', (c) => c.notNull().defaultTo(''))
    // fast | accurate
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('format_version', 'integer', (c) => c.notNull())
    .addColumn('blob', 'bytea', (c) => c.notNull())
    // The training report plus the source (tickets / csv) and row counts.
    .addColumn('metrics', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('trained_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // The latest model per (organisation, task, field) answers; older rows are kept as history.
  await db.schema.createIndex('ai_models_lookup_idx').on('ai_models').columns(['organisation_id', 'task', 'field', 'trained_at']).execute();

  await db.schema
    .createTable('ai_feedback')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    .addColumn('ticket_id', 'uuid', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('field', 'text', (c) => c.notNull())
    // The label the field had (AI prediction) before the correction; NULL when unset.
    .addColumn('predicted', 'text')
    .addColumn('corrected', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('ai_feedback_org_field_idx').on('ai_feedback').columns(['organisation_id', 'field', 'created_at']).execute();

  await db.schema
    .createTable('ai_assign_cursors')
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    // The team the assign node was limited to ('' = whole organisation).
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('last_agent_id', 'uuid', (c) => c.references('agents.id').onDelete('set null'))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('ai_assign_cursors_pkey', ['organisation_id', 'scope'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ai_assign_cursors').execute();
  await db.schema.dropTable('ai_feedback').execute();
  await db.schema.dropTable('ai_models').execute();
}
