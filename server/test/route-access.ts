// The expected access of every API route, written out by hand: the route × role matrix test
// (auth-matrix.test.ts) checks the server against it, and the OpenAPI test checks that no route is
// missing from it. Adding a route means adding a line here, which forces a decision about who may call it.
import type { Role } from '../src/auth/permissions.ts';

export interface RouteExpectation {
  /** What the route declares in config.access. */
  access: string;
  /** Roles that get through (anything but 401/403); every other role gets 403. Public routes: everyone. */
  allow: readonly Role[] | 'everyone';
}

const ADMIN: readonly Role[] = ['admin'];
const LEADS: readonly Role[] = ['admin', 'manager'];
const STAFF: readonly Role[] = ['admin', 'manager', 'agent'];
const CUSTOMER: readonly Role[] = ['customer'];
const SIGNED_IN: readonly Role[] = ['admin', 'manager', 'agent', 'customer'];

const pub = { access: 'public', allow: 'everyone' } as const;
const r = (access: string, allow: readonly Role[]): RouteExpectation => ({ access, allow });

export const ROUTE_ACCESS: Record<string, RouteExpectation> = {
  'GET /api/health': pub,

  'POST /api/auth/login': pub,
  'POST /api/auth/password-reset': pub,
  'POST /api/auth/password-reset/confirm': pub,
  'POST /api/auth/logout': r('authenticated', SIGNED_IN),
  'GET /api/auth/me': r('authenticated', SIGNED_IN),
  'POST /api/auth/totp/setup': r('tokens.own', STAFF),
  'POST /api/auth/totp/enable': r('tokens.own', STAFF),
  'POST /api/auth/totp/disable': r('tokens.own', STAFF),
  'POST /api/tokens': r('tokens.own', STAFF),
  'GET /api/tokens': r('tokens.own', STAFF),
  'DELETE /api/tokens/{id}': r('tokens.own', STAFF),

  'POST /api/users': r('users.manage', ADMIN),
  'GET /api/users': r('users.manage', ADMIN),
  'GET /api/users/{id}': r('users.manage', ADMIN),
  'PATCH /api/users/{id}': r('users.manage', ADMIN),
  'POST /api/users/{id}/invite': r('users.manage', ADMIN),

  'POST /api/portal/magic-link': pub,
  'POST /api/portal/session': pub,
  'GET /api/portal/tickets': r('portal', CUSTOMER),
  'POST /api/portal/tickets': r('portal', CUSTOMER),
  'GET /api/portal/tickets/{id}': r('portal', CUSTOMER),
  'POST /api/portal/tickets/{id}/replies': r('portal', CUSTOMER),
  'GET /api/portal/tickets/{id}/attachments/{attachmentId}': r('portal', CUSTOMER),

  'POST /api/workflows/validate': r('workflows.read', STAFF),
  'POST /api/workflows': r('workflows.write', LEADS),
  'GET /api/workflows': r('workflows.read', STAFF),
  'GET /api/workflows/{id}': r('workflows.read', STAFF),
  'PUT /api/workflows/{id}/draft': r('workflows.write', LEADS),
  'POST /api/workflows/{id}/publish': r('workflows.publish', LEADS),
  'POST /api/workflows/{id}/rollback': r('workflows.publish', LEADS),
  'POST /api/workflows/{id}/migrations/preview': r('workflows.publish', LEADS),
  'POST /api/workflows/{id}/migrations': r('workflows.publish', LEADS),
  'GET /api/workflows/{id}/run-counts': r('workflows.read', STAFF),
  'GET /api/workflows/{id}/versions/{version}': r('workflows.read', STAFF),

  'POST /api/tickets': r('tickets.write', STAFF),
  'GET /api/tickets': r('tickets.read', STAFF),
  'GET /api/tickets/search': r('tickets.read', STAFF),
  'GET /api/tickets/{id}': r('tickets.read', STAFF),
  'PATCH /api/tickets/{id}': r('tickets.write', STAFF),
  'POST /api/tickets/{id}/messages': r('tickets.write', STAFF),
  'GET /api/tickets/{id}/attachments/{attachmentId}': r('tickets.read', STAFF),
  'POST /api/tickets/{id}/macros/{macroId}': r('tickets.write', STAFF),
  'GET /api/tickets/{id}/sla': r('tickets.read', STAFF),
  'GET /api/tickets/{id}/runs': r('runs.read', STAFF),
  'GET /api/tickets/{id}/tasks': r('runs.read', STAFF),
  'POST /api/tickets/{id}/tasks/{taskId}': r('runs.write', STAFF),

  'GET /api/customers': r('customers.read', STAFF),
  'POST /api/customers': r('customers.write', STAFF),
  'GET /api/customers/{id}': r('customers.read', STAFF),
  'POST /api/customers/{id}/identities': r('customers.write', STAFF),
  'POST /api/customers/{id}/merge': r('customers.merge', LEADS),
  'GET /api/customers/{id}/export': r('customers.export', ADMIN),
  'POST /api/customers/{id}/erase': r('customers.erase', ADMIN),

  'POST /api/teams': r('directory.write', LEADS),
  'GET /api/teams': r('directory.read', STAFF),
  'GET /api/teams/{id}': r('directory.read', STAFF),
  'PATCH /api/teams/{id}': r('directory.write', LEADS),
  'POST /api/agents': r('directory.write', LEADS),
  'GET /api/agents': r('directory.read', STAFF),
  'GET /api/agents/{id}': r('directory.read', STAFF),
  'PATCH /api/agents/{id}': r('directory.write', LEADS),

  'POST /api/kb/articles': r('kb.write', LEADS),
  'GET /api/kb/articles': r('kb.read', STAFF),
  'GET /api/kb/articles/{id}': r('kb.read', STAFF),
  'PATCH /api/kb/articles/{id}': r('kb.write', LEADS),
  'DELETE /api/kb/articles/{id}': r('kb.write', LEADS),
  'GET /api/kb/search': r('kb.read', STAFF),

  'POST /api/macros': r('macros.write', LEADS),
  'GET /api/macros': r('macros.read', STAFF),
  'GET /api/macros/{id}': r('macros.read', STAFF),
  'PATCH /api/macros/{id}': r('macros.write', LEADS),
  'DELETE /api/macros/{id}': r('macros.write', LEADS),

  'GET /api/public/form': pub,
  'POST /api/public/tickets': pub,

  'POST /api/runs': r('runs.write', STAFF),
  'GET /api/runs': r('runs.read', STAFF),
  'GET /api/runs/{id}': r('runs.read', STAFF),
  'GET /api/runs/{id}/history': r('runs.read', STAFF),
  'GET /api/runs/{id}/stream': r('runs.read', STAFF),
  'GET /api/runs/{id}/test-case': r('runs.read', STAFF),
  'POST /api/runs/{id}/events': r('runs.write', STAFF),
  'POST /api/runs/{id}/retry': r('runs.write', STAFF),

  'POST /api/calendars': r('sla.write', LEADS),
  'GET /api/calendars': r('sla.read', STAFF),
  'GET /api/calendars/{id}': r('sla.read', STAFF),
  'PUT /api/calendars/{id}': r('sla.write', LEADS),
  'DELETE /api/calendars/{id}': r('sla.write', LEADS),
  'POST /api/sla-policies': r('sla.write', LEADS),
  'GET /api/sla-policies': r('sla.read', STAFF),
  'GET /api/sla-policies/{id}': r('sla.read', STAFF),
  'PUT /api/sla-policies/{id}': r('sla.write', LEADS),
  'DELETE /api/sla-policies/{id}': r('sla.write', LEADS),

  'POST /api/hooks/{sourceId}': pub,
  'POST /api/webhook-sources': r('integrations.manage', ADMIN),
  'GET /api/webhook-sources': r('integrations.manage', ADMIN),
  'GET /api/webhook-sources/{id}': r('integrations.manage', ADMIN),
  'PATCH /api/webhook-sources/{id}': r('integrations.manage', ADMIN),
  'DELETE /api/webhook-sources/{id}': r('integrations.manage', ADMIN),
  'POST /api/webhook-endpoints': r('integrations.manage', ADMIN),
  'GET /api/webhook-endpoints': r('integrations.manage', ADMIN),
  'GET /api/webhook-endpoints/{id}': r('integrations.manage', ADMIN),
  'PATCH /api/webhook-endpoints/{id}': r('integrations.manage', ADMIN),
  'DELETE /api/webhook-endpoints/{id}': r('integrations.manage', ADMIN),
  'GET /api/webhook-endpoints/{id}/deliveries': r('integrations.manage', ADMIN),
  'POST /api/webhook-endpoints/{id}/deliveries/{deliveryId}/retry': r('integrations.manage', ADMIN),

  'GET /api/audit': r('audit.read', ADMIN),
  'GET /api/audit/verify': r('audit.read', ADMIN),
  'GET /api/settings/retention': r('settings.manage', ADMIN),
  'PUT /api/settings/retention': r('settings.manage', ADMIN),
  'GET /api/settings/ai-budget': r('settings.manage', ADMIN),
  'PUT /api/settings/ai-budget': r('settings.manage', ADMIN),
  'GET /api/settings/secrets': r('settings.manage', ADMIN),
  'PUT /api/settings/secrets/{name}': r('settings.manage', ADMIN),
  'DELETE /api/settings/secrets/{name}': r('settings.manage', ADMIN),

  'GET /api/ai/models': r('workflows.read', STAFF),
  'POST /api/ai/retrain': r('settings.manage', ADMIN),
  'GET /api/ai/trainings': r('settings.manage', ADMIN),
  'GET /api/ai/trainings/{id}': r('settings.manage', ADMIN),
  'GET /api/ai/usage': r('settings.manage', ADMIN),
  'GET /api/ai/providers': r('settings.manage', ADMIN),
};
