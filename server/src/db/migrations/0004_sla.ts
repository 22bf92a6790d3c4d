// SLA engine: business-hours calendars (agents.calendar_id gets its FK), SLA policies with targets per
// priority, the SLA state of each ticket and an append-only log of breaches. Frozen in time: never import
// application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('calendars')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    // IANA zone; checked by the API (luxon), not by Postgres.
    .addColumn('timezone', 'text', (c) => c.notNull())
    // { mon: [["09:00","12:00"],["13:00","17:00"]], ..., sun: [] }
    .addColumn('weekly_hours', 'jsonb', (c) => c.notNull())
    // Whole local days off.
    .addColumn('holidays', sql`date[]`, (c) => c.notNull().defaultTo(sql`'{}'::date[]`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('calendars_name_key', ['organisation_id', 'name'])
    .execute();

  await sql`ALTER TABLE agents ADD CONSTRAINT agents_calendar_id_fkey FOREIGN KEY (calendar_id) REFERENCES calendars(id)`.execute(db);
  await db.schema.createIndex('agents_calendar_idx').on('agents').column('calendar_id').execute();

  await db.schema
    .createTable('sla_policies')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    // NULL: clocks run around the clock (24/7, UTC).
    .addColumn('calendar_id', 'uuid', (c) => c.references('calendars.id'))
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    // Lower first when several active policies' conditions match a ticket.
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    // { urgent: { firstResponseMinutes: 30, resolutionMinutes: 240 }, high: {...}, ... }
    .addColumn('targets', 'jsonb', (c) => c.notNull())
    .addColumn('pause_statuses', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{waiting_customer,on_hold}'::text[]`))
    // Optional: { priorities?: [], channels?: [], tagsAny?: [], teamIds?: [] } — all given lists must match.
    .addColumn('conditions', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('sla_policies_name_key', ['organisation_id', 'name'])
    .execute();
  await db.schema.createIndex('sla_policies_org_idx').on('sla_policies').columns(['organisation_id', 'active', 'position']).execute();

  await db.schema
    .createTable('ticket_sla')
    .addColumn('ticket_id', 'uuid', (c) => c.primaryKey().references('tickets.id').onDelete('cascade'))
    // NULL when no active policy applies to the ticket (any more).
    .addColumn('policy_id', 'uuid', (c) => c.references('sla_policies.id'))
    .addColumn('first_response_due_at', 'timestamptz')
    .addColumn('resolution_due_at', 'timestamptz')
    .addColumn('paused_since', 'timestamptz')
    // Business ms spent paused (and stopped, before a reopen): due times move out by this much.
    .addColumn('paused_ms', 'bigint', (c) => c.notNull().defaultTo(0).check(sql`paused_ms >= 0`))
    .addColumn('first_response_met_at', 'timestamptz')
    .addColumn('resolution_met_at', 'timestamptz')
    .addColumn('first_response_breached_at', 'timestamptz')
    .addColumn('resolution_breached_at', 'timestamptz')
    // Bumped whenever the breach timers are rescheduled; a timer carrying an older version is stale.
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('sla_breaches')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('ticket_id', 'uuid', (c) => c.notNull().references('tickets.id').onDelete('cascade'))
    .addColumn('metric', 'text', (c) => c.notNull().check(sql`metric IN ('first_response', 'resolution')`))
    .addColumn('policy_id', 'uuid', (c) => c.references('sla_policies.id'))
    .addColumn('due_at', 'timestamptz', (c) => c.notNull())
    .addColumn('breached_at', 'timestamptz', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // A metric breaches at most once per ticket: a redelivered timer cannot record it twice.
    .addUniqueConstraint('sla_breaches_ticket_metric_key', ['ticket_id', 'metric'])
    .execute();
  // Append-only (flowdesk_forbid_change comes from 0001); a ticket's deletion cascades through TRUNCATE-free
  // DELETEs, so only UPDATE is refused here.
  await sql`CREATE TRIGGER sla_breaches_append_only BEFORE UPDATE ON sla_breaches
    FOR EACH ROW EXECUTE FUNCTION flowdesk_forbid_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['sla_breaches', 'ticket_sla', 'sla_policies']) await db.schema.dropTable(table).ifExists().execute();
  await sql`ALTER TABLE agents DROP CONSTRAINT IF EXISTS agents_calendar_id_fkey`.execute(db);
  await sql`DROP INDEX IF EXISTS agents_calendar_idx`.execute(db);
  await db.schema.dropTable('calendars').ifExists().execute();
}
