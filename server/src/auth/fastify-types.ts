// Types the auth plugin adds to Fastify: the request's principal and the route's declared access.
import type { Principal, TicketScope } from './principal.ts';
import type { RouteAccess } from './permissions.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Null only on `public` routes (and before the auth hook ran). */
    principal: Principal | null;
    /** Which tickets the principal may see; null when there is no principal. */
    ticketScope: TicketScope | null;
  }
  interface FastifyInstance {
    /** "METHOD /url" -> the access each /api route declared (filled at registration). */
    routeAccess: Map<string, RouteAccess>;
    /** "METHOD /url" -> the route's input schemas (body, querystring, params). */
    routeInputSchemas: Map<string, { body?: unknown; querystring?: unknown; params?: unknown }>;
  }
  interface FastifyContextConfig {
    /** Required on every /api route; the auth plugin refuses to boot a route without it. */
    access?: RouteAccess;
    /** Reads of personal data by admins are audited as `data.read` of this target type (id from params.id). */
    auditRead?: 'ticket' | 'customer' | 'attachment';
  }
}

export {};
