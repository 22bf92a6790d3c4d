// The facts a workflow sees about its ticket: the columns rules usually test plus custom fields.
import type { Ticket } from '../db/types.ts';

export type TicketFacts = Record<string, unknown>;

export function ticketFacts(ticket: Ticket): TicketFacts {
  return {
    id: ticket.id,
    subject: ticket.subject,
    body: ticket.body,
    status: ticket.status,
    priority: ticket.priority,
    tags: ticket.tags,
    fields: ticket.fields,
  };
}
