// Cookie sessions and API tokens -> the Principal of a request. Lookups are by SHA-256 digest of the
// presented secret; last-seen stamps are written at most once a minute so reads stay reads.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/types.ts';
import type { User } from '../db/tables/auth.ts';
import { isPermission, permissionsOf, type Permission } from './permissions.ts';
import type { Principal } from './principal.ts';
import { digest, randomToken } from './tokens.ts';

/** Idle timeout (sliding) and absolute lifetime of a session. */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
export const SESSION_MAX_MS = 7 * 24 * 60 * 60 * 1000;
const TOUCH_EVERY_MS = 60 * 1000;

export interface ResolvedPrincipal {
  principal: Principal;
  /** Team ids of the principal's agent (for ticket scoping). */
  teamIds: string[];
  /** The session's CSRF token (cookie auth only). */
  csrfToken: string | null;
}

export async function createSession(db: Kysely<Database>, userId: string, meta: { ip: string | null; userAgent: string | null }, now = new Date()): Promise<{ token: string; csrfToken: string; sessionId: string; expiresAt: Date }> {
  const token = randomToken();
  const csrfToken = randomToken();
  const expiresAt = new Date(now.getTime() + SESSION_IDLE_MS);
  const row = await db
    .insertInto('sessions')
    .values({ user_id: userId, token_hash: digest(token), csrf_token: csrfToken, created_at: now, last_seen_at: now, expires_at: expiresAt, ip: meta.ip, user_agent: meta.userAgent?.slice(0, 500) ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { token, csrfToken, sessionId: row.id, expiresAt };
}

export async function revokeSession(db: Kysely<Database>, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

export async function revokeUserSessions(db: Kysely<Database>, userId: string): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

/**
 * The team ids of the user's agent, as a column of the principal's lookup (so resolving a principal is ONE
 * query: token or session -> user -> teams). Empty for users without an agent.
 */
const teamIdsColumn = sql<string[]>`(SELECT coalesce(array_agg(tm.team_id::text), '{}'::text[]) FROM team_members tm WHERE tm.agent_id = u.agent_id)`.as('team_ids');

function principalOf(user: User, extra: { kind: Principal['kind']; tokenId: string | null; sessionId: string | null; scopes: readonly string[] | null }): Principal {
  const rolePermissions = permissionsOf(user.role);
  const permissions = extra.scopes === null ? rolePermissions : rolePermissions.filter((p) => extra.scopes!.includes(p));
  return {
    kind: extra.kind,
    userId: user.id,
    tokenId: extra.tokenId,
    organisationId: user.organisation_id,
    role: user.role,
    email: user.email,
    name: user.name,
    agentId: user.agent_id,
    customerId: user.customer_id,
    permissions: new Set<Permission>(permissions),
    sessionId: extra.sessionId,
  };
}

export async function principalFromSession(db: Kysely<Database>, token: string, now = new Date()): Promise<ResolvedPrincipal | null> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .selectAll('u')
    .select(['s.id as session_id', 's.csrf_token', 's.created_at as session_created_at', 's.last_seen_at', 's.expires_at', teamIdsColumn])
    .where('s.token_hash', '=', digest(token))
    .executeTakeFirst();
  if (!row || row.disabled) return null;
  if (row.expires_at.getTime() <= now.getTime() || now.getTime() - row.session_created_at.getTime() > SESSION_MAX_MS) {
    await revokeSession(db, row.session_id);
    return null;
  }
  if (now.getTime() - row.last_seen_at.getTime() > TOUCH_EVERY_MS) {
    await db.updateTable('sessions').set({ last_seen_at: now, expires_at: new Date(now.getTime() + SESSION_IDLE_MS) }).where('id', '=', row.session_id).execute();
  }
  const principal = principalOf(row, { kind: 'user', tokenId: null, sessionId: row.session_id, scopes: null });
  return { principal, teamIds: row.team_ids, csrfToken: row.csrf_token };
}

export async function principalFromApiToken(db: Kysely<Database>, token: string, now = new Date()): Promise<ResolvedPrincipal | null> {
  const row = await db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .selectAll('u')
    .select(['t.id as token_id', 't.scopes', 't.expires_at as token_expires_at', 't.revoked_at', 't.last_used_at', teamIdsColumn])
    .where('t.token_hash', '=', digest(token))
    .executeTakeFirst();
  if (!row || row.disabled || row.revoked_at) return null;
  if (row.token_expires_at && row.token_expires_at.getTime() <= now.getTime()) return null;
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > TOUCH_EVERY_MS) {
    await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.token_id).execute();
  }
  const scopes = row.scopes.filter(isPermission);
  const principal = principalOf(row, { kind: 'token', tokenId: row.token_id, sessionId: null, scopes });
  return { principal, teamIds: row.team_ids, csrfToken: null };
}
