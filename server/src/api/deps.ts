// What the API needs from the rest of the server, typed structurally so the HTTP layer depends on the
// runtime's behaviour, not on its class (tests and other processes can hand in any implementation).
import type { Kysely, Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { AccountMailer } from '../auth/mailer.ts';
import type { WebhookRouteOptions } from './routes/webhooks.ts';
import type { Database, Run } from '../db/types.ts';
import type { TicketingRuntime } from '../ticketing/types.ts';
import type { RunEventInput } from './schemas.ts';
import type { SecretBox } from '../secrets/index.ts';

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
  /** Inbound webhook limits (tests change them). */
  webhooks?: WebhookRouteOptions;
  /** Public web form limits (tests lower them). */
  webForm?: { rateLimitMax?: number; rateLimitWindowMs?: number };
  /** Account mail (password reset, portal sign-in links); default: written to the log. */
  mailer?: AccountMailer;
  /** Sign-in and session settings. */
  auth?: {
    /** Base URL of links in account mail; default http://127.0.0.1:3000. */
    publicUrl?: string;
    /** Secure flag on cookies; default: on when publicUrl is https. */
    cookieSecure?: boolean;
    /** Sign-in attempts per client IP per minute. */
    loginRateLimitMax?: number;
  };
  /** Encrypts secrets at rest (webhook secrets, organisation secrets). Without it webhook secrets are stored as given and organisation secrets cannot be set. */
  secrets?: SecretBox;
}
