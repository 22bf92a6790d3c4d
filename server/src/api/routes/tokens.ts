// Personal API tokens: created with scopes (a subset of the owner's permissions) and an expiry, shown
// once, stored as a digest, revocable. Requests with `Authorization: Bearer fdt_…` act as the owner
// limited to the scopes.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { recordAudit } from '../../audit/index.ts';
import { permissionsOf } from '../../auth/permissions.ts';
import { principalOf } from '../../auth/plugin.ts';
import { newApiToken } from '../../auth/tokens.ts';
import type { Database } from '../../db/types.ts';
import { invalidInput, notFound } from '../../errors.ts';
import { ApiTokenSchema, CreateTokenBody } from '../auth-schemas.ts';
import { toApiToken } from '../auth-serialize.ts';
import { IdParams, withErrors } from '../schemas.ts';
import { auditOrigin } from './security-common.ts';

const tags = ['auth'];
const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_TOKEN_DAYS = 90;

export const tokenRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<Database> }> = async (app, { db }) => {
  app.post(
    '/',
    {
      config: { access: 'tokens.own' },
      schema: {
        tags,
        summary: 'Create an API token (shown once)',
        description: 'Scopes are permission names and must be ones your role has. The token value is returned only in this response.',
        body: CreateTokenBody,
        response: withErrors({ 201: Type.Object({ token: Type.String({ description: 'fdt_… — store it now; it cannot be shown again' }), apiToken: ApiTokenSchema }, { additionalProperties: false }) }),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind === 'token') throw invalidInput('API tokens cannot create API tokens: sign in with a password');
      const allowed = new Set(permissionsOf(principal.role));
      const details = request.body.scopes.flatMap((scope, i) =>
        allowed.has(scope) ? [] : [{ path: `/body/scopes/${i}`, message: `/body/scopes/${i}: the ${principal.role} role does not have ${JSON.stringify(scope)}` }],
      );
      if (details.length > 0) throw invalidInput(details[0]!.message, details);
      const { token, prefix, hash } = newApiToken();
      const expiresAt = new Date(Date.now() + (request.body.expiresInDays ?? DEFAULT_TOKEN_DAYS) * DAY_MS);
      const row = await db.transaction().execute(async (trx) => {
        const created = await trx.insertInto('api_tokens').values({ user_id: principal.userId, name: request.body.name, prefix, token_hash: hash, scopes: request.body.scopes, expires_at: expiresAt }).returningAll().executeTakeFirstOrThrow();
        await recordAudit(trx, { ...auditOrigin(request), action: 'token.created', target: { type: 'api_token', id: created.id }, after: { name: created.name, scopes: created.scopes, expiresAt: expiresAt.toISOString() } });
        return created;
      });
      return reply.code(201).send({ token, apiToken: toApiToken(row) });
    },
  );

  app.get(
    '/',
    { config: { access: 'tokens.own' }, schema: { tags, summary: 'List your API tokens (never their values)', response: withErrors({ 200: Type.Object({ apiTokens: Type.Array(ApiTokenSchema) }, { additionalProperties: false }) }) } },
    async (request) => {
      const rows = await db.selectFrom('api_tokens').selectAll().where('user_id', '=', principalOf(request).userId).orderBy('created_at', 'desc').limit(500).execute();
      return { apiTokens: rows.map(toApiToken) };
    },
  );

  app.delete(
    '/:id',
    { config: { access: 'tokens.own' }, schema: { tags, summary: 'Revoke one of your API tokens', params: IdParams, response: withErrors({ 204: Type.Null() }) } },
    async (request, reply) => {
      const principal = principalOf(request);
      await db.transaction().execute(async (trx) => {
        const row = await trx.updateTable('api_tokens').set({ revoked_at: new Date() }).where('id', '=', request.params.id).where('user_id', '=', principal.userId).where('revoked_at', 'is', null).returning('id').executeTakeFirst();
        if (!row) throw notFound('API token', request.params.id);
        await recordAudit(trx, { ...auditOrigin(request), action: 'token.revoked', target: { type: 'api_token', id: row.id } });
      });
      return reply.code(204).send(null);
    },
  );
};
