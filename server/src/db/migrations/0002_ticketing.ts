// Ticketing core: organisations, customers with identities across channels, teams and agents, ticket
// ownership/channel/number columns, threads of messages with attachments, knowledge-base articles,
// macros, and full-text search vectors. Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

/** The organisation rows created before multi-organisation support belong to. */
const DEFAULT_ORGANISATION_ID = '00000000-0000-4000-8000-000000000001';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('organisations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    // JSON Schema that tickets.fields must satisfy (custom fields), validated by the API with ajv.
    .addColumn('ticket_fields_schema', 'jsonb', (c) => c.notNull().defaultTo(sql`'{"type":"object"}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`INSERT INTO organisations (id, slug, name) VALUES (${DEFAULT_ORGANISATION_ID}::uuid, 'default', 'Default organisation')`.execute(db);

  await db.schema
    .createTable('customers')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    .addColumn('name', 'text')
    .addColumn('language', 'text')
    // Set when this customer was merged into another; the row stays for history, identities move.
    .addColumn('merged_into', 'uuid', (c) => c.references('customers.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('customers_org_idx').on('customers').columns(['organisation_id', 'created_at']).execute();

  await db.schema
    .createTable('customer_identities')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    .addColumn('customer_id', 'uuid', (c) => c.notNull().references('customers.id'))
    // email | phone | handle (e.g. "twitter:@ana") | portal
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind IN ('email', 'phone', 'handle', 'portal')`))
    // Normalised: emails lower-cased, phones in E.164, handles "network:name" lower-cased.
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('verified', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('customer_identities_value_key', ['organisation_id', 'kind', 'value'])
    .execute();
  await db.schema.createIndex('customer_identities_customer_idx').on('customer_identities').column('customer_id').execute();

  await db.schema
    .createTable('teams')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('teams_name_key', ['organisation_id', 'name'])
    .execute();

  await db.schema
    .createTable('agents')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('skills', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    // Open tickets an agent can hold at once.
    .addColumn('capacity', 'integer', (c) => c.notNull().defaultTo(10).check(sql`capacity >= 0`))
    // Working hours: a business-hours calendar (the SLA migration creates calendars and adds the FK).
    .addColumn('calendar_id', 'uuid')
    .addColumn('active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('agents_email_key', ['organisation_id', 'email'])
    .execute();

  await db.schema
    .createTable('team_members')
    .addColumn('team_id', 'uuid', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('agent_id', 'uuid', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('team_members_pkey', ['team_id', 'agent_id'])
    .execute();

  // Tickets grow an owner organisation, a customer, a channel, a number for humans and email subjects,
  // an assignee/team, lifecycle timestamps and a weighted search vector.
  await sql`ALTER TABLE tickets
    ADD COLUMN number bigint GENERATED ALWAYS AS IDENTITY (START WITH 1000) UNIQUE,
    ADD COLUMN organisation_id uuid NOT NULL DEFAULT ${sql.lit(DEFAULT_ORGANISATION_ID)}::uuid REFERENCES organisations(id),
    ADD COLUMN customer_id uuid REFERENCES customers(id),
    ADD COLUMN channel text NOT NULL DEFAULT 'api',
    ADD COLUMN assignee_agent_id uuid REFERENCES agents(id),
    ADD COLUMN team_id uuid REFERENCES teams(id),
    ADD COLUMN first_responded_at timestamptz,
    ADD COLUMN resolved_at timestamptz,
    ADD COLUMN search tsvector GENERATED ALWAYS AS (
      setweight(to_tsvector('english', coalesce(subject, '')), 'A') || setweight(to_tsvector('english', coalesce(body, '')), 'B')
    ) STORED`.execute(db);
  await db.schema.createIndex('tickets_search_idx').on('tickets').using('gin').column('search').execute();
  await db.schema.createIndex('tickets_org_created_idx').on('tickets').columns(['organisation_id', 'created_at desc', 'id desc']).execute();
  await db.schema.createIndex('tickets_customer_idx').on('tickets').column('customer_id').execute();
  await db.schema.createIndex('tickets_assignee_idx').on('tickets').columns(['assignee_agent_id', 'status']).execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    .addColumn('ticket_id', 'uuid', (c) => c.notNull().references('tickets.id'))
    // public: visible to the customer; internal: a note between agents.
    .addColumn('visibility', 'text', (c) => c.notNull().check(sql`visibility IN ('public', 'internal')`))
    .addColumn('author_type', 'text', (c) => c.notNull().check(sql`author_type IN ('customer', 'agent', 'system')`))
    .addColumn('author_customer_id', 'uuid', (c) => c.references('customers.id'))
    .addColumn('author_agent_id', 'uuid', (c) => c.references('agents.id'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('body_text', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text')
    // Email threading: this message's Message-ID and what it answered.
    .addColumn('email_message_id', 'text')
    .addColumn('in_reply_to', 'text')
    .addColumn('references', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('search', sql`tsvector`, (c) => c.generatedAlwaysAs(sql`to_tsvector('english', coalesce(body_text, ''))`).stored())
    .execute();
  await db.schema.createIndex('messages_ticket_idx').on('messages').columns(['ticket_id', 'created_at']).execute();
  await sql`CREATE UNIQUE INDEX messages_email_message_id_key ON messages (organisation_id, email_message_id) WHERE email_message_id IS NOT NULL`.execute(db);
  await db.schema.createIndex('messages_search_idx').on('messages').using('gin').column('search').execute();

  await db.schema
    .createTable('attachments')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    .addColumn('message_id', 'uuid', (c) => c.notNull().references('messages.id'))
    // As sent, for display only; never used as a path.
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'integer', (c) => c.notNull().check(sql`size_bytes >= 0`))
    .addColumn('sha256', 'text', (c) => c.notNull())
    // Stored in the database: transactional with its message, backed up with everything else.
    .addColumn('content', 'bytea', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('attachments_message_idx').on('attachments').column('message_id').execute();

  await db.schema
    .createTable('kb_articles')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body_markdown', 'text', (c) => c.notNull())
    .addColumn('category', 'text')
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('draft').check(sql`status IN ('draft', 'published')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('search', sql`tsvector`, (c) =>
      c.generatedAlwaysAs(sql`setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', coalesce(body_markdown, '')), 'B')`).stored(),
    )
    .execute();
  await db.schema.createIndex('kb_articles_search_idx').on('kb_articles').using('gin').column('search').execute();

  await db.schema
    .createTable('macros')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('organisation_id', 'uuid', (c) => c.notNull().references('organisations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    // Canned reply text; may use {{ticket.subject}}-style placeholders.
    .addColumn('body', 'text', (c) => c.notNull())
    // Optional ticket changes applied with the reply, in the action-node step format.
    .addColumn('actions', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('macros_name_key', ['organisation_id', 'name'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['macros', 'kb_articles', 'attachments', 'messages']) await db.schema.dropTable(table).ifExists().execute();
  await sql`ALTER TABLE tickets DROP COLUMN IF EXISTS search, DROP COLUMN IF EXISTS resolved_at, DROP COLUMN IF EXISTS first_responded_at,
    DROP COLUMN IF EXISTS team_id, DROP COLUMN IF EXISTS assignee_agent_id, DROP COLUMN IF EXISTS channel,
    DROP COLUMN IF EXISTS customer_id, DROP COLUMN IF EXISTS organisation_id, DROP COLUMN IF EXISTS number`.execute(db);
  for (const table of ['team_members', 'agents', 'teams', 'customer_identities', 'customers', 'organisations']) await db.schema.dropTable(table).ifExists().execute();
}
