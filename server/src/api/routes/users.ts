// User administration (admins): create accounts, invite them by mail, change roles, disable, unlock. Role
// changes are audited with before/after and end the user's sessions so new rights apply at once.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import { recordAudit } from '../../audit/index.ts';
import { principalOf } from '../../auth/plugin.ts';
import type { AccountMailer } from '../../auth/mailer.ts';
import { createUser, issueSingleUseToken } from '../../auth/service.ts';
import { revokeUserSessions } from '../../auth/sessions.ts';
import type { Database } from '../../db/types.ts';
import { conflict, invalidInput, notFound } from '../../errors.ts';
import { CreateUserBody, UpdateUserBody, UserSchema } from '../auth-schemas.ts';
import { toUser } from '../auth-serialize.ts';
import { DateTime, IdParams, withErrors } from '../schemas.ts';
import { auditOrigin } from './security-common.ts';

const tags = ['users'];
/** How long the password link of an invitation works (a reset link: one hour). */
export const INVITE_TTL_MS = 72 * 60 * 60_000;

export interface UserRouteOptions {
  db: Kysely<Database>;
  /** Sends invitations (the account mailer: SMTP, or the log in development). */
  mailer: AccountMailer;
  /** Base URL the invitation link points to. */
  publicUrl: string;
}

export const userRoutes: FastifyPluginAsyncTypebox<UserRouteOptions> = async (app, { db, mailer, publicUrl }) => {
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

  app.post(
    '/:id/invite',
    {
      config: { access: 'users.manage' },
      schema: {
        tags,
        summary: 'Email a user an invitation with a link to choose their password',
        description: 'A single-use link to /reset-password, valid 72 hours (a new invitation does not cancel an older link). For staff accounts made without a password, or to send the link again; 409 for deactivated and customer accounts. Audited as user.invited.',
        params: IdParams,
        response: withErrors({ 202: Type.Object({ sentTo: Type.String(), expiresAt: DateTime() }, { additionalProperties: false }) }),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const user = await db.selectFrom('users').selectAll().where('id', '=', request.params.id).where('organisation_id', '=', principal.organisationId).executeTakeFirst();
      if (!user) throw notFound('user', request.params.id);
      if (user.role === 'customer') throw conflict('customer accounts sign in to the portal with a magic link: there is no password to choose');
      if (user.disabled) throw conflict('the account is deactivated: reactivate it before inviting');
      const inviter = await db.selectFrom('users').select(['name', 'email']).where('id', '=', principal.userId).executeTakeFirst();
      const now = new Date();
      const expiresAt = new Date(now.getTime() + INVITE_TTL_MS);
      const token = await db.transaction().execute(async (trx) => {
        const issued = await issueSingleUseToken(trx, user.id, 'password_reset', now, INVITE_TTL_MS);
        await recordAudit(trx, { ...auditOrigin(request), action: 'user.invited', target: { type: 'user', id: user.id }, after: { expiresAt: expiresAt.toISOString() } });
        return issued;
      });
      const who = inviter ? (inviter.name ? `${inviter.name} (${inviter.email})` : inviter.email) : 'An administrator';
      await mailer.send({
        to: user.email,
        subject: 'You are invited to Flowdesk',
        text: `${who} invited you to Flowdesk as ${/^[aeiou]/.test(user.role) ? 'an' : 'a'} ${user.role}.\n\nChoose your password here, then sign in with ${user.email}:\n${publicUrl}/reset-password?token=${token}\n\nThe link works once, for 72 hours. If you did not expect this, ignore this message.`,
      });
      return reply.code(202).send({ sentTo: user.email, expiresAt: expiresAt.toISOString() });
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
