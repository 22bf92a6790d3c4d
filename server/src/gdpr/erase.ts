// GDPR erasure: anonymise everything that identifies a customer, in ONE transaction, while keeping every
// row that statistics count (tickets with their status/priority/channel/timestamps, messages, SLA rows,
// runs). See docs/security.md "GDPR" for the full list of what is replaced and what is kept.
import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { REDACTION_ACTION, recordAudit, redactAuditDetails } from '../audit/index.ts';
import type { AuditActor } from '../auth/principal.ts';
import type { Database } from '../db/types.ts';
import { notFound } from '../errors.ts';
import { ERASED, likePatterns, scrubJson, scrubSet, scrubString, type Needles, type ScrubSet } from './scrub.ts';

export interface EraseInput {
  organisationId: string;
  customerId: string;
  actor: AuditActor;
  ip?: string | null;
  userAgent?: string | null;
}

export interface EraseResult {
  /** The customer and every customer merged into it. */
  customers: number;
  identities: number;
  tickets: number;
  messages: number;
  attachmentsDeleted: number;
  portalUsers: number;
  runs: number;
  /** Rows elsewhere (history, jobs, deliveries, emails, ...) in which copies were replaced. */
  copiesScrubbed: number;
  auditRedacted: number;
  aiModelsDropped: number;
}

/** Tables the sweep never touches: handled explicitly above it, or staff/directory data that is not the customer's. */
const SWEEP_EXCLUDED = new Set(['public.audit_log', 'public.kysely_migration', 'public.kysely_migration_lock', 'public.customers', 'public.customer_identities', 'public.users', 'public.agents', 'public.teams', 'public.sessions']);

type ColumnKind = 'text' | 'text[]' | 'json' | 'jsonb';

const erasedId = () => `erased:${randomBytes(9).toString('base64url')}`;

