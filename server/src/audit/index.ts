// The audit log: one append-only table of security-relevant actions (logins, role changes, publishes,
// exports, erasures, setting changes, admin data access) linked into a hash chain, so that changing,
// inserting or deleting a row after the fact is detectable by `verifyAuditChain` (`flowdesk audit verify`).
//
// Chain: every row's hash is sha256 over the canonical JSON (sorted keys) of its chained fields, which
// include the previous row's hash and the sha256 of its details. Rows get their seq under a
// transaction-scoped advisory lock held until the writing transaction ends, so concurrent writers line
// up one after another and a rolled-back transaction leaves no gap. The details (the only place for
// personal data: before/after values, IP, user agent) are covered through their digest, so a GDPR
// redaction can replace them without breaking the chain; the database trigger allows exactly that.
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AuditActor } from '../auth/principal.ts';
import type { AuditLogRow } from '../db/tables/audit.ts';
import type { Database } from '../db/types.ts';

export interface AuditEntry {
  organisationId: string;
  actor: AuditActor;
  action: string;
  target?: { type: string; id: string | null };
  before?: unknown;
  after?: unknown;
  ip?: string | null;
  userAgent?: string | null;
}

export interface AuditProblem {
  seq: number;
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  firstBadSeq: number | null;
  problems: AuditProblem[];
}

/** prev_hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);
/** pg_advisory_xact_lock key of the chain's tail ("flowdesk.audit" as a number). */
export const AUDIT_LOCK_KEY = 0x466c6f7741756474n;
const MAX_PROBLEMS = 100;
/** The entry that records which rows a GDPR erasure redacted. */
export const REDACTION_ACTION = 'audit.redacted';

/** JSON with object keys sorted at every level; the input must already be plain JSON data. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const entries = Object.keys(value as Record<string, unknown>)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

export const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The details as they will read back from jsonb: plain JSON (undefined dropped, dates as ISO strings)
 * without U+0000, which jsonb cannot store.
 */
export function normaliseDetails(entry: Pick<AuditEntry, 'before' | 'after' | 'ip' | 'userAgent'>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  if (entry.before !== undefined) raw.before = entry.before;
  if (entry.after !== undefined) raw.after = entry.after;
  if (entry.ip !== undefined && entry.ip !== null) raw.ip = entry.ip;
  if (entry.userAgent !== undefined && entry.userAgent !== null) raw.userAgent = entry.userAgent.slice(0, 1000);
  return JSON.parse(JSON.stringify(raw, (_key, v: unknown) => (typeof v === 'string' ? v.replaceAll('\u0000', '') : v))) as Record<string, unknown>;
}

export interface ChainFields {
  seq: number;
  at: string;
  organisationId: string;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  detailsSha256: string;
  prevHash: string;
}

export function chainHash(fields: ChainFields): string {
  return sha256Hex(canonicalJson(fields));
}

/** Appends one entry. Pass the action's own transaction when there is one: the entry commits with it. */
export async function recordAudit(db: Kysely<Database> | Transaction<Database>, entry: AuditEntry): Promise<void> {
  if (db.isTransaction) return append(db as Transaction<Database>, entry);
  return db.transaction().execute((trx) => append(trx, entry));
}

