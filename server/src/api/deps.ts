// What the API needs from the rest of the server, typed structurally so the HTTP layer depends on the
// runtime's behaviour, not on its class (tests and other processes can hand in any implementation).
import type { TicketEventBatch } from '../runtime/ticket-events.ts';
import type { SlaBoss } from '../sla/index.ts';
import type { WebhookBoss } from '../channels/webhooks/index.ts';
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database, Run } from '../db/types.ts';
import type { RunEventInput } from './schemas.ts';

export interface ApiRuntime {
  startRun(
    input: { workflowVersionId: string; ticketId?: string | null; ticket?: Record<string, unknown>; at?: string },
    trx?: Transaction<Database>,
  ): Promise<{ run: Run }>;
  /** Starts every published workflow (latest version) whose trigger matches; inside `trx` when given. */
  startRunsForTicket(ticketId: string, eventName: 'ticket.created' | 'ticket.updated', trx?: Transaction<Database>): Promise<Run[]>;
  /** Throws FlowdeskError 404 for an unknown run; applied:false + reason when the event is not relevant now. */
  sendEvent(runId: string, event: RunEventInput): Promise<{ applied: boolean; reason?: string; run: Run }>;
  /** Re-enqueues the failed work of a stuck run; FlowdeskError 409 when the run is not stuck. */
  retry(runId: string): Promise<{ run: Run }>;
  /** Ticket-event outbox (see runtime/ticket-events.ts). */
  queueTicketEvents(trx: Transaction<Database>, ticketId: string, names: readonly string[], exclude?: ReadonlySet<string>): Promise<TicketEventBatch | null>;
  deliverTicketEvents(batch: TicketEventBatch): Promise<void>;
  readonly boss: SlaBoss & WebhookBoss;
  now(): Date;
}

export interface ApiDeps {
  db: Kysely<Database>;
  runtime: ApiRuntime;
  logger: Logger;
  /** Public web form limits (tests lower them). */
  webForm?: { rateLimitMax?: number; rateLimitWindowMs?: number };
}
