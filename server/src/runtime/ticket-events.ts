// Ticket events (customer replied, status changed, ...) for the runs of a ticket, delivered through an
// outbox: the batch is enqueued as a pg-boss job in the transaction that changed the ticket, delivered
// right after commit, and delivered again by a worker if the process died before it could. Each event
// carries the key "<batch key>:<name>", so a second delivery to a run that already applied it is a no-op.
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { fromKysely } from 'pg-boss';
import type { Database } from '../db/types.ts';
import { FlowdeskError } from '../errors.ts';
import type { Runtime } from './runtime.ts';
import { TICKET_EVENT_QUEUE } from './queues.ts';
import { ticketFacts } from './ticket-facts.ts';

export interface TicketEventBatch {
  key: string;
  ticketId: string;
  names: string[];
  /** The runs that were active when the ticket changed (runs started by the change itself excluded). */
  runIds: string[];
}

/** Records the batch in `trx` (nothing is enqueued when no run would receive it). */
export async function enqueueTicketEvents(
  runtime: Pick<Runtime, 'boss'>,
  trx: Transaction<Database>,
  ticketId: string,
  names: readonly string[],
  exclude: ReadonlySet<string> = new Set(),
): Promise<TicketEventBatch | null> {
  if (names.length === 0) return null;
  const runs = await trx.selectFrom('runs').select('id').where('ticket_id', '=', ticketId).where('status', '<>', 'completed').orderBy('created_at').execute();
  const runIds = runs.map((r) => r.id).filter((id) => !exclude.has(id));
  if (runIds.length === 0) return null;
  const batch: TicketEventBatch = { key: randomUUID(), ticketId, names: [...names], runIds };
  await runtime.boss.insert(TICKET_EVENT_QUEUE, [{ data: batch }], { db: fromKysely(trx) });
  return batch;
}

/** Delivers every event of the batch to every run of it; not-applicable answers are expected and ignored. */
export async function deliverTicketEvents(runtime: Runtime, batch: TicketEventBatch): Promise<void> {
  const ticket = await runtime.db.selectFrom('tickets').selectAll().where('id', '=', batch.ticketId).executeTakeFirst();
  if (!ticket) return;
  const facts = ticketFacts(ticket);
  for (const runId of batch.runIds) {
    for (const name of batch.names) {
      try {
        const outcome = await runtime.sendEvent(runId, { type: 'ticket.event', name, ticket: facts }, { eventKey: `${batch.key}:${name}` });
        if (!outcome.applied && !outcome.duplicate) runtime.logger.debug({ runId, event: name, reason: outcome.reason }, 'ticket event not applicable to run');
      } catch (error) {
        // A run that vanished is a 404: nothing to deliver. Anything else is retried by the worker.
        if (error instanceof FlowdeskError && error.statusCode < 500) continue;
        throw error;
      }
    }
  }
}
