// The facts a workflow sees about its ticket: the columns rules usually test, custom fields, and the
// customer (kept on the ticket row by database triggers, migration 0003, so one row read is enough).
import type { Ticket } from '../db/types.ts';

export type TicketFacts = Record<string, unknown>;

export function ticketFacts(ticket: Ticket): TicketFacts {
  return {
    id: ticket.id,
    number: ticket.number === undefined || ticket.number === null ? null : Number(ticket.number),
    subject: ticket.subject,
    body: ticket.body,
    status: ticket.status,
    priority: ticket.priority,
    channel: ticket.channel,
    tags: ticket.tags,
    fields: ticket.fields,
    assigneeAgentId: ticket.assignee_agent_id ?? null,
    teamId: ticket.team_id ?? null,
    customer: ticket.customer_facts ?? null,
  };
}
