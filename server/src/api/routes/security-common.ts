// Helpers of the security routes (audit, settings, GDPR): who is asking, from where, in which organisation.
import type { FastifyRequest } from 'fastify';
import type {} from '../../auth/fastify-types.ts';
import { actorOf, type AuditActor } from '../../auth/principal.ts';
import { organisationOf } from './ticketing-common.ts';

/** The principal's organisation; the default organisation when no auth plugin put a principal on the request. */
export function requestOrganisation(request: FastifyRequest): string {
  return request.principal?.organisationId ?? organisationOf(request);
}

export function requestActor(request: FastifyRequest): AuditActor {
  return actorOf(request.principal ?? null);
}

/** The audit fields every route entry carries: organisation, actor, IP and user agent. */
export function auditOrigin(request: FastifyRequest): { organisationId: string; actor: AuditActor; ip: string; userAgent: string | null } {
  const ua = request.headers['user-agent'];
  return { organisationId: requestOrganisation(request), actor: requestActor(request), ip: request.ip, userAgent: typeof ua === 'string' ? ua : null };
}
