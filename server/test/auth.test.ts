// Sign-in and credentials end to end over the real API and a real SMTP listener on loopback: cookie
// sessions with CSRF, lockout, TOTP, password reset by mail, API tokens, user administration, the
// customer portal with magic links, and security headers.
import { randomBytes } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountMailer } from '../src/auth/mailer.ts';
import { hashPassword } from '../src/auth/passwords.ts';
import { emailConfigFromEnv } from '../src/channels/email/config.ts';
import { DEFAULT_ORGANISATION_ID } from '../src/db/tables/ticketing.ts';
import { SecretBox } from '../src/secrets/index.ts';
import { buildAdminApp, json, logger, startHarness, type Harness } from './api-harness.ts';

let h: Harness;
let app: FastifyInstance;
let smtp: SMTPServer;
const inbox: { to: string; subject: string; text: string }[] = [];
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          inbox.push({ to: (Array.isArray(mail.to) ? mail.to[0] : mail.to)?.text ?? '', subject: mail.subject ?? '', text: mail.text ?? '' });
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as { port: number }).port;
  h = await startHarness('auth');
  app = await buildAdminApp(h, {
    mailer: createAccountMailer({ ...emailConfigFromEnv({}), smtpUrl: `smtp://127.0.0.1:${port}` }, logger),
    auth: { publicUrl: 'https://help.example.com', loginRateLimitMax: 1000 },
    secrets: new SecretBox(randomBytes(32)),
    webForm: { rateLimitMax: 1000 },
  });
  await app.ready();
}, 60_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

