// Email channel: the outbox of outbound mail. A database trigger writes one outbound_emails row for every
// public agent/system message on an email ticket, in the transaction that inserts the message, so no
// reply is lost and the ticketing services need not know about email. The email worker turns pending rows
// into pg-boss jobs and sends them (server/src/channels/email/outbound.ts). Frozen in time: never import
// application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('outbound_emails')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    .addColumn('message_id', 'uuid', (c) => c.notNull().unique().references('messages.id'))
    .addColumn('ticket_id', 'uuid', (c) => c.notNull().references('tickets.id'))
    // pending (written by the trigger) -> queued (a pg-boss job exists) -> sent | captured (no SMTP URL) | failed
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status IN ('pending', 'queued', 'sent', 'captured', 'failed')`))
    .addColumn('to_address', 'text')
    .addColumn('subject', 'text')
    // Our Message-ID header (also stored on messages.email_message_id), with angle brackets.
    .addColumn('message_id_header', 'text')
    .addColumn('in_reply_to', 'text')
    .addColumn('references', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    // The RFC 5322 source as sent or captured.
    .addColumn('raw', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await sql`CREATE INDEX outbound_emails_pending_idx ON outbound_emails (created_at) WHERE status = 'pending'`.execute(db);
  await db.schema.createIndex('outbound_emails_ticket_idx').on('outbound_emails').columns(['ticket_id', 'created_at']).execute();

  await sql`
    CREATE FUNCTION flowdesk_email_outbound() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.visibility = 'public' AND NEW.author_type IN ('agent', 'system')
         AND EXISTS (SELECT 1 FROM tickets t WHERE t.id = NEW.ticket_id AND t.channel = 'email') THEN
        INSERT INTO outbound_emails (organisation_id, message_id, ticket_id)
        VALUES (NEW.organisation_id, NEW.id, NEW.ticket_id)
        ON CONFLICT (message_id) DO NOTHING;
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER messages_email_outbound AFTER INSERT ON messages FOR EACH ROW EXECUTE FUNCTION flowdesk_email_outbound()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS messages_email_outbound ON messages`.execute(db);
  await sql`DROP FUNCTION IF EXISTS flowdesk_email_outbound()`.execute(db);
  await db.schema.dropTable('outbound_emails').ifExists().execute();
}
