// The route × role matrix: every route of the API, called by every role, by nobody, and by a token that
// lacks just the route's permission, must answer as route-access.ts says. A new route without an entry
// there fails the OpenAPI test in api-errors.test.ts and the first test here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { permissionsOf, ROLES, type Role } from '../src/auth/permissions.ts';
import { createPrincipal, json, startHarness, type Harness, type TestPrincipal } from './api-harness.ts';
import { ROUTE_ACCESS } from './route-access.ts';

let h: Harness;
const principals = new Map<Role, TestPrincipal>();
const ghost = '00000000-0000-4000-8000-00000000abcd';

beforeAll(async () => {
  h = await startHarness('auth_matrix');
  const agent = await h.tdb.db.insertInto('agents').values({ organisation_id: '00000000-0000-4000-8000-000000000001', name: 'Matrix Agent', email: 'matrix.agent@example.com' }).returning('id').executeTakeFirstOrThrow();
  const customer = await h.tdb.db.insertInto('customers').values({ organisation_id: '00000000-0000-4000-8000-000000000001', name: 'Matrix Customer' }).returning('id').executeTakeFirstOrThrow();
  principals.set('admin', h.admin);
  principals.set('manager', await createPrincipal(h.tdb.db, { role: 'manager' }));
  principals.set('agent', await createPrincipal(h.tdb.db, { role: 'agent', agentId: agent.id }));
  principals.set('customer', await createPrincipal(h.tdb.db, { role: 'customer', customerId: customer.id }));
}, 60_000);
afterAll(async () => {
  await h?.close();
});

function request(route: string, authorization: string) {
  const [method, path] = route.split(' ') as [string, string];
  const url = path.replace('{version}', '1').replace('{name}', 'smtp.password').replace(/\{[A-Za-z]+\}/g, ghost);
  const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  return h.app.inject({ method: method as 'GET', url, headers: { authorization }, ...(hasBody ? { payload: {} } : {}) });
}

const DENIAL_CODES = new Set(['FD_UNAUTHENTICATED', 'FD_FORBIDDEN', 'FD_CSRF']);
function codeOf(body: string): string | null {
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? null;
  } catch {
    return null;
  }
}

describe('route × role matrix', () => {
  it('every route declares the access the table expects, and the table names every route', () => {
    const declared = Object.fromEntries([...h.app.routeAccess].map(([key, access]) => [key.replace(/:(\w+)/g, '{$1}'), access]));
    const expected = Object.fromEntries(Object.entries(ROUTE_ACCESS).map(([key, e]) => [key, e.access]));
    expect(declared).toEqual(expected);
  });

  for (const [route, expectation] of Object.entries(ROUTE_ACCESS)) {
    it(route, async () => {
      const outcomes: Record<string, string> = {};
      const wanted: Record<string, string> = {};
      for (const role of ROLES) {
        const res = await request(route, `Bearer ${principals.get(role)!.token}`);
        const code = codeOf(res.body);
        outcomes[role] = DENIAL_CODES.has(code ?? '') ? `denied ${res.statusCode} ${code}` : 'allowed';
        const allowed = expectation.allow === 'everyone' || expectation.allow.includes(role);
        wanted[role] = allowed ? 'allowed' : 'denied 403 FD_FORBIDDEN';
      }
      const anonymous = await request(route, '');
      const anonymousCode = codeOf(anonymous.body);
      outcomes.anonymous = DENIAL_CODES.has(anonymousCode ?? '') ? `denied ${anonymous.statusCode} ${anonymousCode}` : 'allowed';
      wanted.anonymous = expectation.allow === 'everyone' ? 'allowed' : 'denied 401 FD_UNAUTHENTICATED';

      // A token of a role that may call the route, with every scope of that role except the route's permission.
      if (expectation.allow !== 'everyone' && expectation.access !== 'authenticated') {
        const role = expectation.allow[0]!;
        const underScoped = await createPrincipal(h.tdb.db, {
          role,
          ...(role === 'customer' ? { customerId: principals.get('customer')!.customerId } : {}),
          scopes: permissionsOf(role).filter((p) => p !== expectation.access),
        });
        const res = await request(route, `Bearer ${underScoped.token}`);
        outcomes.underScopedToken = `${res.statusCode} ${codeOf(res.body)} ${/lacks the scope/.test(json(res).error?.message ?? '') ? 'scope' : ''}`.trim();
        wanted.underScopedToken = '403 FD_FORBIDDEN scope';
      }
      expect(outcomes).toEqual(wanted);
    });
  }
});

describe('credentials that are not accepted', () => {
  const route = '/api/workflows';
  it.each([
    ['a malformed Authorization header', 'Basic YWRtaW46YWRtaW4='],
    ['an unknown token', 'Bearer fdt_' + 'x'.repeat(43)],
    ['a token without the fdt_ prefix', 'Bearer abc'],
  ])('%s is a 401', async (_name, authorization) => {
    const res = await h.app.inject({ method: 'GET', url: route, headers: { authorization } });
    expect(res.statusCode).toBe(401);
    expect(json(res).error.code).toBe('FD_UNAUTHENTICATED');
  });

  it('revoked and expired tokens are refused', async () => {
    const p = await createPrincipal(h.tdb.db, { role: 'manager' });
    expect((await h.app.inject({ method: 'GET', url: route, headers: { authorization: `Bearer ${p.token}` } })).statusCode).toBe(200);
    await h.tdb.db.updateTable('api_tokens').set({ expires_at: new Date(Date.now() - 1000) }).where('user_id', '=', p.userId).execute();
    expect((await h.app.inject({ method: 'GET', url: route, headers: { authorization: `Bearer ${p.token}` } })).statusCode).toBe(401);
    await h.tdb.db.updateTable('api_tokens').set({ expires_at: null, revoked_at: new Date() }).where('user_id', '=', p.userId).execute();
    expect((await h.app.inject({ method: 'GET', url: route, headers: { authorization: `Bearer ${p.token}` } })).statusCode).toBe(401);
  });

  it('a disabled user’s tokens stop working', async () => {
    const p = await createPrincipal(h.tdb.db, { role: 'agent' });
    await h.tdb.db.updateTable('users').set({ disabled: true }).where('id', '=', p.userId).execute();
    expect((await h.app.inject({ method: 'GET', url: route, headers: { authorization: `Bearer ${p.token}` } })).statusCode).toBe(401);
  });
});

describe('docs/security.md', () => {
  it('shows the permission table exactly as permissions.ts defines it', async () => {
    const { readFile } = await import('node:fs/promises');
    const { PERMISSIONS } = await import('../src/auth/permissions.ts');
    const doc = await readFile(new URL('../../docs/security.md', import.meta.url), 'utf8');
    for (const [name, p] of Object.entries(PERMISSIONS)) {
      const row = `| \`${name}\` | ${p.description} | ` + ROLES.map((r) => ((p.roles as readonly string[]).includes(r) ? '✓' : '')).join(' | ') + ' |';
      expect(doc, name).toContain(row);
    }
  });
});
