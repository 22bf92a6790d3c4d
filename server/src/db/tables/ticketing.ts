// Kysely types of the ticketing tables (migration 0002_ticketing). Tickets themselves are in ../types.ts.
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Computed, Json, JsonWithDefault, Timestamp } from '../column-types.ts';

/** The organisation that rows created before multi-organisation support belong to. */
export const DEFAULT_ORGANISATION_ID = '00000000-0000-4000-8000-000000000001';

export interface OrganisationsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  /** JSON Schema for tickets.fields (custom fields). */
  ticket_fields_schema: JsonWithDefault<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface CustomersTable {
  id: Generated<string>;
  organisation_id: string;
  name: string | null;
  language: string | null;
  /** Set once merged into another customer (identities and tickets moved there). */
  merged_into: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type IdentityKind = 'email' | 'phone' | 'handle' | 'portal';

export interface CustomerIdentitiesTable {
  id: Generated<string>;
  organisation_id: string;
  customer_id: string;
  kind: IdentityKind;
  /** Normalised value: lower-cased email, E.164 phone, "network:name" handle, portal account id. */
  value: string;
  verified: Generated<boolean>;
  created_at: Timestamp;
}

export interface TeamsTable {
  id: Generated<string>;
  organisation_id: string;
  name: string;
  created_at: Timestamp;
}

export interface AgentsTable {
  id: Generated<string>;
  organisation_id: string;
  name: string;
  email: string;
  skills: Generated<string[]>;
  capacity: Generated<number>;
  calendar_id: string | null;
  active: Generated<boolean>;
  created_at: Timestamp;
}

export interface TeamMembersTable {
  team_id: string;
  agent_id: string;
}

export interface MessagesTable {
  id: Generated<string>;
  organisation_id: string;
  ticket_id: string;
  visibility: 'public' | 'internal';
  author_type: 'customer' | 'agent' | 'system';
  author_customer_id: string | null;
  author_agent_id: string | null;
  channel: string;
  body_text: string;
  body_html: string | null;
  email_message_id: string | null;
  /** Sender address of an inbound email (migration 0011); replies go back to it. */
  from_address: ColumnType<string | null, string | null | undefined, string | null>;
  in_reply_to: string | null;
  references: Generated<string[]>;
  created_at: Timestamp;
  search: Computed<string>;
}

export interface AttachmentsTable {
  id: Generated<string>;
  organisation_id: string;
  message_id: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  content: Buffer;
  /** Content-ID of an inline email part (migration 0003). */
  content_id: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
}

export interface KbArticlesTable {
  id: Generated<string>;
  organisation_id: string;
  title: string;
  body_markdown: string;
  category: string | null;
  language: Generated<string>;
  status: Generated<'draft' | 'published'>;
  created_at: Timestamp;
  updated_at: Timestamp;
  search: Computed<string>;
}

export interface MacrosTable {
  id: Generated<string>;
  organisation_id: string;
  name: string;
  body: string;
  actions: JsonWithDefault<unknown[]>;
  created_at: Timestamp;
}

export interface TicketingTables {
  organisations: OrganisationsTable;
  customers: CustomersTable;
  customer_identities: CustomerIdentitiesTable;
  teams: TeamsTable;
  agents: AgentsTable;
  team_members: TeamMembersTable;
  messages: MessagesTable;
  attachments: AttachmentsTable;
  kb_articles: KbArticlesTable;
  macros: MacrosTable;
}

export type Organisation = Selectable<OrganisationsTable>;
export type Customer = Selectable<CustomersTable>;
export type CustomerIdentity = Selectable<CustomerIdentitiesTable>;
export type Agent = Selectable<AgentsTable>;
export type Message = Selectable<MessagesTable>;
export type KbArticle = Selectable<KbArticlesTable>;
export type { Json };

// ---- migration 0003_ticketing_more ----

/** Customer facts a workflow sees, kept on the ticket by database triggers (never written by the app). */
export interface CustomerFacts {
  id: string;
  name: string | null;
  language: string | null;
  /** The kinds of identity the customer has, e.g. ["email", "phone"]. */
  identities: IdentityKind[];
}

declare module '../types.ts' {
  interface TicketsTable {
    /** Maintained by triggers from customers + customer_identities (migration 0003). */
    customer_facts: ColumnType<CustomerFacts | null, never, never>;
  }
}