async function makeUser(email: string, role: 'admin' | 'manager' | 'agent', extra: { agentId?: string } = {}) {
  return h.tdb.db
    .insertInto('users')
    .values({ organisation_id: DEFAULT_ORGANISATION_ID, email, role, password_hash: await hashPassword(PASSWORD), agent_id: extra.agentId ?? null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A cookie-jar of one: the session and CSRF cookies from a login response. */
function cookiesOf(res: LightMyRequestResponse): Record<string, string> {
  return Object.fromEntries(res.cookies.map((c) => [c.name, c.value]));
}

const anonymous = { authorization: '' };

function login(email: string, password = PASSWORD, totp?: string) {
  return app.inject({ method: 'POST', url: '/api/auth/login', headers: anonymous, payload: { email, password, ...(totp ? { totp } : {}) } });
}

async function waitForMail(to: string, count: number) {
  for (let i = 0; i < 100; i++) {
    const mails = inbox.filter((m) => m.to === to);
    if (mails.length >= count) return mails[count - 1]!;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no mail #${count} to ${to}`);
}

async function auditActions(targetId: string): Promise<string[]> {
  const rows = await h.tdb.db.selectFrom('audit_log').select('action').where('target_id', '=', targetId).orderBy('seq').execute();
  return rows.map((r) => r.action);
}

describe('cookie sessions', () => {
  it('sign in sets httpOnly SameSite=Strict cookies; reads need no CSRF token, writes do', async () => {
    await makeUser('ann@example.com', 'manager');
    const res = await login('Ann@Example.com');
    expect(res.statusCode, res.body).toBe(200);
    const body = json(res);
    expect(body.user).toMatchObject({ email: 'ann@example.com', role: 'manager' });
    expect(body.permissions).toContain('workflows.publish');
    const session = res.cookies.find((c) => c.name === 'fd_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', secure: true, path: '/' });
    const csrf = res.cookies.find((c) => c.name === 'fd_csrf')!;
    expect(csrf.httpOnly).toBeFalsy();
    expect(csrf.value).toBe(body.csrfToken);

    const cookies = cookiesOf(res);
    const me = await app.inject({ method: 'GET', url: '/api/auth/me', headers: anonymous, cookies });
    expect(me.statusCode).toBe(200);
    expect(json(me).csrfToken).toBe(body.csrfToken);
    expect((await app.inject({ method: 'GET', url: '/api/workflows', headers: anonymous, cookies })).statusCode).toBe(200);

    const noCsrf = await app.inject({ method: 'POST', url: '/api/workflows/validate', headers: anonymous, cookies, payload: { definition: {} } });
    expect(noCsrf.statusCode).toBe(403);
    expect(json(noCsrf).error.code).toBe('FD_CSRF');
    const wrongCsrf = await app.inject({ method: 'POST', url: '/api/workflows/validate', headers: { ...anonymous, 'x-csrf-token': 'x'.repeat(43) }, cookies, payload: { definition: {} } });
    expect(wrongCsrf.statusCode).toBe(403);
    const withCsrf = await app.inject({ method: 'POST', url: '/api/workflows/validate', headers: { ...anonymous, 'x-csrf-token': body.csrfToken }, cookies, payload: { definition: {} } });
    expect(withCsrf.statusCode).toBe(200);

    const out = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { ...anonymous, 'x-csrf-token': body.csrfToken }, cookies });
    expect(out.statusCode).toBe(204);
    const after = await app.inject({ method: 'GET', url: '/api/auth/me', headers: anonymous, cookies });
    expect(after.statusCode).toBe(401);
    expect(json(after).error.code).toBe('FD_UNAUTHENTICATED');
  });

  it('an expired session is refused and removed', async () => {
    await makeUser('old@example.com', 'agent');
    const cookies = cookiesOf(await login('old@example.com'));
    await h.tdb.db.updateTable('sessions').set({ expires_at: new Date(Date.now() - 1000) }).execute();
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: anonymous, cookies })).statusCode).toBe(401);
    expect(await h.tdb.db.selectFrom('sessions').select('id').execute()).toHaveLength(0);
  });

  it('wrong password and unknown account get the same answer, and both are audited when an account exists', async () => {
    const user = await makeUser('bob@example.com', 'agent');
    const wrong = await login('bob@example.com', 'not the password');
    const unknown = await login('nobody@example.com', 'not the password');
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(json(wrong).error).toEqual(json(unknown).error);
    expect(json(wrong).error.code).toBe('FD_INVALID_CREDENTIALS');
    expect(await auditActions(user.id)).toContain('auth.login_failed');
  });

  it('locks the account after 5 failures, even for the right password, until an admin unlocks it', async () => {
    const user = await makeUser('carol@example.com', 'agent');
    for (let i = 0; i < 5; i++) expect((await login('carol@example.com', 'guess number ' + i)).statusCode).toBe(401);
    const locked = await login('carol@example.com');
    expect(locked.statusCode).toBe(429);
    expect(json(locked).error.code).toBe('FD_LOGIN_LOCKED');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(await auditActions(user.id)).toContain('auth.locked');
    const unlock = await app.inject({ method: 'PATCH', url: `/api/users/${user.id}`, payload: { unlock: true } });
    expect(unlock.statusCode, unlock.body).toBe(200);
    expect((await login('carol@example.com')).statusCode).toBe(200);
  });

  it('rejects malformed sign-in bodies with the field named', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/login', headers: anonymous, payload: { email: 'not-an-email', password: 'x', admin: true } });
    expect(res.statusCode).toBe(400);
    const paths = json(res).error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['/body/admin', '/body/email']);
  });
});

