// The audit log: list with filters and keyset pagination (newest first), and verification of the hash
// chain. Admin only (audit.read). See docs/security.md "Audit log".
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { verifyAuditChain } from '../../audit/index.ts';
import type { AuditLogRow } from '../../db/tables/audit.ts';
import { invalidInput } from '../../errors.ts';
import type { ApiDeps } from '../deps.ts';
import { DEFAULT_PAGE_SIZE, DateTime, Nullable, StringEnum, withErrors } from '../schemas.ts';
import { rejectNul } from './ticketing-common.ts';
import { organisationOf } from './ticketing-common.ts';

const tags = ['security'];
const ACTOR_TYPES = ['user', 'token', 'system', 'anonymous'] as const;

const AuditEntrySchema = Type.Object(
  {
    seq: Type.Integer(),
    at: DateTime(),
    actor: Type.Object({ type: StringEnum(ACTOR_TYPES), id: Nullable(Type.String()) }, { additionalProperties: false }),
    action: Type.String(),
    target: Nullable(Type.Object({ type: Type.String(), id: Nullable(Type.String()) }, { additionalProperties: false })),
    details: Type.Record(Type.String(), Type.Unknown(), { description: 'before/after, ip, userAgent; replaced on GDPR redaction' }),
    redactedAt: Nullable(DateTime()),
    hash: Type.String(),
    prevHash: Type.String(),
  },
  { additionalProperties: false },
);

const ListAuditQuery = Type.Object(
  {
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9_.*]+$', description: 'Exact action, or a prefix ending in ".*" (e.g. auth.*)' })),
    actorType: Type.Optional(StringEnum(ACTOR_TYPES)),
    actorId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    targetType: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    targetId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Page size, 1..200 (default 50)' })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Opaque cursor from a previous page (nextCursor)' })),
  },
  { additionalProperties: false },
);

const VerifySchema = Type.Object(
  {
    ok: Type.Boolean(),
    checked: Type.Integer(),
    firstBadSeq: Nullable(Type.Integer()),
    problems: Type.Array(Type.Object({ seq: Type.Integer(), message: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export function toAuditEntry(row: AuditLogRow) {
  return {
    seq: Number(row.seq),
    at: new Date(row.at).toISOString(),
    actor: { type: row.actor_type, id: row.actor_id },
    action: row.action,
    target: row.target_type === null ? null : { type: row.target_type, id: row.target_id },
    details: row.details,
    redactedAt: row.redacted_at ? new Date(row.redacted_at).toISOString() : null,
    hash: row.hash,
    prevHash: row.prev_hash,
  };
}

const badCursor = () => invalidInput('/querystring/cursor: is not a cursor returned by this API', [{ path: '/querystring/cursor', message: '/querystring/cursor: is not a cursor returned by this API' }]);

function decodeSeqCursor(cursor: string): number {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    /* falls through */
  }
  const seq = (parsed as { s?: unknown } | null)?.s;
  if (typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0) return seq;
  throw badCursor();
}
const encodeSeqCursor = (seq: number) => Buffer.from(JSON.stringify({ s: seq }), 'utf8').toString('base64url');

export const auditRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db'>> = async (app, { db }) => {
  app.addHook('preValidation', rejectNul);

  app.get(
    '/',
    {
      config: { access: 'audit.read' },
      schema: {
        tags,
        summary: 'List audit log entries',
        description: 'Newest first (by seq). Filters combine with AND; `action` may be a prefix like `auth.*`.',
        querystring: ListAuditQuery,
        response: withErrors({ 200: Type.Object({ entries: Type.Array(AuditEntrySchema), nextCursor: Nullable(Type.String()) }, { additionalProperties: false }) }),
      },
    },
    async (request) => {
      const q = request.query;
      const limit = q.limit ?? DEFAULT_PAGE_SIZE;
      let query = db.selectFrom('audit_log').selectAll().where('organisation_id', '=', organisationOf(request));
      if (q.action !== undefined) {
        if (q.action.endsWith('.*')) query = query.where('action', 'like', `${q.action.slice(0, -1).replace(/[\\%_]/g, '\\$&')}%`);
        else query = query.where('action', '=', q.action);
      }
      if (q.actorType !== undefined) query = query.where('actor_type', '=', q.actorType);
      if (q.actorId !== undefined) query = query.where('actor_id', '=', q.actorId);
      if (q.targetType !== undefined) query = query.where('target_type', '=', q.targetType);
      if (q.targetId !== undefined) query = query.where('target_id', '=', q.targetId);
      if (q.cursor !== undefined) query = query.where('seq', '<', String(decodeSeqCursor(q.cursor)));
      const rows = await query.orderBy('seq', 'desc').limit(limit + 1).execute();
      const page = rows.slice(0, limit);
      return { entries: page.map(toAuditEntry), nextCursor: rows.length > limit ? encodeSeqCursor(Number(page[page.length - 1]!.seq)) : null };
    },
  );

  app.get(
    '/verify',
    {
      config: { access: 'audit.read' },
      schema: {
        tags,
        summary: 'Verify the audit hash chain',
        description: 'Checks the whole chain (every organisation: it is one chain): contiguous seq, prev_hash links, row hashes, details digests of non-redacted rows. Lists at most 100 problems.',
        response: withErrors({ 200: VerifySchema }),
      },
    },
    async () => verifyAuditChain(db),
  );
};
