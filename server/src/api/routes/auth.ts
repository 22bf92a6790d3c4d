// Sign-in, sign-out, the current session, password reset and the TOTP second factor.
import '@fastify/cookie';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import * as OTPAuth from 'otpauth';
import { Type } from 'typebox';
import { recordAudit } from '../../audit/index.ts';
import type { AccountMailer } from '../../auth/mailer.ts';
import { verifyPassword } from '../../auth/passwords.ts';
import { CSRF_COOKIE, principalOf, SESSION_COOKIE } from '../../auth/plugin.ts';
import { revokeSession, SESSION_IDLE_MS } from '../../auth/sessions.ts';
import { issueSingleUseToken, login, normaliseEmail, resetPassword, totpFor, totpSecretOf, totpValid } from '../../auth/service.ts';
import { requestMeta } from './security-common.ts';
import { sealSecret, TOTP_SECRET_CONTEXT, type SecretBox } from '../../secrets/index.ts';
import type { Database } from '../../db/types.ts';
import { FlowdeskError, invalidInput } from '../../errors.ts';
import { LoginBody, ResetConfirmBody, ResetRequestBody, SessionInfoSchema, TotpCodeBody, TotpDisableBody, TotpSetupSchema } from '../auth-schemas.ts';
import { toSessionInfo } from '../auth-serialize.ts';
import { withErrors } from '../schemas.ts';
import { registerRateLimits } from '../rate-limit.ts';

const tags = ['auth'];

export interface AuthRouteOptions {
  db: Kysely<Database>;
  mailer: AccountMailer;
  /** Base URL that links in account mail point to (e.g. https://help.example.com). */
  publicUrl: string;
  /** Set the Secure flag on cookies (on whenever the public URL is https). */
  cookieSecure: boolean;
  /** Sign-in attempts per client IP per minute (account lockout is separate). */
  loginRateLimitMax?: number;
  /** Encrypts TOTP seeds at rest (stored as given without it). */
  secrets?: SecretBox;
}

export function setSessionCookies(reply: FastifyReply, session: { token: string; csrfToken: string }, secure: boolean): void {
  const base = { path: '/', sameSite: 'strict' as const, secure, maxAge: Math.floor(SESSION_IDLE_MS / 1000) };
  void reply.setCookie(SESSION_COOKIE, session.token, { ...base, httpOnly: true });
  // Readable by the page on purpose: the designer copies it into the x-csrf-token header.
  void reply.setCookie(CSRF_COOKIE, session.csrfToken, { ...base, httpOnly: false });
}