describe('TOTP second factor', () => {
  it('enrols with a code, then requires it at sign-in', async () => {
    await makeUser('dana@example.com', 'admin');
    const first = await login('dana@example.com');
    const cookies = cookiesOf(first);
    const headers = { ...anonymous, 'x-csrf-token': json(first).csrfToken };
    const setup = await app.inject({ method: 'POST', url: '/api/auth/totp/setup', headers, cookies });
    expect(setup.statusCode, setup.body).toBe(200);
    const { secret, uri } = json(setup);
    const stored = await h.tdb.db.selectFrom('users').select('totp_secret').where('email', '=', 'dana@example.com').executeTakeFirstOrThrow();
    expect(stored.totp_secret).toMatch(/^enc:v1:/);
    expect(stored.totp_secret).not.toContain(secret);
    expect(uri).toMatch(/^otpauth:\/\/totp\/Flowdesk:dana%40example\.com\?/);
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
    const bad = await app.inject({ method: 'POST', url: '/api/auth/totp/enable', headers, cookies, payload: { code: totp.generate() === '000000' ? '111111' : '000000' } });
    expect(bad.statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/api/auth/totp/enable', headers, cookies, payload: { code: totp.generate() } })).statusCode).toBe(204);

    const missing = await login('dana@example.com');
    expect(missing.statusCode).toBe(401);
    expect(json(missing).error).toMatchObject({ code: 'FD_TOTP_REQUIRED', details: [{ path: '/body/totp' }] });
    const wrong = await login('dana@example.com', PASSWORD, totp.generate() === '123456' ? '654321' : '123456');
    expect(json(wrong).error.code).toBe('FD_TOTP_REQUIRED');
    const ok = await login('dana@example.com', PASSWORD, totp.generate());
    expect(ok.statusCode, ok.body).toBe(200);
    expect(json(ok).user.totpEnabled).toBe(true);
  });
});

describe('password reset by email', () => {
  it('mails a single-use link; the new password works, old sessions end, weak passwords are refused', async () => {
    const user = await makeUser('erin@example.com', 'agent');
    const oldSession = cookiesOf(await login('erin@example.com'));
    const res = await app.inject({ method: 'POST', url: '/api/auth/password-reset', headers: anonymous, payload: { email: 'erin@example.com' } });
    expect(res.statusCode).toBe(202);
    const mail = await waitForMail('erin@example.com', 1);
    expect(mail.subject).toBe('Reset your Flowdesk password');
    const token = /https:\/\/help\.example\.com\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
    expect(await h.tdb.db.selectFrom('auth_tokens').select('token_hash').where('token_hash', '=', token).execute()).toHaveLength(0);

    const weak = await app.inject({ method: 'POST', url: '/api/auth/password-reset/confirm', headers: anonymous, payload: { token, password: 'short' } });
    expect(weak.statusCode).toBe(400);
    expect(json(weak).error.details[0].path).toBe('/body/password');
    // The failed attempt rolled back: the token still works once.
    const done = await app.inject({ method: 'POST', url: '/api/auth/password-reset/confirm', headers: anonymous, payload: { token, password: 'a much better passphrase' } });
    expect(done.statusCode, done.body).toBe(204);
    const again = await app.inject({ method: 'POST', url: '/api/auth/password-reset/confirm', headers: anonymous, payload: { token, password: 'another passphrase here' } });
    expect(again.statusCode).toBe(400);
    expect(json(again).error.details[0].path).toBe('/body/token');

    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: anonymous, cookies: oldSession })).statusCode).toBe(401);
    expect((await login('erin@example.com')).statusCode).toBe(401);
    expect((await login('erin@example.com', 'a much better passphrase')).statusCode).toBe(200);
    expect(await auditActions(user.id)).toEqual(expect.arrayContaining(['auth.password_reset_requested', 'auth.password_reset']));
  });

  it('answers 202 for unknown addresses and sends nothing', async () => {
    const before = inbox.length;
    const res = await app.inject({ method: 'POST', url: '/api/auth/password-reset', headers: anonymous, payload: { email: 'ghost@example.com' } });
    expect(res.statusCode).toBe(202);
    await new Promise((r) => setTimeout(r, 200));
    expect(inbox.length).toBe(before);
  });
});

