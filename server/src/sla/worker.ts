// The breach timer handler (SLA_QUEUE). A timer is a pg-boss job whose startAfter is the due time; by the
// time it runs the ticket may have moved on, so it re-checks everything under the ticket_sla row lock:
// a timer of an older version (due times recomputed, pause entered), a met target or a paused ticket is
// ignored. A breach is recorded once (unique (ticket_id, metric) in sla_breaches); the breach time is
// the scheduled due time, not the delivery time, so late or replayed delivery records the same facts.
// Then every active run of the ticket gets a `ticket.event` named "sla.breached"; the event key makes a
// redelivered job's second event a no-op in runs that applied the first.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/types.ts';
import type { SlaMetric } from '../db/tables/sla.ts';
import { FlowdeskError } from '../errors.ts';
import type { IncomingEvent, SendEventOptions } from '../runtime/runtime.ts';
import type { SlaJobData } from './service.ts';

/** What the handler needs; the durable Runtime satisfies it. */
export interface SlaWorkerDeps {
  db: Kysely<Database>;
  logger: Logger;
  sendEvent(runId: string, event: IncomingEvent, options?: SendEventOptions): Promise<{ applied: boolean; reason?: string }>;
}

export interface BreachOutcome {
  breached: boolean;
  /** Why nothing was recorded (stale timer, met, paused...). */
  ignoredReason?: string;
  /** True when this delivery recorded the breach (false on a redelivery of the job that did). */
  recorded: boolean;
  /** Runs the sla.breached event was applied to. */
  notifiedRuns: string[];
}

/** The event name workflows wait for (wait node `resumeOn: ["sla.breached"]`). */
export const SLA_BREACHED_EVENT = 'sla.breached';

const col = {
  first_response: { due: 'first_response_due_at', met: 'first_response_met_at', breached: 'first_response_breached_at' },
  resolution: { due: 'resolution_due_at', met: 'resolution_met_at', breached: 'resolution_breached_at' },
} as const;

export async function handleSlaTimer(deps: SlaWorkerDeps, data: SlaJobData): Promise<BreachOutcome> {
  const { ticketId, metric, version } = data;
  const dueAt = new Date(data.dueAt);
  const c = col[metric];
  const checked = await deps.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('ticket_sla').selectAll().where('ticket_id', '=', ticketId).forUpdate().executeTakeFirst();
    if (!row) return { ignored: 'the ticket has no SLA state' } as const;
    if (row.version !== version) return { ignored: `stale timer: SLA version ${version}, now ${row.version}` } as const;
    const breachedAt = row[c.breached];
    // Same version and already breached: a redelivery of the job that recorded it. Notify again (idempotent).
    if (breachedAt) return { row, recorded: false } as const;
    if (row[c.met]) return { ignored: `${metric} target already met` } as const;
    if (row.resolution_met_at) return { ignored: 'the ticket is resolved' } as const;
    if (row.paused_since) return { ignored: 'the SLA clock is paused' } as const;
    const due = row[c.due];
    if (!due || due.getTime() !== dueAt.getTime()) return { ignored: 'the due time moved' } as const;
    const inserted = await trx
      .insertInto('sla_breaches')
      .values({ ticket_id: ticketId, metric, policy_id: row.policy_id, due_at: due, breached_at: due })
      .onConflict((oc) => oc.columns(['ticket_id', 'metric']).doNothing())
      .returning('id')
      .executeTakeFirst();
    const updated = await trx
      .updateTable('ticket_sla')
      .set({ ...(metric === 'first_response' ? { first_response_breached_at: due } : { resolution_breached_at: due }), updated_at: due })
      .where('ticket_id', '=', ticketId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { row: updated, recorded: inserted !== undefined } as const;
  });
  if ('ignored' in checked) {
    deps.logger.debug({ ticketId, metric, version, reason: checked.ignored }, 'SLA timer ignored');
    return { breached: false, ignoredReason: checked.ignored, recorded: false, notifiedRuns: [] };
  }
  const { row, recorded } = checked;
  if (recorded) deps.logger.info({ ticketId, metric, dueAt: data.dueAt }, 'SLA breached');

  const runs = await deps.db.selectFrom('runs').select('id').where('ticket_id', '=', ticketId).where('status', 'in', ['running', 'waiting']).execute();
  const notifiedRuns: string[] = [];
  const sla = {
    breached: metric,
    policyId: row.policy_id,
    dueAt: data.dueAt,
    firstResponseDueAt: row.first_response_due_at?.toISOString() ?? null,
    resolutionDueAt: row.resolution_due_at?.toISOString() ?? null,
    firstResponseBreachedAt: row.first_response_breached_at?.toISOString() ?? null,
    resolutionBreachedAt: row.resolution_breached_at?.toISOString() ?? null,
  };
  for (const run of runs) {
    try {
      const result = await deps.sendEvent(
        run.id,
        { type: 'ticket.event', name: SLA_BREACHED_EVENT, at: data.dueAt, ticket: { sla } },
        { eventKey: breachEventKey(ticketId, metric) },
      );
      if (result.applied) notifiedRuns.push(run.id);
      else deps.logger.debug({ runId: run.id, reason: result.reason }, 'sla.breached not applicable to run');
    } catch (error) {
      // A run that vanished or refuses the event is not the breach's problem; database errors retry the job.
      if (error instanceof FlowdeskError && error.statusCode < 500) continue;
      throw error;
    }
  }
  return { breached: true, recorded, notifiedRuns };
}

/** One breach per metric per ticket, so this key identifies it in every run's history. */
export function breachEventKey(ticketId: string, metric: SlaMetric): string {
  return `sla.breached:${ticketId}:${metric}`;
}