export const authRoutes: FastifyPluginAsyncTypebox<AuthRouteOptions> = async (app, options) => {
  const { db, mailer } = options;
  await registerRateLimits(app);
  const limited = { rateLimit: { max: options.loginRateLimitMax ?? 30, timeWindow: 60_000 } };

  async function sessionInfo(request: FastifyRequest) {
    const principal = principalOf(request);
    const user = await db.selectFrom('users').selectAll().where('id', '=', principal.userId).executeTakeFirstOrThrow();
    const session = principal.sessionId ? await db.selectFrom('sessions').select('csrf_token').where('id', '=', principal.sessionId).executeTakeFirst() : undefined;
    return toSessionInfo(user, session?.csrf_token ?? null, [...principal.permissions]);
  }

  app.post(
    '/login',
    {
      config: { access: 'public', ...limited },
      schema: {
        tags,
        summary: 'Sign in with email and password (and TOTP code)',
        description: 'Sets an httpOnly session cookie and returns the CSRF token to send as x-csrf-token on writes. Repeated failures lock the account with growing delays (429 FD_LOGIN_LOCKED with Retry-After).',
        body: LoginBody,
        response: withErrors({ 200: SessionInfoSchema }),
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await login(db, { email: b.email, password: b.password, ...(b.totp ? { totp: b.totp } : {}), ...(b.organisation ? { organisationId: b.organisation } : {}) }, requestMeta(request), new Date(), options.secrets);
      setSessionCookies(reply, result, options.cookieSecure);
      return toSessionInfo(result.user, result.csrfToken);
    },
  );

  app.post(
    '/logout',
    { config: { access: 'authenticated' }, schema: { tags, summary: 'Sign out (ends this session)', response: withErrors({ 204: Type.Null() }) } },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.sessionId) await revokeSession(db, principal.sessionId);
      await recordAudit(db, { organisationId: principal.organisationId, actor: { type: 'user', id: principal.userId }, action: 'auth.logout', target: { type: 'user', id: principal.userId }, ...requestMeta(request) });
      void reply.clearCookie(SESSION_COOKIE, { path: '/' }).clearCookie(CSRF_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/me',
    { config: { access: 'authenticated' }, schema: { tags, summary: 'The signed-in user, their permissions and the CSRF token', response: withErrors({ 200: SessionInfoSchema }) } },
    async (request) => sessionInfo(request),
  );

  app.post(
    '/password-reset',
    {
      config: { access: 'public', ...limited },
      schema: {
        tags,
        summary: 'Request a password-reset link by email',
        description: 'Always 202, whether or not the address has an account, so the endpoint cannot be used to discover accounts. The link is valid for one hour, once.',
        body: ResetRequestBody,
        response: withErrors({ 202: Type.Object({ accepted: Type.Literal(true) }, { additionalProperties: false }) }),
      },
    },
    async (request, reply) => {
      const email = normaliseEmail(request.body.email);
      const users = await db.selectFrom('users').selectAll().where('email', '=', email).where('role', '<>', 'customer').where('disabled', '=', false).execute();
      for (const user of users) {
        const token = await issueSingleUseToken(db, user.id, 'password_reset');
        await recordAudit(db, { organisationId: user.organisation_id, actor: { type: 'anonymous', id: null }, action: 'auth.password_reset_requested', target: { type: 'user', id: user.id }, ...requestMeta(request) });
        await mailer.send({
          to: user.email,
          subject: 'Reset your Flowdesk password',
          text: `Someone asked to reset the password of ${user.email}.\n\nTo choose a new one, open:\n${options.publicUrl}/reset-password?token=${token}\n\nThe link works once, for one hour. If it was not you, ignore this message.`,
        });
      }
      return reply.code(202).send({ accepted: true });
    },
  );

  app.post(
    '/password-reset/confirm',
    {
      config: { access: 'public', ...limited },
      schema: { tags, summary: 'Set a new password with a reset token', description: 'Ends every session of the account.', body: ResetConfirmBody, response: withErrors({ 204: Type.Null() }) },
    },
    async (request, reply) => {
      await resetPassword(db, request.body.token, request.body.password, requestMeta(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/totp/setup',
    {
      config: { access: 'tokens.own' },
      schema: { tags, summary: 'Start enrolling a TOTP second factor', description: 'Returns a new secret; it takes effect after POST /api/auth/totp/enable with a valid code.', response: withErrors({ 200: TotpSetupSchema }) },
    },
    async (request) => {
      const principal = principalOf(request);
      const user = await db.selectFrom('users').selectAll().where('id', '=', principal.userId).executeTakeFirstOrThrow();
      if (user.totp_enabled) throw new FlowdeskError('FD_CONFLICT', 409, 'a second factor is already enabled: disable it first');
      const secret = new OTPAuth.Secret({ size: 20 }).base32;
      await db.updateTable('users').set({ totp_secret: sealSecret(options.secrets, secret, TOTP_SECRET_CONTEXT), updated_at: new Date() }).where('id', '=', user.id).execute();
      return { secret, uri: totpFor(user, secret).toString() };
    },
  );

  app.post(
    '/totp/enable',
    { config: { access: 'tokens.own' }, schema: { tags, summary: 'Turn the second factor on with a code from the app', body: TotpCodeBody, response: withErrors({ 204: Type.Null() }) } },
    async (request, reply) => {
      const principal = principalOf(request);
      const user = await db.selectFrom('users').selectAll().where('id', '=', principal.userId).executeTakeFirstOrThrow();
      if (!user.totp_secret) throw new FlowdeskError('FD_CONFLICT', 409, 'start with POST /api/auth/totp/setup');
      if (!totpValid(user, totpSecretOf(user, options.secrets)!, request.body.code)) throw invalidInput('/body/code: is wrong or expired', [{ path: '/body/code', message: '/body/code: is wrong or expired' }]);
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ totp_enabled: true, updated_at: new Date() }).where('id', '=', user.id).execute();
        await recordAudit(trx, { organisationId: user.organisation_id, actor: { type: 'user', id: user.id }, action: 'auth.totp_enabled', target: { type: 'user', id: user.id }, ...requestMeta(request) });
      });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/totp/disable',
    { config: { access: 'tokens.own' }, schema: { tags, summary: 'Turn the second factor off (needs the password)', body: TotpDisableBody, response: withErrors({ 204: Type.Null() }) } },
    async (request, reply) => {
      const principal = principalOf(request);
      const user = await db.selectFrom('users').selectAll().where('id', '=', principal.userId).executeTakeFirstOrThrow();
      if (!user.password_hash || !(await verifyPassword(request.body.password, user.password_hash))) throw new FlowdeskError('FD_INVALID_CREDENTIALS', 401, 'the password is wrong', [{ path: '/body/password', message: '/body/password: is wrong' }]);
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ totp_enabled: false, totp_secret: null, updated_at: new Date() }).where('id', '=', user.id).execute();
        await recordAudit(trx, { organisationId: user.organisation_id, actor: { type: 'user', id: user.id }, action: 'auth.totp_disabled', target: { type: 'user', id: user.id }, ...requestMeta(request) });
      });
      return reply.code(204).send(null);
    },
  );
};
