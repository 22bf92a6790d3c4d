// Secrets at rest: AES-256-GCM with a key id in every value, clear errors for a wrong key or a tampered
// value, the master key from the environment or a generated 0600 file, webhook secrets encrypted on write
// and decrypted where signatures are made and checked, organisation secrets that are never returned, and
// rotation (API-level function and `flowdesk secrets rotate`) after which only the new key is needed.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeSignature, deliverWebhook, queueWebhookEvent, signatureHeader } from '../src/channels/webhooks/index.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { DEFAULT_ORGANISATION_ID } from '../src/db/tables/ticketing.ts';
import { SecretBox, SecretError, generateMasterKey, loadSecretBox, openSecret, readOrganisationSecret, rotateSecrets, TOTP_SECRET_CONTEXT } from '../src/secrets/index.ts';
import { buildAdminApp, json, startHarness, type Harness } from './api-harness.ts';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const keyA = Buffer.alloc(32, 1);
const keyB = Buffer.alloc(32, 2);
const keyC = Buffer.alloc(32, 3);

describe('SecretBox', () => {
  it('encrypts to enc:v1:<key id>:<iv>:<tag>:<ciphertext> and decrypts it back', () => {
    const box = new SecretBox(keyA);
    const sealed = box.encrypt('hunter2-very-secret', 'ctx');
    expect(sealed).toMatch(/^enc:v1:[0-9a-f]{16}:[\w-]{16}:[\w-]{22}:[\w-]+$/);
    expect(sealed).not.toContain('hunter2');
    expect(box.encrypt('hunter2-very-secret', 'ctx')).not.toBe(sealed); // fresh IV each time
    expect(box.decrypt(sealed, 'ctx')).toBe('hunter2-very-secret');
    expect(SecretBox.keyIdOf(sealed)).toBe(box.currentKeyId);
  });

  it('a wrong key, a tampered value or another column is a clear error', () => {
    const sealed = new SecretBox(keyA).encrypt('value', 'ctx');
    expect(() => new SecretBox(keyB).decrypt(sealed, 'ctx')).toThrow(SecretError);
    expect(() => new SecretBox(keyB).decrypt(sealed, 'ctx')).toThrow(/encrypted with master key [0-9a-f]{16}, which is not configured/);
    const parts = sealed.split(':');
    parts[5] = Buffer.from('other-value').toString('base64url');
    expect(() => new SecretBox(keyA).decrypt(parts.join(':'), 'ctx')).toThrow(/failed authentication/);
    expect(() => new SecretBox(keyA).decrypt(sealed, 'other.column')).toThrow(/failed authentication/);
    expect(() => openSecret(undefined, sealed, 'ctx')).toThrow(/no master key is configured/);
    expect(openSecret(undefined, 'legacy-plaintext', 'ctx')).toBe('legacy-plaintext');
  });

  it('accepts previous keys for decryption only', () => {
    const old = new SecretBox(keyA).encrypt('v', 'ctx');
    const rotating = new SecretBox(keyB, [keyA]);
    expect(rotating.decrypt(old, 'ctx')).toBe('v');
    expect(rotating.isCurrent(old)).toBe(false);
    expect(SecretBox.keyIdOf(rotating.encrypt('v', 'ctx'))).toBe(rotating.currentKeyId);
  });
});

