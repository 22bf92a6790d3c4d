// Shared types of the ticketing services.
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database, Run } from '../db/types.ts';
import type { TicketEventBatch } from '../runtime/ticket-events.ts';
import type { SlaBoss } from '../sla/index.ts';
import type { WebhookBoss } from '../channels/webhooks/index.ts';

export type Executor = Kysely<Database> | Transaction<Database>;

/** What the services need from the durable runtime (structural: tests may pass any implementation). */
export interface TicketingRuntime {
  startRunsForTicket(ticketId: string, eventName: 'ticket.created' | 'ticket.updated', trx?: Transaction<Database>): Promise<Run[]>;
  /**
   * Starts a run of one published version for a ticket (Runtime.startRun). With it, createTicket picks the
   * matching versions itself from a cache (org-cache.ts); without it, createTicket calls startRunsForTicket.
   */
  startRun?(input: { workflowVersionId: string; ticketId?: string | null }, trx?: Transaction<Database>): Promise<{ run: Run }>;
  /** Records ticket events for the ticket's active runs in `trx` (an outbox job); null when no run would get them. */
  queueTicketEvents(trx: Transaction<Database>, ticketId: string, names: readonly string[], exclude?: ReadonlySet<string>): Promise<TicketEventBatch | null>;
  /** Delivers a committed batch now (the outbox worker delivers it again if this never happens). */
  deliverTicketEvents(batch: TicketEventBatch): Promise<void>;
  /** pg-boss, for SLA breach timers enqueued in the changing transaction. */
  readonly boss: SlaBoss & WebhookBoss;
  /** The runtime's clock (injected in tests). */
  now(): Date;
}

export interface TicketingContext {
  db: Kysely<Database>;
  runtime: TicketingRuntime;
  logger: Logger;
}

/** Runs `work` in `executor` when it is already a transaction, else in a new one. */
export async function inTransaction<T>(executor: Executor, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (executor.isTransaction) return work(executor as Transaction<Database>);
  return (executor as Kysely<Database>).transaction().execute(work);
}
