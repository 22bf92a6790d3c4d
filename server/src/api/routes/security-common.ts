// Where a request comes from, for audit entries: organisation, actor, IP and user agent. One place, so every
// route records the same origin fields the same way.
import type { FastifyRequest } from 'fastify';
import type {} from '../../auth/fastify-types.ts';
import { actorOf, type AuditActor } from '../../auth/principal.ts';
import type { RequestMeta } from '../../auth/service.ts';
import { organisationOf } from './ticketing-common.ts';

/** Client IP and user agent (capped at 500 characters). */
export function requestMeta(request: FastifyRequest): RequestMeta {
  const agent = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof agent === 'string' ? agent.slice(0, 500) : null };
}

/** The audit fields every route entry carries: organisation, actor (the principal), IP and user agent. */
export function auditOrigin(request: FastifyRequest): { organisationId: string; actor: AuditActor; ip: string | null; userAgent: string | null } {
  return { organisationId: organisationOf(request), actor: actorOf(request.principal ?? null), ...requestMeta(request) };
}
