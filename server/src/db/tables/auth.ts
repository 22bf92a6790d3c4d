// Kysely types of the account tables (migration 0008_auth).
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { NullableTimestamp, Timestamp } from '../column-types.ts';
import type { Role } from '../../auth/permissions.ts';

export interface UsersTable {
  id: Generated<string>;
  organisation_id: string;
  email: string;
  name: string | null;
  role: Role;
  password_hash: string | null;
  agent_id: string | null;
  customer_id: string | null;
  totp_secret: string | null;
  totp_enabled: Generated<boolean>;
  failed_logins: Generated<number>;
  locked_until: NullableTimestamp;
  disabled: Generated<boolean>;
  last_login_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SessionsTable {
  id: Generated<string>;
  user_id: string;
  token_hash: string;
  csrf_token: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  ip: string | null;
  user_agent: string | null;
}

export interface AuthTokensTable {
  id: Generated<string>;
  user_id: string;
  purpose: 'password_reset' | 'magic_link';
  token_hash: string;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface ApiTokensTable {
  id: Generated<string>;
  user_id: string;
  name: string;
  prefix: string;
  token_hash: string;
  scopes: ColumnType<string[], string[], string[]>;
  expires_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface AuthTables {
  users: UsersTable;
  sessions: SessionsTable;
  auth_tokens: AuthTokensTable;
  api_tokens: ApiTokensTable;
}

export type User = Selectable<UsersTable>;
export type ApiToken = Selectable<ApiTokensTable>;
