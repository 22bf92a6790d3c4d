// Inviting a user (POST /api/users/:id/invite, the Settings → Users "Send invitation"): an account made without
// a password gets a mail with a single-use /reset-password link valid 72 hours; the link sets the password and
// the user can sign in; the invitation is audited. Customers, deactivated and unknown accounts are refused with
// nothing written or sent.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountMail } from '../src/auth/mailer.ts';
import { buildAdminApp, json, startHarness, tableCounts, type Harness } from './api-harness.ts';

let h: Harness;
let app: FastifyInstance;
const mails: AccountMail[] = [];

beforeAll(async () => {
  h = await startHarness('users_invite');
  app = await buildAdminApp(h, { mailer: { send: async (mail) => void mails.push(mail) }, auth: { publicUrl: 'https://desk.example' } });
  await app.ready();
}, 60_000);
afterAll(async () => {
  await app?.close();
  await h?.close();
});

const post = (url: string, payload?: unknown) => app.inject({ method: 'POST', url, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('POST /api/users/:id/invite', () => {
  it('mails a 72-hour password link that lets the new user sign in; audited', async () => {
    const created = await post('/api/users', { email: 'Nora@Example.com', name: 'Nora', role: 'agent' });
    expect(created.statusCode, created.body).toBe(201);
    const user = json(created).user;

    const before = Date.now();
    const invited = await post(`/api/users/${user.id}/invite`);
    expect(invited.statusCode, invited.body).toBe(202);
    const body = json(invited);
    expect(body.sentTo).toBe('nora@example.com');
    const ttl = Date.parse(body.expiresAt) - before;
    expect(ttl).toBeGreaterThan(71.9 * 3600_000);
    expect(ttl).toBeLessThanOrEqual(72 * 3600_000 + 5_000);

    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ to: 'nora@example.com', subject: 'You are invited to Flowdesk' });
    expect(mails[0]!.text).toContain('admin@harness.test invited you to Flowdesk as an agent.');
    const token = /https:\/\/desk\.example\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(mails[0]!.text)?.[1];
    expect(token).toBeTruthy();

    const set = await app.inject({ method: 'POST', url: '/api/auth/password-reset/confirm', headers: { authorization: '' }, payload: { token, password: 'nora-chose-this-1' } });
    expect(set.statusCode, set.body).toBe(204);
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { authorization: '' }, payload: { email: 'nora@example.com', password: 'nora-chose-this-1' } });
    expect(login.statusCode, login.body).toBe(200);
    // Single use.
    const again = await app.inject({ method: 'POST', url: '/api/auth/password-reset/confirm', headers: { authorization: '' }, payload: { token, password: 'another-password-2' } });
    expect(again.statusCode).toBe(400);

    const audit = json(await app.inject(`/api/audit?action=user.invited&targetId=${user.id}`)).entries;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: { type: 'token' }, target: { type: 'user', id: user.id }, details: { after: { expiresAt: body.expiresAt } } });
  });

  it('refuses customers, deactivated and unknown accounts, writing and sending nothing', async () => {
    const staff = json(await post('/api/users', { email: 'gone@example.com', role: 'manager' })).user;
    expect((await app.inject({ method: 'PATCH', url: `/api/users/${staff.id}`, payload: { disabled: true } })).statusCode).toBe(200);
    const customer = await h.tdb.db.insertInto('customers').values({ organisation_id: '00000000-0000-4000-8000-000000000001', name: 'Iris' }).returning('id').executeTakeFirstOrThrow();
    const portal = json(await post('/api/users', { email: 'iris@example.com', role: 'customer', customerId: customer.id })).user;

    const sent = mails.length;
    const before = await tableCounts(h);
    const disabled = await post(`/api/users/${staff.id}/invite`);
    expect(disabled.statusCode).toBe(409);
    expect(json(disabled).error.message).toContain('deactivated');
    const cust = await post(`/api/users/${portal.id}/invite`);
    expect(cust.statusCode).toBe(409);
    expect(json(cust).error.message).toContain('magic link');
    const unknown = await post('/api/users/6f1c7a8e-1111-4222-8333-444455556666/invite');
    expect(unknown.statusCode).toBe(404);
    expect(await tableCounts(h)).toEqual(before);
    expect(mails).toHaveLength(sent);
  });
});
