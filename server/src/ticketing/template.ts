// {{ticket.subject}}-style placeholders for canned replies and workflow replies. Only a fixed set of
// names is filled; unknown placeholders stay as written (visible, so a typo is noticed, never executed).
import type { CustomerFacts } from '../db/tables/ticketing.ts';
import type { Ticket } from '../db/types.ts';

export function templateValues(ticket: Ticket, customer?: CustomerFacts | null): Record<string, string> {
  const facts = customer ?? ticket.customer_facts ?? null;
  const values: Record<string, string> = {
    'ticket.id': ticket.id,
    'ticket.number': String(ticket.number),
    'ticket.subject': ticket.subject,
    'ticket.status': ticket.status,
    'ticket.priority': ticket.priority,
    'ticket.channel': ticket.channel,
    'customer.name': facts?.name ?? 'there',
  };
  for (const [key, value] of Object.entries((ticket.fields ?? {}) as Record<string, unknown>)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) values[`ticket.fields.${key}`] = String(value);
  }
  return values;
}

export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_.-]{1,100})\s*\}\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? values[name]! : whole));
}
