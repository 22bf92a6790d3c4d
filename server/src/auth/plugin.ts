// The one place access is decided. Every /api route declares `config.access`; at boot a route without
// one is an error (so nothing is accidentally public). Per request: resolve the principal from an API
// token (Authorization: Bearer) or the session cookie, check CSRF for cookie-authenticated writes,
// check the route's permission, and attach the ticket scope that repositories filter by.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import '@fastify/cookie';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import { timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/types.ts';
import { FlowdeskError } from '../errors.ts';
import './fastify-types.ts';
import { PERMISSIONS, type RouteAccess } from './permissions.ts';
import { actorOf, type Principal, type TicketScope } from './principal.ts';
import { recordAudit } from '../audit/index.ts';
import { ticketScopeOf } from './scope.ts';
import { principalFromApiToken, principalFromSession } from './sessions.ts';
import { API_TOKEN_PREFIX } from './tokens.ts';

export const SESSION_COOKIE = 'fd_session';
export const CSRF_COOKIE = 'fd_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface AuthPluginOptions {
  db: Kysely<Database>;
}

export const unauthenticated = (message = 'sign in first: send a session cookie or an `Authorization: Bearer fdt_…` API token') =>
  new FlowdeskError('FD_UNAUTHENTICATED', 401, message);
export const forbidden = (message: string) => new FlowdeskError('FD_FORBIDDEN', 403, message);

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function bearerToken(request: FastifyRequest): string | null | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match && match[1]!.startsWith(API_TOKEN_PREFIX) ? match[1]! : null;
}

async function authPlugin(app: FastifyInstance, options: AuthPluginOptions): Promise<void> {
  const { db } = options;
  app.decorateRequest('principal', null);
  app.decorateRequest('ticketScope', null);

  // Every route's declared access, "METHOD /url" -> access (the route × role matrix test reads it).
  const declared = new Map<string, RouteAccess>();
  app.decorate('routeAccess', declared);
  // And their input schemas, so a test can prove every object refuses unknown properties.
  const schemas = new Map<string, { body?: unknown; querystring?: unknown; params?: unknown }>();
  app.decorate('routeInputSchemas', schemas);

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api')) return;
    const access = (route.config as { access?: RouteAccess } | undefined)?.access;
    for (const method of [route.method].flat()) {
      if (access === undefined || method === 'HEAD') continue;
      declared.set(`${method} ${route.url}`, access);
      const { body, querystring, params } = (route.schema ?? {}) as { body?: unknown; querystring?: unknown; params?: unknown };
      schemas.set(`${method} ${route.url}`, { body, querystring, params });
    }
    if (access === undefined) throw new Error(`route ${String(route.method)} ${route.url} declares no config.access (a permission, 'authenticated' or 'public')`);
    if (access !== 'public' && access !== 'authenticated' && !Object.hasOwn(PERMISSIONS, access)) throw new Error(`route ${String(route.method)} ${route.url} names an unknown permission ${JSON.stringify(access)}`);
  });

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config?.access;
    if (access === undefined || access === 'public') return;

    const bearer = bearerToken(request);
    let resolved;
    if (bearer === null) throw unauthenticated('the Authorization header must be `Bearer fdt_…` (an API token)');
    if (bearer !== undefined) {
      resolved = await principalFromApiToken(db, bearer);
      if (!resolved) throw unauthenticated('the API token is unknown, expired or revoked');
    } else {
      const cookie = request.cookies?.[SESSION_COOKIE];
      if (!cookie) throw unauthenticated();
      resolved = await principalFromSession(db, cookie);
      if (!resolved) throw unauthenticated('the session has expired or was signed out: sign in again');
      if (!SAFE_METHODS.has(request.method)) {
        const sent = request.headers[CSRF_HEADER];
        if (typeof sent !== 'string' || !sameSecret(sent, resolved.csrfToken!)) {
          throw new FlowdeskError('FD_CSRF', 403, `cookie-authenticated ${request.method} requests need the ${CSRF_HEADER} header (the csrfToken from sign-in)`, [
            { path: `/headers/${CSRF_HEADER}`, message: `/headers/${CSRF_HEADER}: missing or does not match the session` },
          ]);
        }
      }
    }
    const { principal, teamIds } = resolved;
    if (access !== 'authenticated' && !principal.permissions.has(access)) {
      throw forbidden(
        principal.kind === 'token' && (PERMISSIONS[access].roles as readonly string[]).includes(principal.role)
          ? `this API token lacks the scope ${JSON.stringify(access)}`
          : `the ${principal.role} role lacks the permission ${JSON.stringify(access)} (${PERMISSIONS[access].description})`,
      );
    }
    request.principal = principal;
    request.ticketScope = ticketScopeOf(principal, teamIds);
  });

  // Admins can read everything, so what they read is on the record: one `data.read` entry per successful
  // read of a route marked `auditRead` (after the response, so it adds no latency).
  app.addHook('onResponse', async (request, reply) => {
    const target = request.routeOptions.config?.auditRead;
    const principal = request.principal;
    if (!target || !principal || principal.role !== 'admin' || reply.statusCode >= 400) return;
    const params = request.params as { id?: string; attachmentId?: string };
    try {
      await recordAudit(db, {
        organisationId: principal.organisationId,
        actor: actorOf(principal),
        action: 'data.read',
        target: { type: target, id: (target === 'attachment' ? params.attachmentId : params.id) ?? null },
        after: { route: `${request.method} ${request.routeOptions.url}` },
        ip: request.ip ?? null,
      });
    } catch (err) {
      request.log.error({ err }, 'could not audit a data read');
    }
  });
}

export const auth = fp(authPlugin, { name: 'flowdesk-auth', fastify: '5.x' });

/** The principal of a route that is not public (the hook guarantees it). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthenticated();
  return request.principal;
}

export function scopeOf(request: FastifyRequest): TicketScope {
  if (!request.ticketScope) throw unauthenticated();
  return request.ticketScope;
}
