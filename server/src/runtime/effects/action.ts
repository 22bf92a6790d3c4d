// Executes an action node's steps. Ticket changes run inside the transaction that applies the result,
// so a ticket is never changed without the run moving on (and vice versa). HTTP calls run before that
// transaction, at least once, with the effect's idempotency key so receivers can drop repeats.
import type { Transaction } from 'kysely';
import { sql } from 'kysely';
import type { ActionStep } from '@flowdesk/schema';
import type { Database } from '../../db/types.ts';

/** Ticket columns a setFields step may write directly; every other name goes into custom fields. */
const TICKET_COLUMNS = new Set(['subject', 'status', 'priority']);

export class EffectError extends Error {
  /** Permanent errors skip the remaining retries (retrying cannot help). */
  constructor(message: string, readonly permanent = false) {
    super(message);
    this.name = 'EffectError';
  }
}

export interface HttpOutcome {
  url: string;
  status: number;
  body: string;
}

export async function runHttpSteps(steps: ActionStep[], idempotencyKey: string, timeoutMs: number): Promise<HttpOutcome[]> {
  const outcomes: HttpOutcome[] = [];
  for (const step of steps) {
    if (step.type !== 'http') continue;
    const timeout = Math.min(step.timeoutMs ?? timeoutMs, timeoutMs);
    let response: Response;
    try {
      response = await fetch(step.url, {
        method: step.method,
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey, ...(step.headers ?? {}) },
        body: step.body === undefined || step.method === 'GET' ? undefined : JSON.stringify(step.body),
        signal: AbortSignal.timeout(timeout),
      });
    } catch (error) {
      const reason = (error as Error).name === 'TimeoutError' ? `timed out after ${timeout} ms` : (error as Error).message;
      throw new EffectError(`${step.method} ${step.url} failed: ${reason}`);
    }
    const body = (await response.text()).slice(0, 4096);
    if (response.status >= 500 || response.status === 429) throw new EffectError(`${step.method} ${step.url} answered ${response.status}`);
    if (response.status >= 400) throw new EffectError(`${step.method} ${step.url} answered ${response.status}: ${body.slice(0, 200)}`, true);
    outcomes.push({ url: step.url, status: response.status, body });
  }
  return outcomes;
}

/** Applies setFields/addTags/removeTags to the ticket; idempotent, so a redelivered effect is harmless. */
export async function applyTicketSteps(trx: Transaction<Database>, ticketId: string | null, steps: ActionStep[]): Promise<void> {
  const ticketSteps = steps.filter((s) => s.type !== 'http');
  if (ticketSteps.length === 0) return;
  if (!ticketId) throw new EffectError('this run has no ticket to change', true);
  for (const step of ticketSteps) {
    if (step.type === 'setFields') {
      const columns: Record<string, unknown> = {};
      const custom: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(step.fields)) (TICKET_COLUMNS.has(name) ? columns : custom)[name] = value;
      await trx
        .updateTable('tickets')
        .set({ ...columns, fields: sql`fields || ${JSON.stringify(custom)}::jsonb`, updated_at: new Date() })
        .where('id', '=', ticketId)
        .execute();
    } else if (step.type === 'addTags') {
      await trx
        .updateTable('tickets')
        .set({ tags: sql`(SELECT array_agg(DISTINCT t ORDER BY t) FROM unnest(tags || ${step.tags}::text[]) t)`, updated_at: new Date() })
        .where('id', '=', ticketId)
        .execute();
    } else if (step.type === 'removeTags') {
      await trx
        .updateTable('tickets')
        .set({ tags: sql`coalesce((SELECT array_agg(t ORDER BY t) FROM unnest(tags) t WHERE NOT (t = ANY(${step.tags}::text[]))), '{}')`, updated_at: new Date() })
        .where('id', '=', ticketId)
        .execute();
    }
  }
}
