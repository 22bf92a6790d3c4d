// Sign-in and credential life cycle: password login with lockout and TOTP, password reset and portal
// magic links (single-use tokens), user creation. Every outcome that matters to security is audited.
import type { Kysely } from 'kysely';
import * as OTPAuth from 'otpauth';
import { recordAudit } from '../audit/index.ts';
import type { Database } from '../db/types.ts';
import { openSecret, TOTP_SECRET_CONTEXT, type SecretBox } from '../secrets/index.ts';
import type { User } from '../db/tables/auth.ts';
import { FlowdeskError, invalidInput } from '../errors.ts';
import { decoyHash, hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import type { Role } from './permissions.ts';
import { createSession, revokeUserSessions } from './sessions.ts';
import { digest, randomToken } from './tokens.ts';

/** Failed attempts before an account is locked; the lock then doubles per further failure, up to an hour. */
export const LOCK_AFTER_FAILURES = 5;
const FIRST_LOCK_MS = 60_000;
const MAX_LOCK_MS = 60 * 60_000;
export const RESET_TOKEN_TTL_MS = 60 * 60_000;
export const MAGIC_LINK_TTL_MS = 15 * 60_000;

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export const invalidCredentials = () => new FlowdeskError('FD_INVALID_CREDENTIALS', 401, 'the email address or password is wrong');

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function lockDurationMs(failures: number): number {
  if (failures < LOCK_AFTER_FAILURES) return 0;
  return Math.min(FIRST_LOCK_MS * 2 ** (failures - LOCK_AFTER_FAILURES), MAX_LOCK_MS);
}

export function totpFor(user: Pick<User, 'email'>, secret: string): OTPAuth.TOTP {
  return new OTPAuth.TOTP({ issuer: 'Flowdesk', label: user.email, algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secret) });
}

export function totpValid(user: Pick<User, 'email'>, secret: string, code: string, now = Date.now()): boolean {
  return /^\d{6}$/.test(code) && totpFor(user, secret).validate({ token: code, timestamp: now, window: 1 }) !== null;
}

export interface LoginInput {
  email: string;
  password: string;
  totp?: string;
  organisationId?: string;
}

