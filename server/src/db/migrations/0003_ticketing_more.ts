// Ticketing, second part: the customer facts a workflow sees (denormalised onto the ticket by triggers,
// so the runtime's plain `SELECT * FROM tickets` carries them), resolved_at kept by the database, and
// indexes for the ticket list filters. Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // { id, name, language, identities: [kinds] } of the ticket's customer, or null. Maintained by triggers
  // on tickets, customers and customer_identities: every writer (REST, email, webhooks, merges) keeps it right.
  await sql`ALTER TABLE tickets ADD COLUMN customer_facts jsonb`.execute(db);
  await sql`
    CREATE FUNCTION flowdesk_customer_facts(cid uuid) RETURNS jsonb LANGUAGE sql STABLE AS $$
      SELECT jsonb_build_object(
        'id', c.id, 'name', c.name, 'language', c.language,
        'identities', coalesce((SELECT jsonb_agg(DISTINCT i.kind) FROM customer_identities i WHERE i.customer_id = c.id), '[]'::jsonb))
      FROM customers c WHERE c.id = cid
    $$`.execute(db);
  await sql`
    CREATE FUNCTION flowdesk_tickets_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' OR NEW.customer_id IS DISTINCT FROM OLD.customer_id THEN
        NEW.customer_facts := CASE WHEN NEW.customer_id IS NULL THEN NULL ELSE flowdesk_customer_facts(NEW.customer_id) END;
      END IF;
      IF NEW.status IN ('resolved', 'closed') THEN
        IF TG_OP = 'INSERT' OR OLD.status NOT IN ('resolved', 'closed') THEN NEW.resolved_at := coalesce(NEW.resolved_at, now()); END IF;
      ELSIF TG_OP = 'UPDATE' AND OLD.status IN ('resolved', 'closed') THEN
        NEW.resolved_at := NULL;
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER tickets_before_write BEFORE INSERT OR UPDATE OF customer_id, status ON tickets
    FOR EACH ROW EXECUTE FUNCTION flowdesk_tickets_before_write()`.execute(db);
  await sql`
    CREATE FUNCTION flowdesk_refresh_customer_facts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_TABLE_NAME = 'customers' THEN
        UPDATE tickets SET customer_facts = flowdesk_customer_facts(NEW.id) WHERE customer_id = NEW.id;
        RETURN NULL;
      END IF;
      IF TG_OP <> 'DELETE' THEN
        UPDATE tickets SET customer_facts = flowdesk_customer_facts(NEW.customer_id) WHERE customer_id = NEW.customer_id;
      END IF;
      IF TG_OP = 'DELETE' THEN
        UPDATE tickets SET customer_facts = flowdesk_customer_facts(OLD.customer_id) WHERE customer_id = OLD.customer_id;
      ELSIF TG_OP = 'UPDATE' THEN
        IF OLD.customer_id IS DISTINCT FROM NEW.customer_id THEN
          UPDATE tickets SET customer_facts = flowdesk_customer_facts(OLD.customer_id) WHERE customer_id = OLD.customer_id;
        END IF;
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`CREATE TRIGGER customer_identities_facts AFTER INSERT OR UPDATE OR DELETE ON customer_identities
    FOR EACH ROW EXECUTE FUNCTION flowdesk_refresh_customer_facts()`.execute(db);
  await sql`CREATE TRIGGER customers_facts AFTER UPDATE OF name, language ON customers
    FOR EACH ROW EXECUTE FUNCTION flowdesk_refresh_customer_facts()`.execute(db);

  // Inline parts of email (cid: references) keep their Content-ID.
  await sql`ALTER TABLE attachments ADD COLUMN content_id text`.execute(db);

  await db.schema.createIndex('tickets_tags_idx').on('tickets').using('gin').column('tags').execute();
  await db.schema.createIndex('tickets_team_idx').on('tickets').columns(['team_id', 'status']).execute();
  await db.schema.createIndex('messages_author_customer_idx').on('messages').column('author_customer_id').execute();
  await db.schema.createIndex('customers_merged_into_idx').on('customers').column('merged_into').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of ['customers_merged_into_idx', 'messages_author_customer_idx', 'tickets_team_idx', 'tickets_tags_idx']) {
    await db.schema.dropIndex(index).ifExists().execute();
  }
  await sql`ALTER TABLE attachments DROP COLUMN IF EXISTS content_id`.execute(db);
  await sql`DROP TRIGGER IF EXISTS customers_facts ON customers`.execute(db);
  await sql`DROP TRIGGER IF EXISTS customer_identities_facts ON customer_identities`.execute(db);
  await sql`DROP TRIGGER IF EXISTS tickets_before_write ON tickets`.execute(db);
  await sql`DROP FUNCTION IF EXISTS flowdesk_refresh_customer_facts()`.execute(db);
  await sql`DROP FUNCTION IF EXISTS flowdesk_tickets_before_write()`.execute(db);
  await sql`DROP FUNCTION IF EXISTS flowdesk_customer_facts(uuid)`.execute(db);
  await sql`ALTER TABLE tickets DROP COLUMN IF EXISTS customer_facts`.execute(db);
}
