// Ticket-changing action steps (reply, assign, setStatus, setFields, addTags, removeTags) shared by workflow
// action nodes (applied inside the transaction that applies the effect result) and macros.
import type { Transaction } from 'kysely';
import type { ActionStep } from '@flowdesk/schema';
import type { Database, Ticket } from '../db/types.ts';
import { notFound } from '../errors.ts';
import { queueWebhookEvent, type WebhookBoss } from '../channels/webhooks/index.ts';
import { insertMessage, patchTicket, type TicketPatch } from './tickets.ts';
import { renderTemplate, templateValues } from './template.ts';

export type TicketStep = Extract<ActionStep, { type: 'reply' | 'assign' | 'setStatus' | 'setFields' | 'addTags' | 'removeTags' | 'notify' }>;

/** Ticket columns a setFields step may write directly; every other name is a custom field. */
const TICKET_COLUMNS = new Set(['subject', 'status', 'priority']);

export interface StepAuthor {
  authorType: 'agent' | 'system';
  authorAgentId?: string;
}

export interface AppliedActions {
  ticket: Ticket;
  /** Names of what changed (ticket.updated's `changed`). */
  changed: string[];
  /** Ids of the messages the steps added. */
  messages: string[];
  /** Rendered texts of notify steps. */
  notifications: string[];
}

/**
 * Applies the steps in order inside `trx` (the caller's transaction). Returns the changed ticket facts and
 * the names of what changed. Replies are rendered against the ticket as it is when the step runs.
 */
export async function applyTicketActions(
  trx: Transaction<Database>,
  ticketId: string,
  steps: readonly TicketStep[],
  author: StepAuthor = { authorType: 'system' },
): Promise<AppliedActions> {
  const changed = new Set<string>();
  const messages: string[] = [];
  const notifications: string[] = [];
  let ticket = await trx.selectFrom('tickets').selectAll().where('id', '=', ticketId).executeTakeFirst();
  if (!ticket) throw notFound('ticket', ticketId);
  for (const step of steps) {
    let patch: TicketPatch | undefined;
    switch (step.type) {
      case 'reply': {
        const body = renderTemplate(step.body, templateValues(ticket));
        const result = await insertMessage(
          trx,
          { ticketId, visibility: step.visibility ?? 'public', authorType: author.authorType, authorAgentId: author.authorAgentId, channel: ticket.channel, bodyText: body },
          [],
        );
        ticket = result.ticket;
        messages.push(result.message.id);
        break;
      }
      case 'notify':
        // Rendered now (the ticket as the step sees it), sent as webhooks with the transaction.
        notifications.push(renderTemplate(step.message, templateValues(ticket)));
        break;
      case 'assign':
        patch = { ...(step.agentId !== undefined ? { assigneeAgentId: step.agentId } : {}), ...(step.teamId !== undefined ? { teamId: step.teamId } : {}) };
        break;
      case 'setStatus':
        patch = { status: step.status };
        break;
      case 'setFields': {
        const fields: Record<string, unknown> = {};
        patch = {};
        for (const [name, value] of Object.entries(step.fields)) {
          if (TICKET_COLUMNS.has(name)) (patch as Record<string, unknown>)[name] = value;
          else fields[name] = value;
        }
        if (Object.keys(fields).length > 0) patch.fields = fields;
        break;
      }
      case 'addTags':
        patch = { addTags: step.tags };
        break;
      case 'removeTags':
        patch = { removeTags: step.tags };
        break;
    }
    if (patch) {
      // Macro steps are an agent's changes (AI corrections count as feedback); workflow steps are not.
      const result = await patchTicket(trx, ticketId, patch, { actor: author.authorType });
      ticket = result.ticket;
      for (const c of result.changed) changed.add(c);
    }
  }
  return { ticket, changed: [...changed], messages, notifications };
}

/**
 * Outbound webhooks for what applied steps did (one message.created per reply, one ticket.updated with the
 * changed names), queued in the same transaction so they exist exactly when the changes do.
 */
export async function queueActionWebhooks(
  trx: Transaction<Database>,
  boss: WebhookBoss,
  applied: { ticket: Ticket; changed: readonly string[]; messages: readonly string[]; notifications?: readonly string[] },
): Promise<void> {
  const organisationId = applied.ticket.organisation_id;
  for (const text of applied.notifications ?? []) await queueWebhookEvent(trx, boss, { event: 'workflow.notification', ticketId: applied.ticket.id, text, organisationId });
  for (const messageId of applied.messages) await queueWebhookEvent(trx, boss, { event: 'message.created', ticketId: applied.ticket.id, messageId, organisationId });
  if (applied.changed.length > 0) await queueWebhookEvent(trx, boss, { event: 'ticket.updated', ticketId: applied.ticket.id, changed: [...applied.changed], organisationId });
}
