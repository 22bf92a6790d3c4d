// `flowdesk user create|set-password` and `flowdesk token create` against a real database.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digest } from '../src/auth/tokens.ts';
import { verifyPassword } from '../src/auth/passwords.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let tdb: TestDatabase;

beforeAll(async () => {
  tdb = await createTestDatabase('cli_accounts');
}, 60_000);
afterAll(async () => {
  await tdb?.drop();
});

function flowdesk(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [path.join(serverDir, 'bin', 'flowdesk.js'), ...args], { cwd: serverDir, timeout: 60_000, env: { ...process.env, DATABASE_URL: tdb.connectionString, LOG_LEVEL: 'silent', ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    ),
  );
}

describe('account commands', () => {
  it('creates a user with the password from the environment, sets a new one, and mints a scoped token', async () => {
    const created = await flowdesk(['user', 'create', '--email', 'Ops@Example.com', '--role', 'manager', '--name', 'Ops'], { FLOWDESK_NEW_PASSWORD: 'first passphrase 1' });
    expect(created.stdout.trim()).toBe('created manager ops@example.com');
    expect(created.code).toBe(0);
    const user = await tdb.db.selectFrom('users').selectAll().where('email', '=', 'ops@example.com').executeTakeFirstOrThrow();
    expect(await verifyPassword('first passphrase 1', user.password_hash!)).toBe(true);

    const reset = await flowdesk(['user', 'set-password', '--email', 'ops@example.com']);
    const generated = /set to (\S+);/.exec(reset.stdout)?.[1];
    expect(generated, reset.stdout).toBeDefined();
    const after = await tdb.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(await verifyPassword(generated!, after.password_hash!)).toBe(true);

    const token = await flowdesk(['token', 'create', '--email', 'ops@example.com', '--scopes', 'tickets.read,workflows.read', '--days', '7']);
    expect(token.code).toBe(0);
    const value = token.stdout.trim();
    expect(value).toMatch(/^fdt_[A-Za-z0-9_-]{43}$/);
    const row = await tdb.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', digest(value)).executeTakeFirstOrThrow();
    expect(row.scopes).toEqual(['tickets.read', 'workflows.read']);
    const audit = await tdb.db.selectFrom('audit_log').select('action').orderBy('seq').execute();
    expect(audit.map((a) => a.action)).toEqual(['user.created', 'auth.password_set', 'token.created']);
  });

  it('refuses scopes beyond the role, customer accounts and weak passwords, with the reason', async () => {
    const scopes = await flowdesk(['token', 'create', '--email', 'ops@example.com', '--scopes', 'users.manage']);
    expect(scopes.code).toBe(2);
    expect(scopes.stderr).toMatch(/--scopes: users\.manage is not a permission of the manager role/);
    const customer = await flowdesk(['user', 'create', '--email', 'c@example.com', '--role', 'customer']);
    expect(customer.code).toBe(2);
    expect(customer.stderr).toMatch(/customer accounts are created by the portal/);
    const weak = await flowdesk(['user', 'set-password', '--email', 'ops@example.com'], { FLOWDESK_NEW_PASSWORD: 'short' });
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/FLOWDESK_NEW_PASSWORD must be at least 10 characters/);
  });
});
