// Ticket visibility in one place: every query that reads tickets (or rows reached through a ticket:
// runs, messages, attachments, SLAs) narrows itself with ticketScopeSql, so a route cannot forget it.
import { sql, type RawBuilder } from 'kysely';
import { can, type Principal, type TicketScope } from './principal.ts';

export function ticketScopeOf(principal: Principal, teamIds: readonly string[]): TicketScope {
  if (principal.role === 'customer') {
    if (!principal.customerId) throw new Error('a customer principal without a customer');
    return { kind: 'customer', organisationId: principal.organisationId, customerId: principal.customerId };
  }
  if (can(principal, 'tickets.all_teams')) return { kind: 'all', organisationId: principal.organisationId };
  return { kind: 'teams', organisationId: principal.organisationId, teamIds, agentId: principal.agentId };
}

/**
 * The condition "this ticket row is visible in scope" as SQL, for a query with `tickets` aliased as `alias`
 * (usable in Kysely `.where(...)` and inside raw SQL). Team scope: the agent's teams, the unrouted queue
 * (no team yet: triage is everyone's job), and the tickets assigned to the agent personally.
 */
export function ticketScopeSql(scope: TicketScope, alias: string): RawBuilder<boolean> {
  const col = (name: string) => sql.ref(`${alias}.${name}`);
  const org = sql<boolean>`${col('organisation_id')} = ${scope.organisationId}`;
  if (scope.kind === 'all') return org;
  if (scope.kind === 'customer') return sql<boolean>`(${org} AND ${col('customer_id')} = ${scope.customerId})`;
  const teams = scope.teamIds.length > 0 ? sql<boolean>`${col('team_id')} = ANY(${sql.val([...scope.teamIds])}::uuid[])` : sql<boolean>`false`;
  const mine = scope.agentId ? sql<boolean>`${col('assignee_agent_id')} = ${scope.agentId}` : sql<boolean>`false`;
  return sql<boolean>`(${org} AND (${col('team_id')} IS NULL OR ${teams} OR ${mine}))`;
}

/** The same rule for a ticket already loaded (services that read by id inside a transaction). */
export function ticketVisible(scope: TicketScope, ticket: { organisation_id: string; team_id: string | null; assignee_agent_id: string | null; customer_id: string | null }): boolean {
  if (ticket.organisation_id !== scope.organisationId) return false;
  if (scope.kind === 'all') return true;
  if (scope.kind === 'customer') return ticket.customer_id === scope.customerId;
  return ticket.team_id === null || scope.teamIds.includes(ticket.team_id) || (scope.agentId !== null && ticket.assignee_agent_id === scope.agentId);
}