export async function eraseCustomer(db: Kysely<Database>, input: EraseInput): Promise<EraseResult> {
  return db.transaction().execute(async (trx) => {
    // Lets the append-only triggers accept this transaction's anonymising UPDATEs (migration 0009).
    await sql`SELECT set_config('flowdesk.erasure', 'on', true)`.execute(trx);
    const root = await trx.selectFrom('customers').select('id').where('id', '=', input.customerId).where('organisation_id', '=', input.organisationId).forUpdate().executeTakeFirst();
    if (!root) throw notFound('customer', input.customerId);

    // The customer and, recursively, every customer merged into it (their rows kept the old name).
    const merged = await sql<{ id: string }>`
      WITH RECURSIVE m(id) AS (SELECT ${input.customerId}::uuid UNION SELECT c.id FROM customers c JOIN m ON c.merged_into = m.id)
      SELECT id::text FROM m`.execute(trx);
    const customerIds = merged.rows.map((r) => r.id);

    const customers = await trx.selectFrom('customers').select(['id', 'name']).where('id', 'in', customerIds).forUpdate().execute();
    const identities = await trx.selectFrom('customer_identities').select(['id', 'value']).where('customer_id', 'in', customerIds).execute();
    const portalUsers = await trx.selectFrom('users').select(['id', 'email', 'name']).where('customer_id', 'in', customerIds).execute();
    const tickets = await trx.selectFrom('tickets').select(['id', 'subject', 'body', 'fields', 'tags']).where('customer_id', 'in', customerIds).execute();
    const ticketIds = tickets.map((t) => t.id);
    // Every message of their tickets (agent replies quote and address them) and theirs on other tickets.
    const messages = await trx
      .selectFrom('messages')
      .select(['id', 'body_text', 'body_html'])
      .where((eb) => eb.or([eb('author_customer_id', 'in', customerIds), ...(ticketIds.length ? [eb('ticket_id', 'in', ticketIds)] : [])]))
      .execute();
    const messageIds = messages.map((m) => m.id);
    const attachments = messageIds.length ? await trx.selectFrom('attachments').select(['id', 'filename']).where('message_id', 'in', messageIds).execute() : [];
    const emails = ticketIds.length ? await trx.selectFrom('outbound_emails').select(['to_address', 'subject']).where('ticket_id', 'in', ticketIds).execute() : [];
    const refs = ticketIds.length ? await trx.selectFrom('webhook_ticket_refs').select(['source_id', 'external_id']).where('ticket_id', 'in', ticketIds).execute() : [];
    const runs = ticketIds.length ? await trx.selectFrom('runs').select('id').where('ticket_id', 'in', ticketIds).execute() : [];
    const runIds = runs.map((r) => r.id);

    const names = [...customers.map((c) => c.name), ...portalUsers.map((u) => u.name)].filter((n): n is string => !!n);
    const distinctive = [...identities.map((i) => i.value), ...portalUsers.map((u) => u.email), ...emails.map((e) => e.to_address), ...refs.map((r) => r.external_id)].filter((v): v is string => !!v);
    const texts = [
      ...tickets.flatMap((t) => [t.subject, t.body]),
      ...messages.flatMap((m) => [m.body_text, m.body_html ?? '']),
      ...attachments.map((a) => a.filename),
      ...emails.map((e) => e.subject ?? ''),
    ];
    const nameParts = names.flatMap((n) => n.split(/[\s,]+/)).filter((p) => p.length >= 3);
    const scoped = scrubSet({ tokens: [...distinctive, ...names, ...nameParts], texts } satisfies Needles, 'scoped');
    // Rows not linked to the customer: only what cannot be someone else's (a shared name is left alone there).
    const global = scrubSet({ tokens: distinctive, texts }, 'global');

    // ---- the customer's own rows ----
    await trx.updateTable('customers').set({ name: null, language: null, erased_at: new Date(), updated_at: new Date() }).where('id', 'in', customerIds).execute();
    for (const identity of identities) {
      await trx.updateTable('customer_identities').set({ value: erasedId(), verified: false }).where('id', '=', identity.id).execute();
    }
    for (const user of portalUsers) {
      await trx
        .updateTable('users')
        .set({ email: `${erasedId()}@erased.invalid`, name: null, password_hash: null, totp_secret: null, totp_enabled: false, disabled: true, updated_at: new Date() })
        .where('id', '=', user.id)
        .execute();
    }
    if (portalUsers.length) {
      const userIds = portalUsers.map((u) => u.id);
      await trx.deleteFrom('sessions').where('user_id', 'in', userIds).execute();
      await trx.deleteFrom('auth_tokens').where('user_id', 'in', userIds).execute();
    }
    for (const t of tickets) {
      await trx
        .updateTable('tickets')
        .set({ subject: ERASED, body: ERASED, fields: JSON.stringify(scrubJson(t.fields, scoped)), tags: t.tags.map((tag) => scrubString(tag, scoped)) })
        .where('id', '=', t.id)
        .execute();
    }
    if (messageIds.length) {
      await trx.updateTable('messages').set({ body_text: ERASED, body_html: null }).where('id', 'in', messageIds).execute();
      await trx.deleteFrom('attachments').where('message_id', 'in', messageIds).execute();
    }
    if (ticketIds.length) {
      await trx.updateTable('outbound_emails').set({ to_address: null, subject: ERASED, raw: null, last_error: null }).where('ticket_id', 'in', ticketIds).execute();
    }
    for (const ref of refs) {
      await trx.updateTable('webhook_ticket_refs').set({ external_id: erasedId() }).where('source_id', '=', ref.source_id).where('external_id', '=', ref.external_id).execute();
    }

    // ---- copies: rows linked to them (scoped), then every other row of every table (global) ----
    let copies = 0;
    if (runIds.length) {
      copies += await scrubRows(trx, 'public.runs', [col('snapshot', 'jsonb'), col('error', 'text')], sql`id = ANY(${runIds}::uuid[])`, () => scoped);
      copies += await scrubRows(trx, 'public.run_history', [col('event', 'jsonb'), col('effects', 'jsonb')], sql`run_id = ANY(${runIds}::uuid[])`, () => scoped);
      copies += await scrubRows(trx, 'public.tasks', [col('title', 'text'), col('assignee', 'jsonb')], sql`run_id = ANY(${runIds}::uuid[])`, () => scoped);
      await advancePastErasure(trx, runIds);
    }
    const linkIds = [...customerIds, ...ticketIds, ...messageIds, ...runIds, ...portalUsers.map((u) => u.id)];
    copies += await sweepAll(trx, global, scoped, linkIds);

    // ---- audit: entries about them lose their details; others lose the copies they hold ----
    const redactedSeqs = await redactAudit(trx, global, scoped, linkIds);
    const auditRedacted = redactedSeqs.length;
    if (auditRedacted > 0) {
      await recordAudit(trx, { organisationId: input.organisationId, actor: input.actor, action: REDACTION_ACTION, target: { type: 'customer', id: input.customerId }, after: { seqs: redactedSeqs } });
    }

    // ---- trained models whose vocabulary holds their identifiers (retrain to get them back) ----
    const modelNeedles = [...new Set([...distinctive, ...names, ...nameParts].flatMap((n) => [n, n.toLowerCase()]).filter((n) => n.length >= 4))];
    let aiModelsDropped = 0;
    if (modelNeedles.length) {
      const dropped = await trx
        .deleteFrom('ai_models')
        .where('organisation_id', '=', input.organisationId)
        .where(sql<boolean>`EXISTS (SELECT 1 FROM unnest(${modelNeedles}::text[]) AS n(v) WHERE position(convert_to(n.v, 'UTF8') in blob) > 0)`)
        .executeTakeFirst();
      aiModelsDropped = Number(dropped.numDeletedRows);
    }

    const result: EraseResult = {
      customers: customerIds.length,
      identities: identities.length,
      tickets: tickets.length,
      messages: messageIds.length,
      attachmentsDeleted: attachments.length,
      portalUsers: portalUsers.length,
      runs: runIds.length,
      copiesScrubbed: copies,
      auditRedacted,
      aiModelsDropped,
    };
    await recordAudit(trx, {
      organisationId: input.organisationId,
      actor: input.actor,
      action: 'customer.erased',
      target: { type: 'customer', id: input.customerId },
      after: result,
      ip: input.ip ?? null,
      userAgent: input.userAgent ?? null,
    });
    return result;
  });
}

