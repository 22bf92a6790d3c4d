// Foundation tables: workflows and their immutable published versions, minimal tickets, runs and their
// append-only history, and open human tasks. Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workflows')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('draft', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('workflow_versions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workflow_id', 'uuid', (c) => c.notNull().references('workflows.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('published_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('workflow_versions_workflow_version_key', ['workflow_id', 'version'])
    .execute();

  await db.schema
    .createTable('tickets')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
    .addColumn('priority', 'text', (c) => c.notNull().defaultTo('normal'))
    .addColumn('fields', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('runs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workflow_version_id', 'uuid', (c) => c.notNull().references('workflow_versions.id'))
    .addColumn('ticket_id', 'uuid', (c) => c.references('tickets.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('snapshot', 'jsonb', (c) => c.notNull())
    .addColumn('sequence', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('runs_ticket_idx').on('runs').column('ticket_id').execute();
  await db.schema.createIndex('runs_status_idx').on('runs').columns(['status', 'updated_at']).execute();
  // Keyset pagination of the run list (GET /api/runs orders by created_at desc, id desc).
  await db.schema.createIndex('runs_created_idx').on('runs').columns(['created_at desc', 'id desc']).execute();

  await db.schema
    .createTable('run_history')
    .addColumn('run_id', 'uuid', (c) => c.notNull().references('runs.id'))
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('event', 'jsonb', (c) => c.notNull())
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('effects', 'jsonb', (c) => c.notNull())
    .addColumn('event_key', 'text')
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // One index serves both the primary key and reading a run's history in order.
    .addPrimaryKeyConstraint('run_history_pkey', ['run_id', 'sequence'])
    .execute();
  // Redelivered events are recognised by their key; most steps have none, so those rows skip this index.
  await db.schema
    .createIndex('run_history_run_event_key')
    .on('run_history')
    .columns(['run_id', 'event_key'])
    .unique()
    .where(sql.ref('event_key'), 'is not', null)
    .execute();

  await db.schema
    .createTable('tasks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'uuid', (c) => c.notNull().references('runs.id'))
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('visit', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('assignee', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('tasks_run_idx').on('tasks').columns(['run_id', 'status']).execute();

  // Published versions and history rows are immutable: the database refuses changes, not just the API.
  await sql`
    CREATE FUNCTION flowdesk_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'check_violation';
    END $$`.execute(db);
  await sql`CREATE TRIGGER workflow_versions_immutable BEFORE UPDATE OR DELETE ON workflow_versions
    FOR EACH ROW EXECUTE FUNCTION flowdesk_forbid_change()`.execute(db);
  // The runtime's compare-and-set on runs.sequence (server/src/runtime/sql.ts) calls this when the run
  // moved on since it was read, to abort the whole transaction (the pg-boss jobs batched after it too).
  await sql`
    CREATE FUNCTION flowdesk_run_moved(run uuid, expected integer) RETURNS boolean LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'run % is no longer at sequence % (or the event was already applied)', run, expected
        USING ERRCODE = 'serialization_failure';
    END $$`.execute(db);
  await sql`CREATE TRIGGER run_history_append_only BEFORE UPDATE OR DELETE ON run_history
    FOR EACH ROW EXECUTE FUNCTION flowdesk_forbid_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['tasks', 'run_history', 'runs', 'tickets', 'workflow_versions', 'workflows']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
  await sql`DROP FUNCTION IF EXISTS flowdesk_forbid_change()`.execute(db);
  await sql`DROP FUNCTION IF EXISTS flowdesk_run_moved(uuid, integer)`.execute(db);
}