describe('master key configuration', () => {
  it('reads FLOWDESK_MASTER_KEY(_PREVIOUS) and names the variable when one is bad, without echoing it', () => {
    const config = loadConfig({ FLOWDESK_MASTER_KEY: keyA.toString('base64'), FLOWDESK_MASTER_KEY_PREVIOUS: `${keyB.toString('base64')}, ${keyC.toString('base64')}` });
    expect(config.masterKey).toEqual(keyA);
    expect(config.masterKeyPrevious).toEqual([keyB, keyC]);
    expect(() => loadConfig({ FLOWDESK_MASTER_KEY: 'c2hvcnQ=' })).toThrow(ConfigError);
    expect(() => loadConfig({ FLOWDESK_MASTER_KEY: 'c2hvcnQ=' })).toThrow(/FLOWDESK_MASTER_KEY must be base64 of exactly 32 random bytes/);
    expect(() => loadConfig({ FLOWDESK_MASTER_KEY: 'c2hvcnQ=' })).not.toThrow(/c2hvcnQ/);
    expect(() => loadConfig({ FLOWDESK_MASTER_KEY_PREVIOUS: 'nope!' })).toThrow(/FLOWDESK_MASTER_KEY_PREVIOUS \(key 1\)/);
    expect(Buffer.from(generateMasterKey(), 'base64')).toHaveLength(32);
  });

  it('without a key, generates <dataDir>/master.key (0600) once, with a warning; an env key then reads old values too', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowdesk-key-'));
    try {
      const warnings: string[] = [];
      const logger = { warn: (_o: unknown, msg: string) => void warnings.push(msg) };
      const first = loadSecretBox({ dataDir }, logger);
      const stat = await fs.stat(path.join(dataDir, 'master.key'));
      expect(stat.mode & 0o777).toBe(0o600);
      expect(warnings).toEqual([expect.stringMatching(/FLOWDESK_MASTER_KEY is not set: generated a master key/)]);
      const sealed = first.encrypt('s', 'ctx');
      const again = loadSecretBox({ dataDir }, logger);
      expect(again.currentKeyId).toBe(first.currentKeyId);
      expect(warnings).toHaveLength(1);
      const withEnv = loadSecretBox({ dataDir, masterKey: keyC }, logger);
      expect(withEnv.currentKeyId).not.toBe(first.currentKeyId);
      expect(withEnv.decrypt(sealed, 'ctx')).toBe('s');
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('secrets in the database', () => {
  let h: Harness;
  let app: FastifyInstance;
  const boxA = new SecretBox(keyA);
  let receiver: http.Server;
  let received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  let receiverUrl = '';

  beforeAll(async () => {
    h = await startHarness('secrets');
    app = await buildAdminApp(h, { secrets: boxA, webhooks: { rateLimitMax: 10_000 } });
    await app.ready();
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address() as { port: number };
    receiverUrl = `http://127.0.0.1:${address.port}/hook`;
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await new Promise((resolve) => receiver?.close(resolve));
    await h?.close();
  });

  it('webhook source secrets are stored encrypted and still verify inbound signatures', async () => {
    const secret = 'inbound-plain-secret-0123456789';
    const created = await app.inject({ method: 'POST', url: '/api/webhook-sources', payload: { name: 'PBX', preset: 'phone-call-summary', secret } });
    expect(created.statusCode, created.body).toBe(201);
    expect(json(created).secret).toBe(secret); // shown once
    const row = await h.tdb.db.selectFrom('webhook_sources').select('secret').where('id', '=', json(created).source.id).executeTakeFirstOrThrow();
    expect(row.secret.startsWith('enc:v1:')).toBe(true);
    expect(row.secret).not.toContain(secret);
    const raw = JSON.stringify({ callId: 'c1', from: '+44 20 7946 0958', callerName: 'Ada', subject: 'Hi', summary: 'Call summary', priority: 'high' });
    const ok = await app.inject({
      method: 'POST',
      url: `/api/hooks/${json(created).source.id}`,
      headers: { 'content-type': 'application/json', 'x-flowdesk-signature': signatureHeader(secret, raw), 'x-flowdesk-delivery': 'd-1' },
      payload: raw,
    });
    expect(ok.statusCode, ok.body).toBe(201);
    const forged = await app.inject({
      method: 'POST',
      url: `/api/hooks/${json(created).source.id}`,
      headers: { 'content-type': 'application/json', 'x-flowdesk-signature': signatureHeader(row.secret, raw), 'x-flowdesk-delivery': 'd-2' },
      payload: raw,
    });
    expect(forged.statusCode).toBe(401); // the ciphertext itself is not the key
  });

  it('webhook endpoint secrets are stored encrypted and sign outbound deliveries with the plaintext', async () => {
    const secret = 'outbound-plain-secret-0123456789';
    const created = await app.inject({ method: 'POST', url: '/api/webhook-endpoints', payload: { url: receiverUrl, events: ['ticket.created'], secret } });
    expect(created.statusCode, created.body).toBe(201);
    const row = await h.tdb.db.selectFrom('webhook_endpoints').select('secret').where('id', '=', json(created).endpoint.id).executeTakeFirstOrThrow();
    expect(row.secret).toMatch(/^enc:v1:/);
    expect(row.secret).not.toContain(secret);
    const ticket = await h.tdb.db.selectFrom('tickets').select('id').executeTakeFirstOrThrow();
    const [deliveryId] = await h.tdb.db.transaction().execute((trx) => queueWebhookEvent(trx, h.boss, { event: 'ticket.created', ticketId: ticket.id }));
    received = [];
    expect(await deliverWebhook(h.tdb.db, deliveryId!, { lastAttempt: true, secrets: boxA })).toBe('delivered');
    const sig = String(received[0]!.headers['x-flowdesk-signature']);
    const t = Number(/t=(\d+)/.exec(sig)![1]);
    expect(sig).toBe(`t=${t},v1=${computeSignature(secret, t, received[0]!.body)}`);
  });

  it('organisation secrets: set, listed by name only, never returned, audited without the value', async () => {
    const value = 'smtp-password-Do-Not-Leak-42';
    const put = await app.inject({ method: 'PUT', url: '/api/settings/secrets/smtp.password', payload: { value } });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.body).not.toContain(value);
    expect(json(put).secret).toEqual({ name: 'smtp.password', updatedAt: expect.any(String) });
    await app.inject({ method: 'PUT', url: '/api/settings/secrets/ai.anthropic_api_key', payload: { value: 'sk-ant-xyz-0000' } });
    const list = await app.inject({ method: 'GET', url: '/api/settings/secrets' });
    expect(json(list).secrets.map((s: { name: string }) => s.name)).toEqual(['ai.anthropic_api_key', 'smtp.password']);
    expect(list.body).not.toContain(value);
    const stored = await h.tdb.db.selectFrom('organisation_secrets').select('value').where('name', '=', 'smtp.password').executeTakeFirstOrThrow();
    expect(stored.value).toMatch(/^enc:v1:/);
    expect(stored.value).not.toContain(value);
    expect(await readOrganisationSecret(h.tdb.db, boxA, DEFAULT_ORGANISATION_ID, 'smtp.password')).toBe(value);
    // A value copied into another organisation's or name's row does not decrypt (bound to its place).
    expect(() => boxA.decrypt(stored.value, `organisation_secrets:${DEFAULT_ORGANISATION_ID}:ai.anthropic_api_key`)).toThrow(SecretError);
    const audit = await h.tdb.db.selectFrom('audit_log').selectAll().where('action', '=', 'settings.changed').execute();
    expect(audit.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(audit)).not.toContain(value);
    expect(audit.find((a) => a.target_id === 'smtp.password')).toMatchObject({ actor_type: 'token', target_type: 'secret' });

    const del = await app.inject({ method: 'DELETE', url: '/api/settings/secrets/ai.anthropic_api_key' });
    expect(del.statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: '/api/settings/secrets/ai.anthropic_api_key' })).statusCode).toBe(404);
    const badName = await app.inject({ method: 'PUT', url: '/api/settings/secrets/Not%20A%20Name', payload: { value: 'x' } });
    expect(badName.statusCode).toBe(400);
    expect(json(badName).error.details[0].path).toBe('/params/name');
    const extra = await app.inject({ method: 'PUT', url: '/api/settings/secrets/smtp.password', payload: { value: 'x', plain: true } });
    expect(json(extra).error.details[0].path).toBe('/body/plain');
    // Without a master key the server refuses to store one (instead of storing it in clear).
    const noKey = await h.app.inject({ method: 'PUT', url: '/api/settings/secrets/smtp.password', payload: { value } });
    expect(noKey.statusCode).toBe(503);
    expect(json(noKey).error.code).toBe('FD_SECRETS_UNAVAILABLE');
  });

  it('rotation re-encrypts everything (legacy plaintext included); afterwards only the new key is needed', async () => {
    await h.tdb.db.insertInto('webhook_sources').values({ organisation_id: DEFAULT_ORGANISATION_ID, name: 'legacy', secret: 'legacy-plaintext-secret-000', mapping: '{}' }).execute();
    const totpSeed = 'JBSWY3DPEHPK3PXP';
    await h.tdb.db.insertInto('users').values({ organisation_id: DEFAULT_ORGANISATION_ID, email: 'totp@example.com', role: 'admin', totp_secret: new SecretBox(keyA).encrypt(totpSeed, TOTP_SECRET_CONTEXT) }).execute();
    const rotating = new SecretBox(keyB, [keyA]);
    const reports = await rotateSecrets(h.tdb.db, rotating);
    expect(reports).toEqual([
      { table: 'webhook_sources', column: 'secret', reencrypted: 1, legacyPlaintext: 1, alreadyCurrent: 0 },
      { table: 'webhook_endpoints', column: 'secret', reencrypted: 1, legacyPlaintext: 0, alreadyCurrent: 0 },
      { table: 'users', column: 'totp_secret', reencrypted: 1, legacyPlaintext: 0, alreadyCurrent: 0 },
      { table: 'organisation_secrets', column: 'value', reencrypted: 1, legacyPlaintext: 0, alreadyCurrent: 0 },
    ]);
    const onlyB = new SecretBox(keyB);
    const totpRow = await h.tdb.db.selectFrom('users').select('totp_secret').where('email', '=', 'totp@example.com').executeTakeFirstOrThrow();
    expect(onlyB.decrypt(totpRow.totp_secret!, TOTP_SECRET_CONTEXT)).toBe(totpSeed);
    const sources = await h.tdb.db.selectFrom('webhook_sources').select(['name', 'secret']).orderBy('name').execute();
    expect(sources.map((s) => onlyB.decrypt(s.secret, 'webhook_sources.secret')).sort()).toEqual(['inbound-plain-secret-0123456789', 'legacy-plaintext-secret-000']);
    expect(await readOrganisationSecret(h.tdb.db, onlyB, DEFAULT_ORGANISATION_ID, 'smtp.password')).toBe('smtp-password-Do-Not-Leak-42');
    await expect(readOrganisationSecret(h.tdb.db, boxA, DEFAULT_ORGANISATION_ID, 'smtp.password')).rejects.toThrow(/not configured/);
    // Running it again finds nothing to do.
    expect((await rotateSecrets(h.tdb.db, onlyB)).every((r) => r.reencrypted === 0 && r.legacyPlaintext === 0)).toBe(true);
    // A key that cannot read a value aborts the rotation without changing anything.
    await expect(rotateSecrets(h.tdb.db, new SecretBox(keyC))).rejects.toThrow(SecretError);
    expect(await readOrganisationSecret(h.tdb.db, onlyB, DEFAULT_ORGANISATION_ID, 'smtp.password')).toBe('smtp-password-Do-Not-Leak-42');
  });

  it('`flowdesk secrets rotate` rotates with the keys from the environment and reports counts', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowdesk-rotate-'));
    try {
      const env = { ...process.env, DATABASE_URL: h.tdb.connectionString, FLOWDESK_DATA_DIR: dataDir, LOG_LEVEL: 'silent', FLOWDESK_MASTER_KEY: keyC.toString('base64'), FLOWDESK_MASTER_KEY_PREVIOUS: keyB.toString('base64') };
      const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [path.join(serverDir, 'bin', 'flowdesk.js'), 'secrets', 'rotate'], { cwd: serverDir, env, timeout: 60_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
        ),
      );
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^webhook_sources\.secret: 2 re-encrypted, 0 plaintext encrypted, 0 already current$/m);
      expect(r.stdout).toMatch(/^users\.totp_secret: 1 re-encrypted, 0 plaintext encrypted, 0 already current$/m);
      expect(r.stdout).toMatch(/^done: 5 secrets now under key [0-9a-f]{16}$/m);
      expect(await readOrganisationSecret(h.tdb.db, new SecretBox(keyC), DEFAULT_ORGANISATION_ID, 'smtp.password')).toBe('smtp-password-Do-Not-Leak-42');
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