export interface LoginResult {
  user: User;
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

/** The user's TOTP seed in clear (stored encrypted under the master key when one is configured). */
export function totpSecretOf(user: Pick<User, 'totp_secret'>, secrets: SecretBox | undefined): string | null {
  return user.totp_secret === null ? null : openSecret(secrets, user.totp_secret, TOTP_SECRET_CONTEXT);
}

export async function login(db: Kysely<Database>, input: LoginInput, meta: RequestMeta, now = new Date(), secrets?: SecretBox): Promise<LoginResult> {
  const email = normaliseEmail(input.email);
  let query = db.selectFrom('users').selectAll().where('email', '=', email).where('role', '<>', 'customer');
  if (input.organisationId) query = query.where('organisation_id', '=', input.organisationId);
  const candidates = await query.limit(2).execute();
  if (candidates.length > 1) throw invalidInput('/body/organisation: this email address has accounts in several organisations: name one', [{ path: '/body/organisation', message: '/body/organisation: is required for this email address' }]);
  const user = candidates[0];
  const audit = (action: string, organisationId: string, extra: Record<string, unknown> = {}) =>
    recordAudit(db, { organisationId, actor: user ? { type: 'user', id: user.id } : { type: 'anonymous', id: null }, action, target: { type: 'user', id: user?.id ?? null }, after: { email, ...extra }, ip: meta.ip, userAgent: meta.userAgent });

  if (!user || !user.password_hash || user.disabled) {
    await verifyPassword(input.password, await decoyHash());
    if (user) await audit('auth.login_failed', user.organisation_id, { reason: user.disabled ? 'disabled' : 'no password' });
    throw invalidCredentials();
  }
  if (user.locked_until && user.locked_until.getTime() > now.getTime()) {
    const seconds = Math.ceil((user.locked_until.getTime() - now.getTime()) / 1000);
    throw new FlowdeskError('FD_LOGIN_LOCKED', 429, `too many failed sign-ins: try again in ${seconds} s`, [], { 'retry-after': String(seconds) });
  }
  const passwordOk = await verifyPassword(input.password, user.password_hash);
  if (passwordOk && user.totp_enabled && user.totp_secret) {
    if (input.totp === undefined) throw new FlowdeskError('FD_TOTP_REQUIRED', 401, 'this account has a second factor: send the 6-digit code from the authenticator app', [{ path: '/body/totp', message: '/body/totp: is required for this account' }]);
  }
  const totpOk = !(user.totp_enabled && user.totp_secret) || totpValid(user, totpSecretOf(user, secrets)!, input.totp ?? '', now.getTime());
  if (!passwordOk || !totpOk) {
    const failures = user.failed_logins + 1;
    const lockMs = lockDurationMs(failures);
    await db
      .updateTable('users')
      .set({ failed_logins: failures, locked_until: lockMs > 0 ? new Date(now.getTime() + lockMs) : null })
      .where('id', '=', user.id)
      .execute();
    await audit(lockMs > 0 ? 'auth.locked' : 'auth.login_failed', user.organisation_id, { reason: passwordOk ? 'totp' : 'password', failures });
    if (passwordOk) throw new FlowdeskError('FD_TOTP_REQUIRED', 401, 'the authenticator code is wrong or expired', [{ path: '/body/totp', message: '/body/totp: is wrong or expired' }]);
    throw invalidCredentials();
  }
  await db.updateTable('users').set({ failed_logins: 0, locked_until: null, last_login_at: now }).where('id', '=', user.id).execute();
  const session = await createSession(db, user.id, meta, now);
  await audit('auth.login', user.organisation_id, { method: user.totp_enabled ? 'password+totp' : 'password' });
  return { user, token: session.token, csrfToken: session.csrfToken, expiresAt: session.expiresAt };
}

/**
 * Creates a single-use token for a user; returns the raw value (sent by mail, never stored). `ttlMs` overrides
 * the purpose's lifetime (an invitation's password link lives longer than a reset's).
 */
export async function issueSingleUseToken(db: Kysely<Database>, userId: string, purpose: 'password_reset' | 'magic_link', now = new Date(), ttlMs?: number): Promise<string> {
  const token = randomToken();
  const ttl = ttlMs ?? (purpose === 'password_reset' ? RESET_TOKEN_TTL_MS : MAGIC_LINK_TTL_MS);
  await db.insertInto('auth_tokens').values({ user_id: userId, purpose, token_hash: digest(token), expires_at: new Date(now.getTime() + ttl) }).execute();
  return token;
}

/** Marks the token used and returns its user; a wrong, used or expired token is one 400 naming the field. */
export async function consumeSingleUseToken(db: Kysely<Database>, token: string, purpose: 'password_reset' | 'magic_link', now = new Date()): Promise<User> {
  const row = await db
    .updateTable('auth_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', digest(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('user_id')
    .executeTakeFirst();
  const user = row ? await db.selectFrom('users').selectAll().where('id', '=', row.user_id).where('disabled', '=', false).executeTakeFirst() : undefined;
  if (!user) throw invalidInput('/body/token: is unknown, already used or expired', [{ path: '/body/token', message: '/body/token: is unknown, already used or expired' }]);
  return user;
}

export async function resetPassword(db: Kysely<Database>, token: string, password: string, meta: RequestMeta): Promise<User> {
  return db.transaction().execute(async (trx) => {
    const user = await consumeSingleUseToken(trx, token, 'password_reset');
    const problem = passwordProblem(password, user.email);
    if (problem) throw invalidInput(`/body/password: ${problem}`, [{ path: '/body/password', message: `/body/password: ${problem}` }]);
    await trx.updateTable('users').set({ password_hash: await hashPassword(password), failed_logins: 0, locked_until: null, updated_at: new Date() }).where('id', '=', user.id).execute();
    await revokeUserSessions(trx, user.id);
    await recordAudit(trx, { organisationId: user.organisation_id, actor: { type: 'user', id: user.id }, action: 'auth.password_reset', target: { type: 'user', id: user.id }, ip: meta.ip, userAgent: meta.userAgent });
    return user;
  });
}

export interface NewUser {
  organisationId: string;
  email: string;
  name?: string | null;
  role: Role;
  password?: string;
  agentId?: string | null;
  customerId?: string | null;
}

/** Validates and inserts a user; problems are 400s with /body pointers, a taken email is a 409. */
export async function createUser(db: Kysely<Database>, input: NewUser): Promise<User> {
  const email = normaliseEmail(input.email);
  if (input.password !== undefined) {
    const problem = passwordProblem(input.password, email);
    if (problem) throw invalidInput(`/body/password: ${problem}`, [{ path: '/body/password', message: `/body/password: ${problem}` }]);
  }
  if ((input.role === 'customer') !== Boolean(input.customerId)) {
    const message = input.role === 'customer' ? '/body/customerId: is required for the customer role' : '/body/customerId: only customer accounts link to a customer';
    throw invalidInput(message, [{ path: '/body/customerId', message }]);
  }
  const taken = await db.selectFrom('users').select('id').where('organisation_id', '=', input.organisationId).where('email', '=', email).executeTakeFirst();
  if (taken) throw new FlowdeskError('FD_CONFLICT', 409, `/body/email: a user with ${email} already exists`, [{ path: '/body/email', message: '/body/email: is already taken' }]);
  return db
    .insertInto('users')
    .values({
      organisation_id: input.organisationId,
      email,
      name: input.name ?? null,
      role: input.role,
      password_hash: input.password !== undefined ? await hashPassword(input.password) : null,
      agent_id: input.agentId ?? null,
      customer_id: input.customerId ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
