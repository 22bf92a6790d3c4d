// The API client's auth plumbing with a mocked fetch: the session cookie is always sent, the CSRF token on
// every non-GET call only, a 401 sends the app to /login?next=<where it was>, a 403 keeps the server's
// message for the toast, and the route guard keeps signed-out users on the login page.
import { flushPromises } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent } from 'vue';
import { createMemoryHistory, createRouter, type Router } from 'vue-router';
import { ADMIN, apiError, json, mockFetch } from '../test/fetch-mock.ts';
import { applySession, installSession, resetSession, safeNext, useSession } from '../composables/useSession.ts';
import { useToasts } from '../composables/useToasts.ts';
import { api, ApiError, request } from './client.ts';

const Stub = defineComponent({ template: '<div />' });

function makeRouter(): Router {
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', name: 'login', component: Stub, meta: { public: true } },
      { path: '/workflows', component: Stub },
      { path: '/workflows/:id', component: Stub },
    ],
  });
}

function clearCookie(): void {
  document.cookie = 'fd_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
}

let uninstall: (() => void) | null = null;
beforeEach(() => {
  resetSession();
  clearCookie();
  const { toasts } = useToasts();
  toasts.splice(0);
});
afterEach(() => {
  uninstall?.();
  uninstall = null;
  vi.unstubAllGlobals();
  clearCookie();
});

describe('API client: session cookie and CSRF', () => {
  it('sends x-csrf-token on POST, PUT, PATCH and DELETE, never on GET, and always credentials same-origin', async () => {
    const calls = mockFetch(() => json(200, {}));
    applySession(ADMIN);
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) await request(method, '/things', method === 'GET' || method === 'DELETE' ? undefined : { a: 1 });
    expect(calls.map((c) => [c.method, c.headers['x-csrf-token'] ?? null, c.credentials])).toEqual([
      ['GET', null, 'same-origin'],
      ['POST', 'csrf-admin', 'same-origin'],
      ['PUT', 'csrf-admin', 'same-origin'],
      ['PATCH', 'csrf-admin', 'same-origin'],
      ['DELETE', 'csrf-admin', 'same-origin'],
    ]);
    expect(calls[1]!.headers['content-type']).toBe('application/json');
    expect(calls[1]!.body).toEqual({ a: 1 });
  });

  it('the typed calls carry it too (publish, save draft, retry), and reads are plain', async () => {
    const calls = mockFetch((c) => json(200, c.method === 'GET' ? { workflows: [] } : { version: {}, workflow: {}, run: {} }));
    applySession(ADMIN);
    await api.listWorkflows();
    await api.publish('w-1', 'note');
    await api.saveDraft('w-1', { key: 'k', name: 'n', nodes: [], edges: [] } as never);
    await api.retryRun('r-1');
    expect(calls.map((c) => `${c.method} ${c.url} ${c.headers['x-csrf-token'] ?? '-'}`)).toEqual([
      'GET /api/workflows -',
      'POST /api/workflows/w-1/publish csrf-admin',
      'PUT /api/workflows/w-1/draft csrf-admin',
      'POST /api/runs/r-1/retry csrf-admin',
    ]);
  });

  it('prefers the fd_csrf cookie (another tab may have signed in again) over the token it was given', async () => {
    const calls = mockFetch(() => json(200, {}));
    applySession(ADMIN);
    document.cookie = 'fd_csrf=from-cookie; path=/';
    await request('POST', '/things', {});
    expect(calls[0]!.headers['x-csrf-token']).toBe('from-cookie');
  });

  it('sends no token before anyone signed in', async () => {
    const calls = mockFetch(() => json(200, {}));
    await request('POST', '/things', {});
    expect(calls[0]!.headers).not.toHaveProperty('x-csrf-token');
  });

  it('keeps Retry-After on the error', async () => {
    mockFetch(() => apiError(429, 'FD_LOGIN_LOCKED', 'Locked', [], { 'retry-after': '120' }));
    const err = await api.login({ email: 'a@b.c', password: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 429, code: 'FD_LOGIN_LOCKED', retryAfter: 120 });
  });
});