async function append(trx: Transaction<Database>, entry: AuditEntry): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${sql.lit(AUDIT_LOCK_KEY.toString())}::bigint)`.execute(trx);
  const last = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const details = normaliseDetails(entry);
  const detailsSha256 = sha256Hex(canonicalJson(details));
  const fields: ChainFields = {
    seq: last ? Number(last.seq) + 1 : 1,
    at: new Date().toISOString(),
    organisationId: entry.organisationId,
    actorType: entry.actor.type,
    actorId: entry.actor.id,
    action: entry.action,
    targetType: entry.target?.type ?? null,
    targetId: entry.target?.id ?? null,
    detailsSha256,
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  await trx
    .insertInto('audit_log')
    .values({
      seq: fields.seq,
      at: fields.at,
      organisation_id: fields.organisationId,
      actor_type: entry.actor.type,
      actor_id: fields.actorId,
      action: fields.action,
      target_type: fields.targetType,
      target_id: fields.targetId,
      details: JSON.stringify(details),
      details_sha256: detailsSha256,
      prev_hash: fields.prevHash,
      hash: chainHash(fields),
    })
    .execute();
}

export function chainFieldsOf(row: Pick<AuditLogRow, 'seq' | 'at' | 'organisation_id' | 'actor_type' | 'actor_id' | 'action' | 'target_type' | 'target_id' | 'details_sha256' | 'prev_hash'>): ChainFields {
  return {
    seq: Number(row.seq),
    at: new Date(row.at).toISOString(),
    organisationId: row.organisation_id,
    actorType: row.actor_type,
    actorId: row.actor_id,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    detailsSha256: row.details_sha256,
    prevHash: row.prev_hash,
  };
}

/**
 * Walks the whole chain in seq order (in pages, so memory stays flat) and reports every problem: a seq
 * that is not the previous one plus one (a deleted or inserted row), a prev_hash that is not the previous
 * row's hash, a hash that does not match the row's fields, and details that do not match their digest
 * (not checked for redacted rows, whose details were replaced on purpose).
 */
export async function verifyAuditChain(db: Kysely<Database>): Promise<AuditVerification> {
  const problems: AuditProblem[] = [];
  let checked = 0;
  let firstBadSeq: number | null = null;
  const report = (seq: number, message: string) => {
    if (firstBadSeq === null || seq < firstBadSeq) firstBadSeq = seq;
    if (problems.length < MAX_PROBLEMS) problems.push({ seq, message });
  };
  let previous: { seq: number; hash: string } | null = null;
  // A redaction is itself recorded (action audit.redacted, after.seqs): a row marked redacted that no
  // such entry lists had its details replaced by someone else.
  const redacted: number[] = [];
  const listed = new Set<number>();
  for (;;) {
    let query = db.selectFrom('audit_log').selectAll().orderBy('seq').limit(1000);
    if (previous) query = query.where('seq', '>', String(previous.seq));
    const rows = await query.execute();
    for (const row of rows) {
      const fields = chainFieldsOf(row);
      const expectedSeq: number = previous ? previous.seq + 1 : 1;
      if (fields.seq !== expectedSeq) {
        report(fields.seq, previous ? `seq ${fields.seq} follows ${previous.seq}: ${fields.seq - expectedSeq} row(s) missing before it` : `the chain starts at seq ${fields.seq}, not 1: rows are missing before it`);
      }
      const expectedPrev: string = previous?.hash ?? GENESIS_HASH;
      if (row.prev_hash !== expectedPrev) report(fields.seq, `prev_hash does not match the hash of the row before it (seq ${previous?.seq ?? 'none'})`);
      if (chainHash(fields) !== row.hash) report(fields.seq, 'hash does not match the row (a chained field was changed)');
      if (row.redacted_at === null && sha256Hex(canonicalJson(row.details)) !== row.details_sha256) report(fields.seq, 'details do not match details_sha256 (the details were changed)');
      if (row.redacted_at !== null) redacted.push(fields.seq);
      if (row.action === REDACTION_ACTION) {
        const seqs = (row.details as { after?: { seqs?: unknown } }).after?.seqs;
        if (Array.isArray(seqs)) for (const s of seqs) if (typeof s === 'number') listed.add(s);
      }
      previous = { seq: fields.seq, hash: row.hash };
      checked++;
    }
    if (rows.length < 1000) break;
  }
  for (const seq of redacted) if (!listed.has(seq)) report(seq, 'marked redacted, but no audit.redacted entry lists it (the details were replaced outside an erasure)');
  return { ok: firstBadSeq === null, checked, firstBadSeq, problems };
}

/**
 * Replaces the details of one row (GDPR erasure). Must run inside a transaction that did
 * `SET LOCAL flowdesk.erasure = 'on'`; the trigger refuses anything but this shape of UPDATE.
 */
export async function redactAuditDetails(trx: Transaction<Database>, seq: number | string, details: Record<string, unknown>): Promise<void> {
  await trx
    .updateTable('audit_log')
    .set({ details: JSON.stringify({ ...details, redacted: true }), redacted_at: new Date() })
    .where('seq', '=', String(seq))
    .execute();
}
