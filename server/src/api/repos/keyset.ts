// Opaque keyset cursors for the ticketing lists: base64url of [created_at with microseconds, id], and
// offset cursors for ranked search results (a rank is not a stable key across pages of a changing table).
import { sql } from 'kysely';
import { invalidInput } from '../../errors.ts';
import { UUID_PATTERN } from '../schemas.ts';

const CURSOR_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID_RE = new RegExp(UUID_PATTERN);

/** created_at with full microsecond precision (a JS Date would drop it and break keyset pagination). */
export const cursorTs = (column: string) => sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const badCursor = () =>
  invalidInput('/querystring/cursor: is not a cursor returned by this API', [{ path: '/querystring/cursor', message: '/querystring/cursor: is not a cursor returned by this API' }]);

export function encodeKeyset(row: { cursor_ts: string; id: string }): string {
  return Buffer.from(JSON.stringify([row.cursor_ts, row.id]), 'utf8').toString('base64url');
}

export function decodeKeyset(cursor: string): { createdAt: string; id: string } {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    /* falls through */
  }
  if (Array.isArray(parsed) && parsed.length === 2) {
    const [createdAt, id] = parsed as unknown[];
    if (typeof createdAt === 'string' && CURSOR_TS.test(createdAt) && !Number.isNaN(Date.parse(createdAt)) && typeof id === 'string' && UUID_RE.test(id)) return { createdAt, id };
  }
  throw badCursor();
}

export function encodeOffset(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset }), 'utf8').toString('base64url');
}

export function decodeOffset(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    /* falls through */
  }
  const o = (parsed as { o?: unknown } | null)?.o;
  if (typeof o === 'number' && Number.isInteger(o) && o >= 0 && o <= 100_000) return o;
  throw badCursor();
}
