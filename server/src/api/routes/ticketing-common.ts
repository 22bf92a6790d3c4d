// Helpers shared by the ticketing routes: the request's organisation, base64 attachments, service error paths.
import { DEFAULT_ORGANISATION_ID } from '../../db/tables/ticketing.ts';
import { FlowdeskError, invalidInput } from '../../errors.ts';
import type { FastifyRequest } from 'fastify';
import { findNul, type AttachmentInput } from '../../ticketing/index.ts';
import type { TicketingContext } from '../../ticketing/index.ts';
import type { ApiDeps } from '../deps.ts';

/** The organisation a request works in: the principal's; public routes (no principal) serve the default one. */
export function organisationOf(request: FastifyRequest): string {
  return request.principal?.organisationId ?? DEFAULT_ORGANISATION_ID;
}

export function ticketingContext(deps: Pick<ApiDeps, 'db' | 'runtime' | 'logger'>): TicketingContext {
  return { db: deps.db, runtime: deps.runtime, logger: deps.logger };
}

/** Route body limit where attachments ride along as base64 (25 MiB of files is ~34 MiB of base64). */
export const ATTACHMENT_BODY_LIMIT = 48 * 1024 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function decodeAttachments(list: readonly { filename: string; contentType: string; contentBase64: string }[] | undefined, base: string): AttachmentInput[] | undefined {
  return list?.map((a, i) => {
    const text = a.contentBase64.replace(/\s+/g, '');
    if (text.length % 4 !== 0 || !BASE64.test(text)) {
      const path = `${base}/${i}/contentBase64`;
      throw invalidInput(`${path}: is not valid base64`, [{ path, message: `${path}: is not valid base64` }]);
    }
    return { filename: a.filename, contentType: a.contentType, content: Buffer.from(text, 'base64') };
  });
}

/**
 * Rewrites the detail paths of a service error into request pointers: `rewrite` maps a service path
 * prefix (e.g. "/message/attachments") to the request's ("/body/attachments"); anything else gets `base`.
 */
export function toRequestPaths(error: unknown, base: string, rewrite: Record<string, string> = {}): unknown {
  if (!(error instanceof FlowdeskError) || error.details.length === 0) return error;
  const map = (path: string) => {
    for (const [from, to] of Object.entries(rewrite)) if (path === from || path.startsWith(`${from}/`)) return to + path.slice(from.length);
    return base + path;
  };
  const details = error.details.map((d) => {
    const path = map(d.path);
    return { path, message: d.message.startsWith(d.path) ? path + d.message.slice(d.path.length) : d.message };
  });
  const first = error.details[0]!.path;
  const message = error.message.startsWith(first) ? map(first) + error.message.slice(first.length) : error.message;
  return new FlowdeskError(error.code, error.statusCode, message, details);
}

export async function withRequestPaths<T>(work: () => Promise<T>, base: string, rewrite: Record<string, string> = {}): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toRequestPaths(error, base, rewrite);
  }
}

/** {email, phone, handle} -> identities, remembering which request field each came from. */
export function identitiesOf(customer: { email?: string; phone?: string; handle?: string }): { identities: { kind: 'email' | 'phone' | 'handle'; value: string }[]; rewrite: Record<string, string> } {
  const identities: { kind: 'email' | 'phone' | 'handle'; value: string }[] = [];
  const rewrite: Record<string, string> = {};
  for (const kind of ['email', 'phone', 'handle'] as const) {
    const value = customer[kind];
    if (value === undefined) continue;
    rewrite[`/customer/identities/${identities.length}/value`] = `/body/customer/${kind}`;
    rewrite[`/identities/${identities.length}/value`] = `/body/${kind}`;
    identities.push({ kind, value });
  }
  return { identities, rewrite };
}

/**
 * preValidation hook for the ticketing plugins: a body string holding U+0000 (which Postgres text and jsonb
 * cannot store) is a 400 naming the field, before anything runs.
 */
export async function rejectNul(request: FastifyRequest): Promise<void> {
  const path = findNul(request.query, '/querystring') ?? findNul(request.params, '/params') ?? findNul(request.body, '/body');
  if (path !== null) throw invalidInput(`${path}: must not contain the NUL character (U+0000)`, [{ path, message: `${path}: must not contain the NUL character (U+0000)` }]);
}
