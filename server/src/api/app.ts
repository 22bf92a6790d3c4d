// The HTTP API: one Fastify instance, one encapsulated plugin per area, schemas on every route,
// one error format. buildApp() does not listen; the CLI calls app.listen(), tests call app.inject().
import AjvCompiler from '@fastify/ajv-compiler';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { workflowDefinitionSchema } from '@flowdesk/schema';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { ApiDeps } from './deps.ts';
import { errorHandling } from './errors.ts';
import { auth } from '../auth/plugin.ts';
import { authRoutes } from './routes/auth.ts';
import { userRoutes } from './routes/users.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { portalRoutes } from './routes/portal.ts';
import { healthRoutes } from './routes/health.ts';
import { runRoutes } from './routes/runs.ts';
import { agentRoutes, teamRoutes } from './routes/agents.ts';
import { customerRoutes } from './routes/customers.ts';
import { kbRoutes } from './routes/kb.ts';
import { macroRoutes } from './routes/macros.ts';
import { ticketRoutes } from './routes/tickets.ts';
import { webFormRoutes } from './routes/webform.ts';
import { slaRoutes } from './routes/sla.ts';
import { workflowRoutes } from './routes/workflows.ts';
import { migrationRoutes } from './routes/migrations.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { auditRoutes } from './routes/audit.ts';
import { gdprRoutes } from './routes/gdpr.ts';
import { settingsRoutes } from './routes/settings.ts';
import { aiRoutes } from './routes/ai.ts';
import { ErrorResponseSchema } from './schemas.ts';
import { createAccountMailer } from '../auth/mailer.ts';
import { emailConfigFromEnv } from '../channels/email/config.ts';

export type { ApiDeps, ApiRuntime } from './deps.ts';

export const BODY_LIMIT = 1024 * 1024;

/**
 * ajv for request bodies: no coercion (a JSON `"5"` is not the number 5), nothing silently removed
 * (unknown properties are errors), every error reported; `discriminator` so the event union checks
 * only the branch its `type` names; `verbose` so errors carry their schema for precise messages.
 */
export const AJV_OPTIONS = { removeAdditional: false, coerceTypes: false, allErrors: true, discriminator: true, verbose: true } as const;

