// AI provenance: which ticket fields an AI classify node set, with the value it set, so an agent's later
// change of that value is recognised as a correction (ai_feedback) without reading run histories. One row
// per (ticket, field); written when the classify node answers `done`, consumed by the first correction.
// Plus a partial index for "similar resolved tickets" (the resolved/closed tickets of an organisation).
// Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('ai_field_provenance')
    .addColumn('ticket_id', 'uuid', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    // A custom field name, or 'priority' (the ticket column a classify model may predict).
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    // The label the AI set; a correction is recorded only while the ticket still holds it.
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('model_id', 'uuid', (c) => c.references('ai_models.id').onDelete('set null'))
    .addColumn('run_id', 'uuid')
    .addColumn('confidence', 'double precision')
    .addColumn('set_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('ai_field_provenance_pkey', ['ticket_id', 'field'])
    .execute();
  // Only status changes move a row in or out (organisation_id never changes), so ticket updates that touch
  // neither stay HOT-eligible as far as this index is concerned.
  await sql`CREATE INDEX tickets_org_resolved_idx ON tickets (organisation_id) WHERE status IN ('resolved', 'closed')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS tickets_org_resolved_idx`.execute(db);
  await db.schema.dropTable('ai_field_provenance').execute();
}
