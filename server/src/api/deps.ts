// What the API needs from the rest of the server, typed structurally so the HTTP layer depends on the
// runtime's behaviour, not on its class (tests and other processes can hand in any implementation).
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database, Run } from '../db/types.ts';
import type { TicketingRuntime } from '../ticketing/types.ts';
import type { RunEventInput } from './schemas.ts';

/** The ticketing services' needs (ticket starts, event outbox, boss, clock) plus the run operations. */
export interface ApiRuntime extends TicketingRuntime {
  startRun(
    input: { workflowVersionId: string; ticketId?: string | null; ticket?: Record<string, unknown>; at?: string },
    trx?: Transaction<Database>,
  ): Promise<{ run: Run }>;
  /** Throws FlowdeskError 404 for an unknown run; applied:false + reason when the event is not relevant now. */
  sendEvent(runId: string, event: RunEventInput): Promise<{ applied: boolean; reason?: string; run: Run }>;
  /** Re-enqueues the failed work of a stuck run; FlowdeskError 409 when the run is not stuck. */
  retry(runId: string): Promise<{ run: Run }>;
}

export interface ApiDeps {
  db: Kysely<Database>;
  runtime: ApiRuntime;
  logger: Logger;
  /** Public web form limits (tests lower them). */
  webForm?: { rateLimitMax?: number; rateLimitWindowMs?: number };
}