interface Column {
  name: string;
  kind: ColumnKind;
}
const col = (name: string, kind: ColumnKind): Column => ({ name, kind });

const cast: Record<ColumnKind, string> = { text: 'text', 'text[]': 'text[]', json: 'json', jsonb: 'jsonb' };

/**
 * Scrubs the given columns of the rows matching `where` (table is "schema.name"); `setFor` picks the
 * strength per row. Rows are addressed by (tableoid, ctid) so tables without a key and partitioned
 * tables (pg-boss) work too. Returns the number of rows changed.
 */
async function scrubRows(trx: Transaction<Database>, table: string, columns: Column[], where: RawBuilder<unknown>, setFor: (row: Record<string, unknown>) => ScrubSet): Promise<number> {
  const [schema, name] = table.split('.') as [string, string];
  const selected = sql.join(columns.map((c) => sql.ref(c.name)));
  const rows = await sql<Record<string, unknown>>`
    SELECT tableoid::regclass::text AS "__rel", ctid::text AS "__ctid", ${selected} FROM ${sql.table(`${schema}.${name}`)} WHERE ${where}`.execute(trx);
  let changed = 0;
  for (const row of rows.rows) {
    const set = setFor(row);
    const updates: { column: Column; value: unknown }[] = [];
    for (const c of columns) {
      const before = row[c.name];
      if (before === null || before === undefined) continue;
      let after: unknown;
      if (c.kind === 'text') after = scrubString(String(before), set);
      else if (c.kind === 'text[]') after = (before as string[]).map((v) => (v === null ? v : scrubString(v, set)));
      else after = scrubJson(typeof before === 'string' && c.kind === 'json' ? JSON.parse(before) : before, set);
      const same = c.kind === 'text' ? after === before : JSON.stringify(after) === JSON.stringify(before);
      if (!same) updates.push({ column: c, value: c.kind === 'json' || c.kind === 'jsonb' ? JSON.stringify(after) : after });
    }
    if (updates.length === 0) continue;
    const assignments = sql.join(updates.map((u) => sql`${sql.ref(u.column.name)} = ${u.value}::${sql.raw(cast[u.column.kind])}`));
    // __rel comes from the catalog (regclass output is properly quoted), never from input.
    await sql`UPDATE ${sql.raw(String(row.__rel))} SET ${assignments} WHERE ctid = ${row.__ctid}::tid`.execute(trx);
    changed++;
  }
  return changed;
}

