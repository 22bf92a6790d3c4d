// Macros: a canned reply with {{ticket.*}} / {{customer.name}} placeholders plus ticket changes in the
// action-step format. Applying one posts the reply and applies the changes in one transaction.
import type { ErrorObject } from 'ajv';
import { createAjv, getNodeSpec } from '@flowdesk/schema';
import type { Message } from '../db/tables/ticketing.ts';
import type { Run, Ticket } from '../db/types.ts';
import { invalidInput, notFound } from '../errors.ts';
import { applyTicketActions, queueActionWebhooks, type TicketStep } from './actions.ts';
import { slaAfterChange } from './sla-hooks.ts';
import { changeEvents, insertMessage, notifyRuns } from './tickets.ts';
import { renderTemplate, templateValues } from './template.ts';
import type { TicketingContext } from './types.ts';

const MACRO_STEP_TYPES = new Set(['setFields', 'addTags', 'removeTags', 'assign', 'setStatus']);
const validateSteps = createAjv().compile(getNodeSpec('action').paramsSchema as object);

/** Checks macro actions with the action node's own schema; http and reply steps are not macro actions. */
export function assertMacroActions(actions: unknown[], base = '/actions'): TicketStep[] {
  if (!validateSteps({ steps: actions })) {
    const errors = (validateSteps.errors ?? []) as ErrorObject[];
    const specific = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'discriminator');
    const details = (specific.length ? specific : errors).map((e) => {
      const rel = e.instancePath.replace(/^\/steps/, '');
      const extra = e.keyword === 'required' ? `/${String((e.params as { missingProperty: string }).missingProperty)}` : e.keyword === 'additionalProperties' ? `/${String((e.params as { additionalProperty: string }).additionalProperty)}` : '';
      const path = `${base}${rel}${extra}`;
      return { path, message: `${path}: ${e.keyword === 'required' ? 'is required' : e.keyword === 'additionalProperties' ? 'is not an allowed property' : (e.message ?? 'is invalid')}` };
    });
    const unique = details.filter((d, i) => details.findIndex((x) => x.path === d.path) === i);
    throw invalidInput(unique[0]?.message ?? `${base}: invalid`, unique);
  }
  actions.forEach((step, i) => {
    const type = (step as { type: string }).type;
    if (!MACRO_STEP_TYPES.has(type)) throw invalidInput(`${base}/${i}/type: ${type} is not allowed in a macro`, [{ path: `${base}/${i}/type`, message: `${base}/${i}/type: must be one of: ${[...MACRO_STEP_TYPES].join(', ')}` }]);
  });
  return actions as TicketStep[];
}

export interface ApplyMacroResult {
  ticket: Ticket;
  message: Message | null;
  changed: string[];
  runs: Run[];
}

export async function applyMacro(ctx: TicketingContext, input: { ticketId: string; macroId: string; authorAgentId?: string }): Promise<ApplyMacroResult> {
  const result = await ctx.db.transaction().execute(async (trx) => {
    const ticket = await trx.selectFrom('tickets').selectAll().where('id', '=', input.ticketId).executeTakeFirst();
    if (!ticket) throw notFound('ticket', input.ticketId);
    const macro = await trx.selectFrom('macros').selectAll().where('id', '=', input.macroId).where('organisation_id', '=', ticket.organisation_id).executeTakeFirst();
    if (!macro) throw notFound('macro', input.macroId);
    let message: Message | null = null;
    const events: string[] = [];
    if (macro.body.trim().length > 0) {
      const body = renderTemplate(macro.body, templateValues(ticket));
      const inserted = await insertMessage(trx, { ticketId: ticket.id, visibility: 'public', authorType: 'agent', authorAgentId: input.authorAgentId, channel: ticket.channel, bodyText: body }, []);
      message = inserted.message;
      events.push(...inserted.events);
    }
    const steps = assertMacroActions(macro.actions as unknown[]);
    const applied = await applyTicketActions(trx, ticket.id, steps, { authorType: 'agent', authorAgentId: input.authorAgentId });
    await queueActionWebhooks(trx, ctx.runtime.boss, { ...applied, messages: [...(message ? [message.id] : []), ...applied.messages] });
    await slaAfterChange(ctx.runtime, trx, ticket.id);
    const runs = applied.changed.length > 0 ? await ctx.runtime.startRunsForTicket(ticket.id, 'ticket.updated', trx) : [];
    const batch = await ctx.runtime.queueTicketEvents(trx, ticket.id, [...events, ...changeEvents(applied.changed)], new Set(runs.map((r) => r.id)));
    return { ticket: applied.ticket, message, changed: applied.changed, runs, batch };
  });
  const { batch, ...out } = result;
  await notifyRuns(ctx, batch);
  return out;
}