describe('API client: 401 and 403', () => {
  it('a 401 mid-session clears the session and routes to /login?next=<current path>', async () => {
    const router = makeRouter();
    let signedIn = true;
    mockFetch((c) => {
      if (c.url === '/api/auth/me') return signedIn ? json(200, ADMIN) : apiError(401, 'FD_UNAUTHENTICATED', 'Sign in first');
      return apiError(401, 'FD_UNAUTHENTICATED', 'Your session has expired');
    });
    uninstall = installSession(router);
    await router.push('/workflows/w-1?tab=runs');
    expect(router.currentRoute.value.fullPath).toBe('/workflows/w-1?tab=runs');
    expect(useSession().signedIn.value).toBe(true);

    signedIn = false;
    const err = await api.getWorkflow('w-1').catch((e: unknown) => e);
    await flushPromises();
    expect(err).toMatchObject({ status: 401, code: 'FD_UNAUTHENTICATED' });
    expect(router.currentRoute.value.path).toBe('/login');
    expect(router.currentRoute.value.query.next).toBe('/workflows/w-1?tab=runs');
    expect(useSession().signedIn.value).toBe(false);
    expect(useSession().state.expired).toBe(true);
    // The page that made the call toasts its failure as usual: a 401 is not toasted (the login page explains).
    useToasts().error('Could not open the workflow', err);
    expect(useToasts().toasts).toHaveLength(0);
  });

  it("a login's own 401 (wrong password) is the page's to show, not a redirect", async () => {
    const router = makeRouter();
    mockFetch((c) => (c.url === '/api/auth/me' ? apiError(401, 'FD_UNAUTHENTICATED', 'Sign in first') : apiError(401, 'FD_INVALID_CREDENTIALS', 'Invalid email or password')));
    uninstall = installSession(router);
    await router.push('/login?next=/workflows');
    await api.login({ email: 'admin@example.com', password: 'wrong' }).catch(() => undefined);
    await flushPromises();
    expect(router.currentRoute.value.fullPath).toBe('/login?next=/workflows');
  });

  it('a wrong password typed to confirm something (401 FD_INVALID_CREDENTIALS) does not end the session', async () => {
    const router = makeRouter();
    mockFetch((c) => (c.url === '/api/auth/me' ? json(200, ADMIN) : apiError(401, 'FD_INVALID_CREDENTIALS', 'the password is wrong')));
    uninstall = installSession(router);
    await router.push('/workflows');
    const err = await api.totpDisable('wrong').catch((e: unknown) => e);
    await flushPromises();
    expect(err).toMatchObject({ status: 401, code: 'FD_INVALID_CREDENTIALS' });
    expect(router.currentRoute.value.fullPath).toBe('/workflows');
    expect(useSession().signedIn.value).toBe(true);
  });

  it('a 403 FD_FORBIDDEN keeps the server message, which the toast shows', async () => {
    mockFetch(() => apiError(403, 'FD_FORBIDDEN', 'Publishing needs the workflows.publish permission'));
    applySession(ADMIN);
    const err = await api.publish('w-1', '').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 403, code: 'FD_FORBIDDEN' });
    const toasts = useToasts();
    toasts.error('Publishing failed', err);
    expect(toasts.toasts.at(-1)).toMatchObject({ kind: 'error', title: 'Publishing failed', detail: 'Publishing needs the workflows.publish permission' });
  });
});

describe('route guard', () => {
  it('sends a signed-out visitor to /login with the page they wanted, and back after signing in', async () => {
    const router = makeRouter();
    let signedIn = false;
    const calls = mockFetch((c) => {
      if (c.url === '/api/auth/me') return signedIn ? json(200, ADMIN) : apiError(401, 'FD_UNAUTHENTICATED', 'Sign in first');
      if (c.url === '/api/auth/login') {
        signedIn = true;
        return json(200, ADMIN);
      }
      return json(404, {});
    });
    uninstall = installSession(router);
    await router.push('/workflows/w-9');
    expect(router.currentRoute.value.fullPath).toBe('/login?next=/workflows/w-9');
    await router.push('/workflows');
    expect(router.currentRoute.value.path).toBe('/login');
    expect(calls.filter((c) => c.url === '/api/auth/me')).toHaveLength(1); // /me is asked once, not per navigation

    await useSession().signIn({ email: 'admin@example.com', password: 'flowdesk-demo' });
    await router.push('/workflows/w-9');
    expect(router.currentRoute.value.fullPath).toBe('/workflows/w-9');
    // A signed-in user who opens /login goes where next= says.
    await router.push('/login?next=/workflows');
    expect(router.currentRoute.value.fullPath).toBe('/workflows');
  });

  it('signing out clears the session; the next navigation goes to the login page', async () => {
    const router = makeRouter();
    const calls = mockFetch((c) => (c.url === '/api/auth/logout' ? json(204) : json(200, ADMIN)));
    uninstall = installSession(router);
    await router.push('/workflows');
    expect(useSession().signedIn.value).toBe(true);
    await useSession().signOut();
    expect(calls.at(-1)).toMatchObject({ method: 'POST', url: '/api/auth/logout', headers: { 'x-csrf-token': 'csrf-admin' } });
    expect(useSession().user.value).toBeNull();
    await router.push('/workflows/w-2');
    expect(router.currentRoute.value.fullPath).toBe('/login?next=/workflows/w-2');
  });

  it('safeNext keeps only paths inside the app', () => {
    expect(safeNext('/runs/1?x=2')).toBe('/runs/1?x=2');
    expect(safeNext(['/runs'])).toBe('/runs');
    for (const bad of [undefined, '', 'https://evil.example', '//evil.example', '/\\evil.example', '/login', '/login?next=/x', 'javascript:alert(1)']) expect(safeNext(bad)).toBe('/workflows');
  });
});