describe('API tokens', () => {
  it('are shown once, stored hashed, limited to their scopes, and revocable', async () => {
    await makeUser('finn@example.com', 'agent');
    const session = await login('finn@example.com');
    const cookies = cookiesOf(session);
    const headers = { ...anonymous, 'x-csrf-token': json(session).csrfToken };

    const tooMuch = await app.inject({ method: 'POST', url: '/api/tokens', headers, cookies, payload: { name: 'ci', scopes: ['tickets.read', 'users.manage'] } });
    expect(tooMuch.statusCode).toBe(400);
    expect(json(tooMuch).error.details).toEqual([{ path: '/body/scopes/1', message: expect.stringContaining('users.manage') }]);

    const created = await app.inject({ method: 'POST', url: '/api/tokens', headers, cookies, payload: { name: 'ci', scopes: ['tickets.read'], expiresInDays: 7 } });
    expect(created.statusCode, created.body).toBe(201);
    const { token, apiToken } = json(created);
    expect(token).toMatch(/^fdt_[A-Za-z0-9_-]{43}$/);
    expect(apiToken.prefix).toBe(token.slice(0, 10));
    const stored = await h.tdb.db.selectFrom('api_tokens').selectAll().where('id', '=', apiToken.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(token.slice(4));
    const list = await app.inject({ method: 'GET', url: '/api/tokens', headers, cookies });
    expect(list.body).not.toContain(token.slice(4));

    const bearer = { authorization: `Bearer ${token}` };
    expect((await app.inject({ method: 'GET', url: '/api/tickets', headers: bearer })).statusCode).toBe(200);
    const write = await app.inject({ method: 'POST', url: '/api/tickets', headers: bearer, payload: { subject: 'x' } });
    expect(write.statusCode).toBe(403);
    expect(json(write).error.message).toMatch(/lacks the scope "tickets.write"/);
    // Tokens need no CSRF token (they are not sent by browsers on their own) but cannot mint tokens.
    const mint = await app.inject({ method: 'POST', url: '/api/tokens', headers: bearer, payload: { name: 'x', scopes: ['tickets.read'] } });
    expect(mint.statusCode).toBe(403);

    expect((await app.inject({ method: 'DELETE', url: `/api/tokens/${apiToken.id}`, headers, cookies })).statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/api/tickets', headers: bearer })).statusCode).toBe(401);
  });
});

describe('user administration', () => {
  it('creates users, audits role changes with before/after and ends the sessions of a changed user', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/users', payload: { email: 'gus@example.com', name: 'Gus', role: 'agent', password: PASSWORD } });
    expect(created.statusCode, created.body).toBe(201);
    const id = json(created).user.id;
    expect(JSON.stringify(json(created))).not.toMatch(/scrypt|password/i);
    const dup = await app.inject({ method: 'POST', url: '/api/users', payload: { email: 'GUS@example.com', role: 'agent' } });
    expect(dup.statusCode).toBe(409);
    const weak = await app.inject({ method: 'POST', url: '/api/users', payload: { email: 'hal@example.com', role: 'agent', password: 'hal@example.com' } });
    expect(json(weak).error.details[0].path).toBe('/body/password');

    const session = cookiesOf(await login('gus@example.com'));
    const promoted = await app.inject({ method: 'PATCH', url: `/api/users/${id}`, payload: { role: 'manager' } });
    expect(promoted.statusCode, promoted.body).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/auth/me', headers: anonymous, cookies: session })).statusCode).toBe(401);
    const entry = await h.tdb.db.selectFrom('audit_log').selectAll().where('target_id', '=', id).where('action', '=', 'user.role_changed').executeTakeFirstOrThrow();
    expect(entry.actor_type).toBe('token');
    expect(JSON.stringify(entry.details)).toMatch(/"role":"agent".*"role":"manager"|"role":"manager".*"role":"agent"/);

    const self = await app.inject({ method: 'PATCH', url: `/api/users/${h.admin.userId}`, payload: { role: 'agent' } });
    expect(self.statusCode).toBe(400);
  });
});

describe('customer portal', () => {
  it('signs a customer in by magic link and shows only their tickets and public replies', async () => {
    const mine = await app.inject({ method: 'POST', url: '/api/public/tickets', headers: anonymous, payload: { email: 'iris@example.com', name: 'Iris', subject: 'Where is my parcel?', body: 'Ordered last week' } });
    expect(mine.statusCode, mine.body).toBe(201);
    const other = await app.inject({ method: 'POST', url: '/api/public/tickets', headers: anonymous, payload: { email: 'jack@example.com', subject: 'Refund please', body: 'Card ending 4242' } });
    const mineId = json(mine).ticket.id;
    const otherId = json(other).ticket.id;
    await app.inject({ method: 'POST', url: `/api/tickets/${mineId}/messages`, payload: { body: 'Internal: courier lost it', visibility: 'internal' } });
    await app.inject({ method: 'POST', url: `/api/tickets/${mineId}/messages`, payload: { body: 'It is on its way again.' } });

    expect((await app.inject({ method: 'POST', url: '/api/portal/magic-link', headers: anonymous, payload: { email: 'Iris@example.com' } })).statusCode).toBe(202);
    const mail = await waitForMail('iris@example.com', 1);
    const token = /\/portal\?token=([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
    const signedIn = await app.inject({ method: 'POST', url: '/api/portal/session', headers: anonymous, payload: { token } });
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    expect(json(signedIn).user.role).toBe('customer');
    expect((await app.inject({ method: 'POST', url: '/api/portal/session', headers: anonymous, payload: { token } })).statusCode).toBe(400);
    const cookies = cookiesOf(signedIn);
    const headers = { ...anonymous, 'x-csrf-token': json(signedIn).csrfToken };

    const list = json(await app.inject({ method: 'GET', url: '/api/portal/tickets', headers, cookies }));
    expect(list.tickets.map((t: { id: string }) => t.id)).toEqual([mineId]);
    const detail = await app.inject({ method: 'GET', url: `/api/portal/tickets/${mineId}`, headers, cookies });
    expect(detail.statusCode).toBe(200);
    expect(json(detail).messages.map((m: { from: string; body: string }) => `${m.from}: ${m.body}`)).toEqual(['you: Ordered last week', 'support: It is on its way again.']);
    expect(detail.body).not.toContain('courier lost it');
    expect((await app.inject({ method: 'GET', url: `/api/portal/tickets/${otherId}`, headers, cookies })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: `/api/portal/tickets/${otherId}/replies`, headers, cookies, payload: { body: 'hi' } })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/api/tickets/${mineId}`, headers, cookies })).statusCode).toBe(403);

    const reply = await app.inject({ method: 'POST', url: `/api/portal/tickets/${mineId}/replies`, headers, cookies, payload: { body: 'Thanks!' } });
    expect(reply.statusCode, reply.body).toBe(201);
    const created = await app.inject({ method: 'POST', url: '/api/portal/tickets', headers, cookies, payload: { subject: 'Another question', body: 'About sizes' } });
    expect(created.statusCode, created.body).toBe(201);
    const thread = json(await app.inject({ method: 'GET', url: `/api/tickets/${json(created).ticket.id}` }));
    const original = json(await app.inject({ method: 'GET', url: `/api/tickets/${mineId}` }));
    expect(thread.ticket).toMatchObject({ channel: 'portal', customerId: original.ticket.customerId });
    expect(original.ticket.customerId).toEqual(expect.any(String));
  });

  it('sends nothing for addresses that are not customers', async () => {
    const before = inbox.length;
    expect((await app.inject({ method: 'POST', url: '/api/portal/magic-link', headers: anonymous, payload: { email: 'stranger@example.com' } })).statusCode).toBe(202);
    await new Promise((r) => setTimeout(r, 200));
    expect(inbox.length).toBe(before);
  });
});

describe('hardening', () => {
  it('sends security headers', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/health', headers: anonymous });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toBeDefined();
  });

  it('rate-limits sign-in attempts per client IP', async () => {
    const limited = await buildAdminApp(h, { auth: { loginRateLimitMax: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await limited.inject({ method: 'POST', url: '/api/auth/login', headers: anonymous, remoteAddress: '10.1.2.3', payload: { email: 'x@example.com', password: 'y' } })).statusCode);
    expect(statuses).toEqual([401, 401, 401, 429]);
    await limited.close();
  });
});

describe('audited actions', () => {
  it('records publishes and admins’ reads of tickets and customers', async () => {
    const { workflowId } = await (await import('./api-harness.ts')).publishViaApi(app, (await import('./api-harness.ts')).approvalWorkflow('audited-publish'));
    expect(await auditActions(workflowId)).toEqual(['workflow.published']);
    const created = json(await app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'Audited read', customer: { email: 'kim@example.com' } } }));
    await app.inject({ method: 'GET', url: `/api/tickets/${created.ticket.id}` });
    await app.inject({ method: 'GET', url: `/api/customers/${created.customer.id}` });
    // onResponse runs after the reply: give it a moment.
    await new Promise((r) => setTimeout(r, 100));
    expect(await auditActions(created.ticket.id)).toEqual(['data.read']);
    expect(await auditActions(created.customer.id)).toEqual(['data.read']);
    // A manager's read is not an admin data access.
    await makeUser('lee@example.com', 'manager');
    const session = await login('lee@example.com');
    await app.inject({ method: 'GET', url: `/api/tickets/${created.ticket.id}`, headers: anonymous, cookies: cookiesOf(session) });
    await new Promise((r) => setTimeout(r, 100));
    expect(await auditActions(created.ticket.id)).toEqual(['data.read']);
  });
});
