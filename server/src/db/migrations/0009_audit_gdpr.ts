// Security, second part: the append-only, hash-chained audit log; secrets of an organisation (stored
// encrypted by the application, see server/src/secrets); the retention policy; the erasure marker on
// customers; and the narrow exceptions GDPR erasure and retention need from the append-only triggers.
// Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_log')
    // Chain order, assigned by the application under a transaction-scoped advisory lock (no sequence: a
    // sequence value burnt by a rolled-back transaction would leave a gap that looks like a deleted row).
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    // Millisecond precision, chosen by the application, so the hashed ISO text round-trips exactly.
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    .addColumn('actor_type', 'text', (c) => c.notNull().check(sql`actor_type IN ('user', 'token', 'system', 'anonymous')`))
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text')
    .addColumn('target_id', 'text')
    // before/after/ip/userAgent: everything that may be personal data lives here and only here.
    .addColumn('details', 'jsonb', (c) => c.notNull())
    // sha256 of the canonical JSON of the details as written. The chain covers this digest, not the details,
    // so a redaction can replace the details and the chain still verifies (redacted rows skip this check).
    .addColumn('details_sha256', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('redacted_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('audit_log_org_seq_idx').on('audit_log').columns(['organisation_id', 'seq desc']).execute();
  await db.schema.createIndex('audit_log_action_idx').on('audit_log').columns(['organisation_id', 'action', 'seq desc']).execute();
  await db.schema.createIndex('audit_log_target_idx').on('audit_log').columns(['target_type', 'target_id']).execute();
  await db.schema.createIndex('audit_log_actor_idx').on('audit_log').columns(['actor_type', 'actor_id']).execute();

  // Append-only: DELETE and TRUNCATE are refused; an UPDATE only as a redaction (GDPR erasure, which sets
  // flowdesk.erasure for its transaction): details replaced, redacted_at set, every chained column unchanged.
  await sql`
    CREATE FUNCTION flowdesk_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE'
         AND current_setting('flowdesk.erasure', true) = 'on'
         AND NEW.redacted_at IS NOT NULL
         AND NEW.seq = OLD.seq AND NEW.at = OLD.at AND NEW.organisation_id = OLD.organisation_id
         AND NEW.actor_type = OLD.actor_type AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
         AND NEW.action = OLD.action AND NEW.target_type IS NOT DISTINCT FROM OLD.target_type
         AND NEW.target_id IS NOT DISTINCT FROM OLD.target_id AND NEW.details_sha256 = OLD.details_sha256
         AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'check_violation';
    END $$`.execute(db);
  await sql`CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION flowdesk_audit_guard()`.execute(db);
  await sql`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION flowdesk_audit_guard()`.execute(db);

  // The append-only tables of 0001/0004 (workflow_versions, run_history, sla_breaches) keep refusing
  // changes, with two transaction-scoped exceptions: GDPR erasure may UPDATE (anonymise copies of a
  // customer's data in run history) and retention may DELETE (purge the history of purged tickets).
  // Both are SET LOCAL by server/src/gdpr in the one transaction that does the work. See docs/security.md.
  await sql`
    CREATE OR REPLACE FUNCTION flowdesk_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND current_setting('flowdesk.erasure', true) = 'on' THEN
        RETURN NEW;
      END IF;
      IF TG_OP = 'DELETE' AND current_setting('flowdesk.retention', true) = 'on' THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'check_violation';
    END $$`.execute(db);

  await db.schema
    .createTable('organisation_secrets')
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    // e.g. smtp.password, ai.anthropic_api_key
    .addColumn('name', 'text', (c) => c.notNull())
    // enc:v1:<key id>:<iv>:<tag>:<ciphertext> (AES-256-GCM under the master key)
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('organisation_secrets_pkey', ['organisation_id', 'name'])
    .execute();

  // Retention: resolved/closed tickets older than this many days are purged; NULL keeps them forever.
  await sql`ALTER TABLE organisations ADD COLUMN retention_closed_days integer CHECK (retention_closed_days BETWEEN 1 AND 36500)`.execute(db);
  await sql`CREATE INDEX tickets_retention_idx ON tickets (organisation_id, resolved_at) WHERE status IN ('resolved', 'closed')`.execute(db);

  // Set when a customer was erased (GDPR); the row stays so counts and ticket links stay.
  await sql`ALTER TABLE customers ADD COLUMN erased_at timestamptz`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE customers DROP COLUMN IF EXISTS erased_at`.execute(db);
  await sql`DROP INDEX IF EXISTS tickets_retention_idx`.execute(db);
  await sql`ALTER TABLE organisations DROP COLUMN IF EXISTS retention_closed_days`.execute(db);
  await db.schema.dropTable('organisation_secrets').ifExists().execute();
  await sql`
    CREATE OR REPLACE FUNCTION flowdesk_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'check_violation';
    END $$`.execute(db);
  await db.schema.dropTable('audit_log').ifExists().execute();
  await sql`DROP FUNCTION IF EXISTS flowdesk_audit_guard()`.execute(db);
}
