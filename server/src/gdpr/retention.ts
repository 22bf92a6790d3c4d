// Retention: resolved and closed tickets whose resolution is older than the organisation's
// retention_closed_days are deleted with everything that hangs off them (messages, attachments, runs
// with their history and tasks, outbound emails, webhook refs and delivery payloads, SLA rows, AI
// feedback). Runs as a daily pg-boss job ('flowdesk.retention') and as `flowdesk retention run`.
// Each batch is one transaction that sets flowdesk.retention, the only way run_history rows can be
// deleted (migration 0009). Audit entries stay: the chain must not break (they hold no ticket content).
import { sql, type Kysely } from 'kysely';
import { recordAudit } from '../audit/index.ts';
import type { AuditActor } from '../auth/principal.ts';
import type { Database } from '../db/types.ts';

export interface PurgeCounts {
  tickets: number;
  messages: number;
  attachments: number;
  runs: number;
  runHistory: number;
  tasks: number;
  outboundEmails: number;
  webhookDeliveries: number;
}

export interface PurgeReport extends PurgeCounts {
  organisationId: string;
  days: number;
  before: string;
}

const BATCH = 200;

const zero = (): PurgeCounts => ({ tickets: 0, messages: 0, attachments: 0, runs: 0, runHistory: 0, tasks: 0, outboundEmails: 0, webhookDeliveries: 0 });

/**
 * Purges one organisation's resolved/closed tickets resolved more than `days` days before `now`.
 * Batches of 200 tickets, each in its own transaction, so a big first run does not hold locks for long.
 */
export async function purgeClosedTickets(
  db: Kysely<Database>,
  options: { organisationId: string; days: number; now?: Date; actor?: AuditActor },
): Promise<PurgeReport> {
  const before = new Date((options.now ?? new Date()).getTime() - options.days * 86_400_000);
  const total = zero();
  for (;;) {
    const counts = await db.transaction().execute(async (trx) => {
      await sql`SELECT set_config('flowdesk.retention', 'on', true)`.execute(trx);
      const tickets = await trx
        .selectFrom('tickets')
        .select('id')
        .where('organisation_id', '=', options.organisationId)
        .where('status', 'in', ['resolved', 'closed'])
        .where('resolved_at', '<', before)
        .orderBy('resolved_at')
        .limit(BATCH)
        .forUpdate()
        .skipLocked()
        .execute();
      const c = zero();
      if (tickets.length === 0) return c;
      const ids = tickets.map((t) => t.id);
      const runIds = (await trx.selectFrom('runs').select('id').where('ticket_id', 'in', ids).execute()).map((r) => r.id);
      if (runIds.length) {
        await trx.deleteFrom('run_timers').where('run_id', 'in', runIds).execute();
        c.tasks = Number((await trx.deleteFrom('tasks').where('run_id', 'in', runIds).executeTakeFirst()).numDeletedRows);
        c.runHistory = Number((await trx.deleteFrom('run_history').where('run_id', 'in', runIds).executeTakeFirst()).numDeletedRows);
        c.runs = Number((await trx.deleteFrom('runs').where('id', 'in', runIds).executeTakeFirst()).numDeletedRows);
      }
      c.outboundEmails = Number((await trx.deleteFrom('outbound_emails').where('ticket_id', 'in', ids).executeTakeFirst()).numDeletedRows);
      c.webhookDeliveries = Number(
        (await trx.deleteFrom('webhook_deliveries').where(sql<boolean>`payload #>> '{data,ticket,id}' = ANY(${ids}::text[])`).executeTakeFirst()).numDeletedRows,
      );
      const messageIds = (await trx.selectFrom('messages').select('id').where('ticket_id', 'in', ids).execute()).map((m) => m.id);
      if (messageIds.length) {
        c.attachments = Number((await trx.deleteFrom('attachments').where('message_id', 'in', messageIds).executeTakeFirst()).numDeletedRows);
        c.messages = Number((await trx.deleteFrom('messages').where('id', 'in', messageIds).executeTakeFirst()).numDeletedRows);
      }
      // ticket_sla, sla_breaches, webhook_ticket_refs and ai_feedback cascade; webhook_receipts keep the row (ticket set null).
      c.tickets = Number((await trx.deleteFrom('tickets').where('id', 'in', ids).executeTakeFirst()).numDeletedRows);
      return c;
    });
    for (const key of Object.keys(total) as (keyof PurgeCounts)[]) total[key] += counts[key];
    if (counts.tickets < BATCH) break;
  }
  const report: PurgeReport = { organisationId: options.organisationId, days: options.days, before: before.toISOString(), ...total };
  if (total.tickets > 0) {
    await recordAudit(db, {
      organisationId: options.organisationId,
      actor: options.actor ?? { type: 'system', id: null },
      action: 'retention.purged',
      target: { type: 'organisation', id: options.organisationId },
      after: report,
    });
  }
  return report;
}

/**
 * Every organisation with a retention policy (or, with `days`, every organisation with that number of
 * days instead of its own). Returns one report per organisation purged.
 */
export async function runRetention(db: Kysely<Database>, options: { days?: number; now?: Date; actor?: AuditActor } = {}): Promise<PurgeReport[]> {
  let query = db.selectFrom('organisations').select(['id', 'retention_closed_days']).orderBy('created_at');
  if (options.days === undefined) query = query.where('retention_closed_days', 'is not', null);
  const organisations = await query.execute();
  const reports: PurgeReport[] = [];
  for (const org of organisations) {
    const days = options.days ?? org.retention_closed_days!;
    reports.push(await purgeClosedTickets(db, { organisationId: org.id, days, ...(options.now ? { now: options.now } : {}), ...(options.actor ? { actor: options.actor } : {}) }));
  }
  return reports;
}