export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    ajv: { customOptions: AJV_OPTIONS },
    routerOptions: { ignoreTrailingSlash: true },
  });

  // Path params and query strings are text by nature, so only they get type coercion ("?limit=20" -> 20).
  const validators = AjvCompiler();
  const strict = validators({}, { customOptions: AJV_OPTIONS });
  const urlParts = validators({}, { customOptions: { ...AJV_OPTIONS, coerceTypes: true } });
  app.setValidatorCompiler((route) => (route.httpPart === 'params' || route.httpPart === 'querystring' ? urlParts : strict)(route));

  // JSON only: any other media type (text/plain included, which Fastify parses by default) is a 415.
  app.removeContentTypeParser('text/plain');
  await app.register(errorHandling);
  // Security headers on every response. The designer is a same-origin Vue build; Vue Flow and Swagger UI
  // set inline styles (style-src 'unsafe-inline'), and the designer validates workflows in the browser with
  // ajv, which compiles validators with new Function (script-src 'unsafe-eval'; precompiling them with ajv's
  // standalone mode would remove that). No upgrade-insecure-requests: a plain-http install on a LAN address
  // must still load its own scripts; HSTS is sent and matters only once served over TLS.
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-eval'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
  });
  await app.register(cookie);
  // Before any route: every /api route must declare config.access, and every request is checked here.
  await app.register(auth, { db: deps.db });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Flowdesk API',
        version: '0.1.0',
        description: 'Workflows, tickets and durable runs. Every error is `{ error: { code, message, details: [{ path, message }] } }`.',
      },
      tags: [
        { name: 'workflows', description: 'Workflow definitions, drafts and immutable published versions' },
        { name: 'tickets', description: 'Tickets; creating one starts the workflows its trigger matches' },
        { name: 'runs', description: 'Durable workflow runs, their history and events' },
        { name: 'customers', description: 'Customers and their identities (email, phone, handle, portal); merge' },
        { name: 'teams', description: 'Teams of agents' },
        { name: 'agents', description: 'Agents with skills and capacity' },
        { name: 'kb', description: 'Knowledge-base articles and their search' },
        { name: 'macros', description: 'Canned replies with ticket actions' },
        { name: 'public', description: 'Unauthenticated, rate-limited web form intake' },
        { name: 'sla', description: 'Business-hours calendars, SLA policies and ticket SLAs' },
        { name: 'webhooks', description: 'Signed inbound webhooks, outbound webhooks/chat notifications and their delivery log' },
        { name: 'auth', description: 'Sign-in, sessions, password reset, second factor, personal API tokens' },
        { name: 'users', description: 'User accounts and roles (admins)' },
        { name: 'portal', description: 'The customer portal: magic-link sign-in, own tickets and public replies' },
        { name: 'security', description: 'Audit log, organisation secrets and retention policy (admins)' },
        { name: 'ai', description: 'AI models per field, retraining from agents’ corrections' },
        { name: 'health', description: 'Service health' },
      ],
      components: { schemas: { Error: ErrorResponseSchema, WorkflowDefinition: definitionComponent() } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes, { prefix: '/api/health', db: deps.db });
  const publicUrl = (deps.auth?.publicUrl ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const mailer = deps.mailer ?? createAccountMailer({ ...emailConfigFromEnv({}), smtpUrl: undefined }, deps.logger);
  await app.register(authRoutes, {
    prefix: '/api/auth',
    db: deps.db,
    mailer,
    publicUrl,
    cookieSecure: deps.auth?.cookieSecure ?? publicUrl.startsWith('https:'),
    ...(deps.auth?.loginRateLimitMax !== undefined ? { loginRateLimitMax: deps.auth.loginRateLimitMax } : {}),
    ...(deps.secrets ? { secrets: deps.secrets } : {}),
  });
  await app.register(tokenRoutes, { prefix: '/api/tokens', db: deps.db });
  await app.register(userRoutes, { prefix: '/api/users', db: deps.db, mailer, publicUrl });
  await app.register(portalRoutes, { prefix: '/api/portal', db: deps.db, runtime: deps.runtime, logger: deps.logger, mailer, publicUrl, cookieSecure: deps.auth?.cookieSecure ?? publicUrl.startsWith('https:'), ...deps.webForm });
  await app.register(workflowRoutes, { prefix: '/api/workflows', db: deps.db });
  await app.register(migrationRoutes, { prefix: '/api/workflows', db: deps.db, runtime: deps.runtime });
  await app.register(ticketRoutes, { prefix: '/api/tickets', db: deps.db, runtime: deps.runtime, logger: deps.logger });
  await app.register(customerRoutes, { prefix: '/api/customers', db: deps.db });
  await app.register(gdprRoutes, { prefix: '/api/customers', db: deps.db });
  await app.register(teamRoutes, { prefix: '/api/teams', db: deps.db });
  await app.register(agentRoutes, { prefix: '/api/agents', db: deps.db });
  await app.register(kbRoutes, { prefix: '/api/kb', db: deps.db });
  await app.register(macroRoutes, { prefix: '/api/macros', db: deps.db });
  await app.register(webFormRoutes, { prefix: '/api/public', db: deps.db, runtime: deps.runtime, logger: deps.logger, ...deps.webForm });
  await app.register(runRoutes, { prefix: '/api/runs', db: deps.db, runtime: deps.runtime });
  await app.register(webhookRoutes, { prefix: '/api', db: deps.db, runtime: deps.runtime, logger: deps.logger, secrets: deps.secrets, ...deps.webhooks });
  await app.register(auditRoutes, { prefix: '/api/audit', db: deps.db });
  await app.register(settingsRoutes, { prefix: '/api/settings', db: deps.db, secrets: deps.secrets });
  await app.register(aiRoutes, { prefix: '/api/ai', db: deps.db, runtime: deps.runtime });
  await app.register(slaRoutes, { prefix: '/api', db: deps.db, now: () => (deps.runtime as { now?: () => Date }).now?.() ?? new Date() });

  // Not readied here: the caller may still add plugins (static designer files); listen()/inject() boot it.
  return app;
}

/**
 * The shared definition schema as an OpenAPI component: its internal `#/definitions/...` references
 * are rewritten to point inside the component so any OpenAPI tool resolves them.
 */
function definitionComponent(): Record<string, unknown> {
  const base = '#/components/schemas/WorkflowDefinition/definitions/';
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      if (key === '$id' || key === '$schema') continue;
      out[key] = key === '$ref' && typeof child === 'string' && child.startsWith('#/definitions/') ? base + child.slice('#/definitions/'.length) : rewrite(child);
    }
    return out;
  };
  return rewrite(workflowDefinitionSchema) as Record<string, unknown>;
}
