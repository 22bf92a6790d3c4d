// The permission table: who may do what. Routes name one permission in `config.access`; the auth plugin
// (plugin.ts) is the one place that checks it. API-token scopes are permission names too: a token can do
// what its user's role allows AND its scopes list.

export const ROLES = ['admin', 'manager', 'agent', 'customer'] as const;
export type Role = (typeof ROLES)[number];

const STAFF: readonly Role[] = ['admin', 'manager', 'agent'];
const LEADS: readonly Role[] = ['admin', 'manager'];
const ADMIN: readonly Role[] = ['admin'];

export const PERMISSIONS = {
  'workflows.read': { roles: STAFF, description: 'See workflows, versions and the node catalog' },
  'workflows.write': { roles: LEADS, description: 'Create workflows and edit drafts' },
  'workflows.publish': { roles: LEADS, description: 'Publish a workflow version (starts running it on new tickets)' },
  'runs.read': { roles: STAFF, description: "See runs and their history (agents: only their teams' tickets)" },
  'runs.write': { roles: STAFF, description: 'Start runs, send events (task forms, votes), retry stuck runs' },
  'tickets.read': { roles: STAFF, description: "Read and search tickets (agents: only their teams' tickets)" },
  'tickets.write': { roles: STAFF, description: 'Create tickets, reply, add notes, change fields, apply macros' },
  'tickets.internal': { roles: STAFF, description: 'Read internal notes' },
  'tickets.all_teams': { roles: LEADS, description: "See every team's tickets, not just one's own teams'" },
  'customers.read': { roles: STAFF, description: 'Read customers and their identities' },
  'customers.write': { roles: STAFF, description: 'Create customers and add identities' },
  'customers.merge': { roles: LEADS, description: 'Merge two customers' },
  'customers.export': { roles: ADMIN, description: 'Export everything about a customer (GDPR access request)' },
  'customers.erase': { roles: ADMIN, description: 'Erase a customer (GDPR erasure)' },
  'directory.read': { roles: STAFF, description: 'See teams and agents' },
  'directory.write': { roles: LEADS, description: 'Create and change teams and agents' },
  'kb.read': { roles: STAFF, description: 'Read knowledge-base articles, drafts included' },
  'kb.write': { roles: LEADS, description: 'Write knowledge-base articles' },
  'macros.read': { roles: STAFF, description: 'See macros' },
  'macros.write': { roles: LEADS, description: 'Create and change macros' },
  'sla.read': { roles: STAFF, description: 'See calendars and SLA policies' },
  'sla.write': { roles: LEADS, description: 'Change calendars and SLA policies' },
  'integrations.manage': { roles: ADMIN, description: 'Inbound webhook sources, outbound endpoints, delivery log' },
  'users.manage': { roles: ADMIN, description: 'Create users, change roles, disable accounts' },
  'audit.read': { roles: ADMIN, description: 'Read and verify the audit log' },
  'settings.manage': { roles: ADMIN, description: 'Retention policy, secrets, organisation settings' },
  'tokens.own': { roles: STAFF, description: 'Create and revoke one’s own API tokens' },
  'portal': { roles: ['customer'], description: 'The customer portal: one’s own tickets and public replies' },
} as const satisfies Record<string, { roles: readonly Role[]; description: string }>;

export type Permission = keyof typeof PERMISSIONS;
export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

/**
 * What a route requires: a permission, `authenticated` (any signed-in user or token, e.g. GET /api/auth/me),
 * or `public` (no principal; the route authenticates by other means — HMAC, rate limits — or needs none).
 */
export type RouteAccess = Permission | 'authenticated' | 'public';

export function roleHas(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission].roles as readonly Role[]).includes(role);
}

export function permissionsOf(role: Role): Permission[] {
  return PERMISSION_NAMES.filter((p) => roleHas(role, p));
}

export function isPermission(value: string): value is Permission {
  return Object.hasOwn(PERMISSIONS, value);
}
