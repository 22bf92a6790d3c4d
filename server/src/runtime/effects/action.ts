// Executes an action node's steps. Ticket changes run inside the transaction that applies the result,
// so a ticket is never changed without the run moving on (and vice versa). HTTP calls run before that
// transaction, at least once, with the effect's idempotency key so receivers can drop repeats.
import { guardedFetch, OutboundBlockedError } from '../../net/outbound-guard.ts';
import type { Transaction } from 'kysely';
import type { ActionStep } from '@flowdesk/schema';
import type { Database } from '../../db/types.ts';
import { FlowdeskError } from '../../errors.ts';
import { applyTicketActions, type AppliedActions, type TicketStep } from '../../ticketing/actions.ts';

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
    let response: Awaited<ReturnType<typeof guardedFetch>>;
    try {
      response = await guardedFetch(step.url, {
        method: step.method,
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey, ...(step.headers ?? {}) },
        body: step.body === undefined || step.method === 'GET' ? undefined : JSON.stringify(step.body),
        signal: AbortSignal.timeout(timeout),
      });
    } catch (error) {
      // A refused destination will not become public by retrying: permanent, the node's error outcome.
      if (error instanceof OutboundBlockedError) throw new EffectError(`${step.method} ${step.url} refused: ${error.message}`, true);
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

/**
 * Applies the ticket steps (setFields, addTags, removeTags, reply, assign, setStatus) inside the transaction
 * that applies the effect result: the ticket changes exactly when the run moves on. A redelivered effect
 * never gets here twice (its event key is checked under the run's row lock first). A step the ticket
 * cannot take (unknown agent, invalid custom field) is a permanent error: the node's `error` outcome.
 */
export async function applyTicketSteps(
  trx: Transaction<Database>,
  ticketId: string | null,
  steps: ActionStep[],
): Promise<AppliedActions | null> {
  const ticketSteps = steps.filter((s): s is TicketStep => s.type !== 'http');
  if (ticketSteps.length === 0) return null;
  if (!ticketId) throw new EffectError('this run has no ticket to change', true);
  try {
    return await applyTicketActions(trx, ticketId, ticketSteps, { authorType: 'system' });
  } catch (error) {
    if (error instanceof FlowdeskError && error.statusCode < 500) throw new EffectError(`ticket step failed: ${error.message}`, true);
    throw error;
  }
}
