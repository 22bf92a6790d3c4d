// Kysely types of the email channel's tables (migration 0005_email).
import type { Generated, Selectable } from 'kysely';
import type { NullableTimestamp, Timestamp } from '../column-types.ts';

export type OutboundEmailStatus = 'pending' | 'queued' | 'sent' | 'captured' | 'failed';

export interface OutboundEmailsTable {
  id: Generated<string>;
  organisation_id: string;
  message_id: string;
  ticket_id: string;
  status: Generated<OutboundEmailStatus>;
  to_address: string | null;
  subject: string | null;
  message_id_header: string | null;
  in_reply_to: string | null;
  references: Generated<string[]>;
  raw: string | null;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: Timestamp;
  sent_at: NullableTimestamp;
}

export interface EmailTables {
  outbound_emails: OutboundEmailsTable;
}

export type OutboundEmail = Selectable<OutboundEmailsTable>;