/** Every text, varchar, text[], json and jsonb column of every table in the public and pgboss schemas. */
async function sweepAll(trx: Transaction<Database>, global: ScrubSet, scoped: ScrubSet, linkIds: string[]): Promise<number> {
  const catalog = await sql<{ schema: string; table: string; column: string; kind: ColumnKind }>`
    SELECT n.nspname AS schema, c.relname AS table, a.attname AS column,
      CASE WHEN a.atttypid IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype) THEN 'text'
           WHEN a.atttypid IN ('text[]'::regtype, 'varchar[]'::regtype) THEN 'text[]'
           WHEN a.atttypid = 'json'::regtype THEN 'json' ELSE 'jsonb' END AS kind
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('public', 'pgboss') AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      AND a.atttypid IN ('text'::regtype, 'varchar'::regtype, 'bpchar'::regtype, 'text[]'::regtype, 'varchar[]'::regtype, 'json'::regtype, 'jsonb'::regtype)
    ORDER BY 1, 2, a.attnum`.execute(trx);
  const tables = new Map<string, Column[]>();
  for (const r of catalog.rows) {
    const key = `${r.schema}.${r.table}`;
    if (SWEEP_EXCLUDED.has(key)) continue;
    tables.set(key, [...(tables.get(key) ?? []), col(r.column, r.kind)]);
  }
  const patterns = likePatterns(global);
  const idPatterns = linkIds.map((id) => `%${id}%`);
  let changed = 0;
  for (const [table, columns] of tables) {
    const asText = (c: Column) => sql`${sql.ref(c.name)}::text`;
    const matches = sql.join(columns.map((c) => sql`${asText(c)} ILIKE ANY(${patterns}::text[])`), sql` OR `);
    const linked = (c: Column) => sql`${asText(c)} LIKE ANY(${idPatterns}::text[])`;
    const where = idPatterns.length ? sql`(${matches}) OR ${sql.join(columns.map(linked), sql` OR `)}` : matches;
    if (patterns.length === 0 && idPatterns.length === 0) break;
    changed += await scrubRows(trx, table, columns, where, (row) => (columns.some((c) => row[c.name] !== null && idPatterns.length > 0 && linkIds.some((id) => JSON.stringify(row[c.name]).includes(id))) ? scoped : global));
  }
  return changed;
}

/** Redacts audit entries: about them (target, or by their portal users) -> details emptied; others holding copies -> scrubbed. */
async function redactAudit(trx: Transaction<Database>, global: ScrubSet, scoped: ScrubSet, linkIds: string[]): Promise<number[]> {
  const patterns = likePatterns(global);
  const rows = await trx
    .selectFrom('audit_log')
    .select(['seq', 'action', 'details', 'target_id', 'actor_id'])
    .where((eb) =>
      eb.or([
        ...(linkIds.length ? [eb('target_id', 'in', linkIds), eb('actor_id', 'in', linkIds), eb(sql`details::text`, 'like', sql`ANY(${linkIds.map((id) => `%${id}%`)}::text[])`)] : []),
        ...(patterns.length ? [eb(sql`details::text`, 'ilike', sql`ANY(${patterns}::text[])`)] : []),
      ]),
    )
    .execute();
  const redacted: number[] = [];
  for (const row of rows) {
    // An earlier erasure's own entries hold only counts and seqs.
    if (row.action === 'customer.erased' || row.action === REDACTION_ACTION) continue;
    const about = (row.target_id !== null && linkIds.includes(row.target_id)) || (row.actor_id !== null && linkIds.includes(row.actor_id));
    const linked = linkIds.some((id) => JSON.stringify(row.details).includes(id));
    const details = about ? {} : (scrubJson(row.details, linked ? scoped : global) as Record<string, unknown>);
    if (!about && details === row.details) continue;
    await redactAuditDetails(trx, row.seq, details);
    redacted.push(Number(row.seq));
  }
  return redacted;
}

/**
 * Moves every unfinished run of the erased tickets one step on, with a `gdpr.erased` history entry. Workers
 * keep recently written runs in memory (runtime/run-cache.ts) and write with a compare-and-set on
 * runs.sequence: without the bump, a cached pre-erasure snapshot would still match and its next event would
 * write the personal data back. With it, that write misses and the worker re-reads the scrubbed row.
 */
async function advancePastErasure(trx: Transaction<Database>, runIds: readonly string[]): Promise<void> {
  const open = await trx.selectFrom('runs').select(['id', 'sequence', 'state']).where('id', 'in', [...runIds]).where('status', '<>', 'completed').forUpdate().execute();
  if (open.length === 0) return;
  const at = new Date();
  await trx
    .insertInto('run_history')
    .values(open.map((run) => ({ run_id: run.id, sequence: run.sequence + 1, event: JSON.stringify({ type: 'gdpr.erased' }), from_state: run.state, to_state: run.state, effects: JSON.stringify([]), at })))
    .execute();
  for (const run of open) await trx.updateTable('runs').set({ sequence: run.sequence + 1, updated_at: at }).where('id', '=', run.id).execute();
}
