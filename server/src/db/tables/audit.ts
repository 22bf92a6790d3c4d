// Kysely types of the audit log, organisation secrets, retention and erasure columns (migration 0009_audit_gdpr).
import type { ColumnType, Selectable } from 'kysely';
import type { Json, NullableTimestamp, Timestamp } from '../column-types.ts';

export type AuditActorType = 'user' | 'token' | 'system' | 'anonymous';

export interface AuditLogTable {
  /** bigint: pg returns it as a string. */
  seq: ColumnType<string, number | string, never>;
  at: ColumnType<Date, Date | string, never>;
  organisation_id: ColumnType<string, string, never>;
  actor_type: ColumnType<AuditActorType, AuditActorType, never>;
  actor_id: ColumnType<string | null, string | null, never>;
  action: ColumnType<string, string, never>;
  target_type: ColumnType<string | null, string | null, never>;
  target_id: ColumnType<string | null, string | null, never>;
  /** Replaced only by a redaction (GDPR erasure). */
  details: Json<Record<string, unknown>>;
  details_sha256: ColumnType<string, string, never>;
  prev_hash: ColumnType<string, string, never>;
  hash: ColumnType<string, string, never>;
  redacted_at: NullableTimestamp;
}

export interface OrganisationSecretsTable {
  organisation_id: string;
  name: string;
  /** Always ciphertext (enc:v1:...), never the value. */
  value: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AuditTables {
  audit_log: AuditLogTable;
  organisation_secrets: OrganisationSecretsTable;
}

export type AuditLogRow = Selectable<AuditLogTable>;
export type OrganisationSecretRow = Selectable<OrganisationSecretsTable>;

declare module './ticketing.ts' {
  interface OrganisationsTable {
    /** Resolved/closed tickets older than this many days are purged; null keeps them forever (migration 0009). */
    retention_closed_days: ColumnType<number | null, number | null | undefined, number | null>;
  }
  interface CustomersTable {
    /** Set when the customer was erased (GDPR, migration 0009). */
    erased_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  }
}
