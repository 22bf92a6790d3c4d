// Keeps a ticket's SLA state in step with the ticket, inside the transaction that changed it (so breach
// timers are enqueued or invalidated atomically with the change). The SLA service compares the ticket with
// its stored SLA state and writes only on a real change, so calling it after any mutation is safe.
import type { Transaction } from 'kysely';
import type { Database } from '../db/types.ts';
import { applySla, onTicketChanged } from '../sla/index.ts';
import type { TicketingRuntime } from './types.ts';

type SlaRuntime = Pick<TicketingRuntime, 'boss' | 'now'>;

export async function slaForNewTicket(runtime: SlaRuntime, trx: Transaction<Database>, ticketId: string): Promise<void> {
  await applySla(trx, runtime.boss, ticketId, runtime.now());
}

export async function slaAfterChange(runtime: SlaRuntime, trx: Transaction<Database>, ticketId: string): Promise<void> {
  await onTicketChanged(trx, runtime.boss, ticketId, {}, runtime.now());
}
