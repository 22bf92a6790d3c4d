// Account rows -> API shapes. Never includes hashes, secrets or TOTP seeds.
import type { ApiToken, User } from '../db/tables/auth.ts';
import { permissionsOf, type Permission } from '../auth/permissions.ts';

export function toUser(user: User, now = new Date()) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    organisationId: user.organisation_id,
    agentId: user.agent_id,
    customerId: user.customer_id,
    totpEnabled: user.totp_enabled,
    disabled: user.disabled,
    locked: user.locked_until !== null && user.locked_until.getTime() > now.getTime(),
    lastLoginAt: user.last_login_at?.toISOString() ?? null,
    createdAt: user.created_at.toISOString(),
  };
}

export function toApiToken(token: ApiToken) {
  return {
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    scopes: token.scopes,
    expiresAt: token.expires_at?.toISOString() ?? null,
    lastUsedAt: token.last_used_at?.toISOString() ?? null,
    revokedAt: token.revoked_at?.toISOString() ?? null,
    createdAt: token.created_at.toISOString(),
  };
}

/** The body of sign-in, portal sign-in and GET /api/auth/me; permissions default to the role's. */
export function toSessionInfo(user: User, csrfToken: string | null, permissions: readonly Permission[] = permissionsOf(user.role)) {
  return { user: toUser(user), csrfToken, permissions: [...permissions] };
}
