// User administration (admins): create accounts, change roles, disable, unlock. Role changes are audited
// with before/after and end the user's sessions so new rights apply at once.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { recordAudit } from '../../audit/index.ts';
import { principalOf } from '../../auth/plugin.ts';
import { createUser } from '../../auth/service.ts';
import { revokeUserSessions } from '../../auth/sessions.ts';
import type { Database } from '../../db/types.ts';
import { invalidInput, notFound } from '../../errors.ts';
import { CreateUserBody, UpdateUserBody, UserSchema } from '../auth-schemas.ts';
import { toUser } from '../auth-serialize.ts';
import { IdParams, withErrors } from '../schemas.ts';
import { auditOrigin } from './security-common.ts';

const tags = ['users'];

export const userRoutes: FastifyPluginAsyncTypebox<{ db: Kysely<Database> }> = async (app, { db }) => {
  async function checkLink(organisationId: string, table: 'agents' | 'customers', id: string | null | undefined, path: string) {
    if (!id) return;
    const row = await db.selectFrom(table).select('id').where('id', '=', id).where('organisation_id', '=', organisationId).executeTakeFirst();
    if (!row) throw invalidInput(`${path}: ${table.slice(0, -1)} ${JSON.stringify(id)} does not exist`, [{ path, message: `${path}: does not exist` }]);
  }

  app.post(
    '/',
    { config: { access: 'users.manage' }, schema: { tags, summary: 'Create a user', body: CreateUserBody, response: withErrors({ 201: Type.Object({ user: UserSchema }, { additionalProperties: false }) }) } },
    async (request, reply) => {
      const principal = principalOf(request);
      const b = request.body;
      await checkLink(principal.organisationId, 'agents', b.agentId, '/body/agentId');
      await checkLink(principal.organisationId, 'customers', b.customerId, '/body/customerId');
      const user = await db.transaction().execute(async (trx) => {
        const created = await createUser(trx, { organisationId: principal.organisationId, email: b.email, name: b.name ?? null, role: b.role, ...(b.password !== undefined ? { password: b.password } : {}), agentId: b.agentId ?? null, customerId: b.customerId ?? null });
        await recordAudit(trx, { ...auditOrigin(request), action: 'user.created', target: { type: 'user', id: created.id }, after: { email: created.email, role: created.role } });
        return created;
      });
      return reply.code(201).send({ user: toUser(user) });
    },
  );

  app.get(
    '/',
    { config: { access: 'users.manage' }, schema: { tags, summary: 'List the users of the organisation', response: withErrors({ 200: Type.Object({ users: Type.Array(UserSchema) }, { additionalProperties: false }) }) } },
    async (request) => {
      const rows = await db.selectFrom('users').selectAll().where('organisation_id', '=', principalOf(request).organisationId).orderBy('email').limit(1000).execute();
      return { users: rows.map((u) => toUser(u)) };
    },
  );

  app.get(
    '/:id',
    { config: { access: 'users.manage' }, schema: { tags, summary: 'Read a user', params: IdParams, response: withErrors({ 200: Type.Object({ user: UserSchema }, { additionalProperties: false }) }) } },
    async (request) => {
      const user = await db.selectFrom('users').selectAll().where('id', '=', request.params.id).where('organisation_id', '=', principalOf(request).organisationId).executeTakeFirst();
      if (!user) throw notFound('user', request.params.id);
      return { user: toUser(user) };
    },
  );

  app.patch(
    '/:id',
    {
      config: { access: 'users.manage' },
      schema: { tags, summary: 'Change a user: name, role, agent link, disabled, unlock', description: 'A role change or disabling ends the user’s sessions.', params: IdParams, body: UpdateUserBody, response: withErrors({ 200: Type.Object({ user: UserSchema }, { additionalProperties: false }) }) },
    },
    async (request) => {
      const principal = principalOf(request);
      const b = request.body;
      await checkLink(principal.organisationId, 'agents', b.agentId, '/body/agentId');
      const user = await db.transaction().execute(async (trx) => {
        const before = await trx.selectFrom('users').selectAll().where('id', '=', request.params.id).where('organisation_id', '=', principal.organisationId).forUpdate().executeTakeFirst();
        if (!before) throw notFound('user', request.params.id);
        if (b.role !== undefined && (b.role === 'customer') !== (before.role === 'customer')) {
          throw invalidInput('/body/role: staff accounts and customer accounts cannot change into each other', [{ path: '/body/role', message: '/body/role: cannot turn staff into customer or back' }]);
        }
        if (before.id === principal.userId && ((b.role !== undefined && b.role !== 'admin') || b.disabled === true)) {
          throw invalidInput('/body: you cannot demote or disable yourself (ask another admin)', [{ path: b.disabled ? '/body/disabled' : '/body/role', message: 'cannot demote or disable yourself' }]);
        }
        const after = await trx
          .updateTable('users')
          .set({
            ...(b.name !== undefined ? { name: b.name } : {}),
            ...(b.role !== undefined ? { role: b.role } : {}),
            ...(b.agentId !== undefined ? { agent_id: b.agentId } : {}),
            ...(b.disabled !== undefined ? { disabled: b.disabled } : {}),
            ...(b.unlock ? { failed_logins: 0, locked_until: null } : {}),
            updated_at: new Date(),
          })
          .where('id', '=', before.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        const pick = (u: typeof before) => ({ name: u.name, role: u.role, agentId: u.agent_id, disabled: u.disabled });
        const action = b.role !== undefined && b.role !== before.role ? 'user.role_changed' : 'user.updated';
        await recordAudit(trx, { ...auditOrigin(request), action, target: { type: 'user', id: before.id }, before: pick(before), after: pick(after) });
        if (after.role !== before.role || (after.disabled && !before.disabled)) await revokeUserSessions(trx, after.id);
        return after;
      });
      return { user: toUser(user) };
    },
  );
};
