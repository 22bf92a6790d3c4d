// Shared types of the ticketing services.
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database, Run } from '../db/types.ts';

export type Executor = Kysely<Database> | Transaction<Database>;

/** What the services need from the durable runtime (structural: tests may pass any implementation). */
export interface TicketingRuntime {
  startRunsForTicket(ticketId: string, eventName: 'ticket.created' | 'ticket.updated', trx?: Transaction<Database>): Promise<Run[]>;
  sendEvent(runId: string, event: { type: 'ticket.event'; name: string; ticket?: Record<string, unknown> }): Promise<{ applied: boolean; reason?: string }>;
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
