// Agents' corrections of AI labels become ai_feedback rows, the input of retraining (retrain.ts).
//
// Provenance: when an ai.classify node answers `done`, the executor records which field it set and to
// what (ai_field_provenance, one row per ticket and field). When an agent then changes that field — PATCH
// /api/tickets/:id or a macro, both through patchTicket with actor 'agent' — and the ticket still holds the
// AI's value, and the organisation has a classify model for the field, one ai_feedback row is written in
// the same transaction (predicted = the value before, corrected = the new value) and the provenance row is
// consumed: a second change by an agent is an agent changing their own value, not a correction. Workflow
// changes (actor 'system') are never corrections; they leave the provenance alone, and because the check
// compares values, a field a workflow overwrote after the AI is not the AI's value any more.
import type { Kysely, Transaction } from 'kysely';
import type { Database, Ticket } from '../db/types.ts';

/** Ticket columns a classify model may predict (setFields writes them as columns); others are custom fields. */
const COLUMN_FIELDS = new Set(['priority']);

/** The value of a predicted field on a ticket row, as a label (null when unset or not a scalar). */
function labelOf(ticket: Ticket, field: string): string | null {
  const value = COLUMN_FIELDS.has(field) ? (ticket as unknown as Record<string, unknown>)[field] : (ticket.fields as Record<string, unknown> | null)?.[field];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** Names of the predictable fields whose label differs between the two rows. */
function changedFields(before: Ticket, after: Ticket): string[] {
  const names = new Set<string>([...COLUMN_FIELDS]);
  for (const source of [before.fields, after.fields] as (Record<string, unknown> | null)[]) for (const key of Object.keys(source ?? {})) if (!COLUMN_FIELDS.has(key)) names.add(key);
  return [...names].filter((f) => labelOf(before, f) !== labelOf(after, f));
}

export interface RecordedCorrection {
  field: string;
  predicted: string;
  corrected: string;
}

/**
 * Called by patchTicket inside its transaction after an agent's change: records the corrections of AI
 * labels (see the file comment). Costs one indexed query when a predictable field changed, none otherwise.
 */
export async function recordCorrections(trx: Transaction<Database>, before: Ticket, after: Ticket): Promise<RecordedCorrection[]> {
  const fields = changedFields(before, after);
  if (fields.length === 0) return [];
  const rows = await trx
    .selectFrom('ai_field_provenance as p')
    .select(['p.field', 'p.value', (eb) => eb.exists(eb.selectFrom('ai_models as m').select('m.id').where('m.organisation_id', '=', before.organisation_id).where('m.task', '=', 'classify').whereRef('m.field', '=', 'p.field')).as('has_model')])
    .where('p.ticket_id', '=', before.id)
    .where('p.field', 'in', fields)
    .execute();
  const recorded: RecordedCorrection[] = [];
  const consumed: string[] = [];
  for (const row of rows) {
    const predicted = labelOf(before, row.field);
    if (predicted !== row.value) continue; // not the AI's value any more
    consumed.push(row.field);
    const corrected = labelOf(after, row.field);
    // Clearing the field says the label was wrong but not what is right: nothing to learn from.
    if (corrected === null || !row.has_model) continue;
    recorded.push({ field: row.field, predicted, corrected });
  }
  if (consumed.length > 0) await trx.deleteFrom('ai_field_provenance').where('ticket_id', '=', before.id).where('field', 'in', consumed).execute();
  if (recorded.length > 0) {
    await trx
      .insertInto('ai_feedback')
      .values(recorded.map((r) => ({ organisation_id: before.organisation_id, ticket_id: before.id, field: r.field, predicted: r.predicted, corrected: r.corrected })))
      .execute();
  }
  return recorded;
}

export interface AiPrediction {
  ticketId: string;
  organisationId: string;
  field: string;
  value: string;
  modelId: string | null;
  runId: string | null;
  confidence: number | null;
}

/**
 * Records that an ai.classify node set `field` to `value` on the ticket (called by the executor when the
 * node answers `done`; the field itself is written with the node's result). A redelivered effect
 * overwrites its own row.
 */
export async function recordPrediction(db: Kysely<Database>, p: AiPrediction): Promise<void> {
  const values = { value: p.value, model_id: p.modelId, run_id: p.runId, confidence: p.confidence, organisation_id: p.organisationId };
  await db
    .insertInto('ai_field_provenance')
    .values({ ticket_id: p.ticketId, field: p.field, ...values })
    .onConflict((oc) => oc.columns(['ticket_id', 'field']).doUpdateSet({ ...values, set_at: new Date() }))
    .execute();
}
