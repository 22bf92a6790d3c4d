// Who is asking. The auth plugin puts one on every request (request.principal); routes and repositories
// read the organisation and the ticket scope from it instead of trusting input.
import type { Permission, Role } from './permissions.ts';

export interface Principal {
  kind: 'user' | 'token';
  userId: string;
  /** Set when kind is 'token'. */
  tokenId: string | null;
  organisationId: string;
  role: Role;
  email: string;
  name: string | null;
  /** The agent row of a staff user (authors replies, holds team memberships); null for admins without one and customers. */
  agentId: string | null;
  /** The customer row of a portal user; null for staff. */
  customerId: string | null;
  /** Effective permissions: the role's, intersected with the token's scopes for tokens. */
  permissions: ReadonlySet<Permission>;
  /** Session id for cookie auth (CSRF is checked against it); null for tokens. */
  sessionId: string | null;
}

/**
 * Which tickets a principal may see: every ticket of the organisation, the tickets of some teams
 * (plus the unrouted queue with no team, plus tickets assigned to the agent), or one customer's tickets.
 */
export type TicketScope =
  | { kind: 'all'; organisationId: string }
  | { kind: 'teams'; organisationId: string; teamIds: readonly string[]; agentId: string | null }
  | { kind: 'customer'; organisationId: string; customerId: string };

export function can(principal: Principal, permission: Permission): boolean {
  return principal.permissions.has(permission);
}

/** The request's origin for the audit log: who did it and from where. */
export interface AuditActor {
  type: 'user' | 'token' | 'system' | 'anonymous';
  id: string | null;
}

export function actorOf(principal: Principal | null): AuditActor {
  if (!principal) return { type: 'anonymous', id: null };
  return principal.kind === 'token' ? { type: 'token', id: principal.tokenId } : { type: 'user', id: principal.userId };
}
