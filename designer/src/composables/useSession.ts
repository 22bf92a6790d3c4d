// The signed-in user, app-wide: loaded once from GET /api/auth/me, replaced by a login, cleared by a logout
// or by any 401 (the session expired). installSession(router) wires it up: the route guard that sends
// signed-out users to /login?next=…, and the API client's 401 handler that does the same mid-session.
// Customers (role customer, permission portal) only ever see the portal (/portal, meta.portal): any other
// route sends them there, and a 401 inside the portal goes back to the portal's own sign-in.
import { computed, reactive, readonly } from 'vue';
import type { RouteLocationRaw, Router } from 'vue-router';
import { api, ApiError, onUnauthenticated, setCsrfToken, type LoginInput, type SessionInfo, type SessionUser } from '../api/client.ts';

/** The permissions the designer checks (server/src/auth/permissions.ts has the full table). */
export type Permission =
  | 'workflows.read'
  | 'workflows.write'
  | 'workflows.publish'
  | 'runs.read'
  | 'runs.write'
  | 'tickets.read'
  // The agent workspace (pages/TicketsPage.vue, TicketPage.vue).
  | 'tickets.write'
  | 'tickets.internal'
  | 'macros.read'
  // The Settings area (pages/settings): each section needs one of these.
  | 'users.manage'
  | 'directory.read'
  | 'directory.write'
  | 'sla.read'
  | 'sla.write'
  | 'integrations.manage'
  | 'audit.read'
  | 'settings.manage'
  | 'tokens.own';

export type SessionStatus = 'unknown' | 'loading' | 'signed-in' | 'signed-out';

interface SessionState {
  status: SessionStatus;
  user: SessionUser | null;
  permissions: string[];
  csrfToken: string | null;
  /** True after a 401 ended a session that was signed in: the login page says so. */
  expired: boolean;
  /** Why /api/auth/me could not be checked (network, server error), shown on the login page. */
  loadError: string | null;
}

const state = reactive<SessionState>({ status: 'unknown', user: null, permissions: [], csrfToken: null, expired: false, loadError: null });
let pending: Promise<void> | null = null;

export function applySession(info: SessionInfo): void {
  state.user = info.user;
  state.permissions = [...info.permissions];
  state.csrfToken = info.csrfToken;
  state.status = 'signed-in';
  state.expired = false;
  state.loadError = null;
  setCsrfToken(info.csrfToken);
}

export function clearSession(reason: { expired?: boolean; loadError?: string | null } = {}): void {
  state.user = null;
  state.permissions = [];
  state.csrfToken = null;
  state.status = 'signed-out';
  state.expired = reason.expired ?? false;
  state.loadError = reason.loadError ?? null;
  setCsrfToken(null);
}

/** Back to "never loaded" (tests). */
export function resetSession(): void {
  clearSession();
  state.status = 'unknown';
  pending = null;
}

/** GET /api/auth/me, once (concurrent callers share the request); `force` asks again. */
export function loadSession(force = false): Promise<void> {
  if (!force && (state.status === 'signed-in' || state.status === 'signed-out')) return Promise.resolve();
  if (pending) return pending;
  state.status = 'loading';
  pending = api
    .me()
    .then(applySession)
    .catch((err: unknown) => {
      const signedOut = err instanceof ApiError && err.status === 401;
      clearSession({ loadError: signedOut ? null : `Could not check your session: ${(err as Error).message}` });
    })
    .finally(() => {
      pending = null;
    });
  return pending;
}

/** POST /api/auth/login; rejects with the server's ApiError (the login page shows it). */
export async function signIn(input: LoginInput): Promise<SessionInfo> {
  const info = await api.login(input);
  applySession(info);
  return info;
}

/** POST /api/portal/session: trades the emailed magic-link token for a customer session. */
export async function signInWithMagicLink(token: string): Promise<SessionInfo> {
  const info = await api.portalSession(token);
  applySession(info);
  return info;
}

/** GET /api/auth/me again without leaving the signed-in state (after a change to the account, e.g. TOTP on). */
export async function refreshSession(): Promise<void> {
  applySession(await api.me());
}

export function isCustomer(): boolean {
  return state.status === 'signed-in' && state.user?.role === 'customer';
}

/** POST /api/auth/logout; the local session is cleared even if the server could not be reached. */
export async function signOut(): Promise<void> {
  try {
    await api.logout();
  } finally {
    clearSession();
  }
}

export function can(permission: Permission): boolean {
  return state.status === 'signed-in' && state.permissions.includes(permission);
}

/** Why an action is not available, as a tooltip: '' when it is. `action` reads like "publish workflows". */
export function deniedReason(permission: Permission, action: string): string {
  if (can(permission)) return '';
  const who = state.user ? `Your role (${state.user.role})` : 'You';
  return `${who} cannot ${action}: it needs the ${permission} permission.`;
}

/** A `next` target that stays inside the designer (no other origin, no protocol-relative //host, not /login). */
export function safeNext(raw: unknown): string {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/workflows';
  if (value === '/login' || value.startsWith('/login?') || value.startsWith('/login#')) return '/workflows';
  return value;
}

export function loginLocation(next: string): RouteLocationRaw {
  return next && next !== '/' && safeNext(next) === next ? { path: '/login', query: { next } } : { path: '/login' };
}

/**
 * Wires the session into the app: call once, before `app.use(router)` so the first navigation is guarded.
 * Routes with `meta.public` (the login page) are open; every other route needs a signed-in user.
 * Portal routes (`meta.portal`) are the customers' whole app: open to anyone, except those with
 * `meta.portalAuth` (a ticket, a new request), which need a session and otherwise go to the portal sign-in.
 */
export function installSession(router: Router): () => void {
  const removeGuard = router.beforeEach(async (to) => {
    await loadSession();
    if (to.meta.portal) {
      if (to.meta.portalAuth && state.status !== 'signed-in') return { path: '/portal' };
      return true;
    }
    // Customers have no business in the designer (the server would refuse every call anyway).
    if (isCustomer()) return { path: '/portal' };
    if (to.meta.public) {
      if (to.name === 'login' && state.status === 'signed-in') return safeNext(to.query.next);
      return true;
    }
    return state.status === 'signed-in' ? true : loginLocation(to.fullPath);
  });
  const removeHandler = onUnauthenticated(() => {
    const wasSignedIn = state.status === 'signed-in';
    clearSession({ expired: wasSignedIn });
    const current = router.currentRoute.value;
    if (current.meta.portal) {
      // The portal home shows its sign-in form (and says the session ended) once the session is cleared.
      if (current.name !== 'portal' || current.query.token !== undefined) void router.push({ path: '/portal' });
      return;
    }
    if (current.meta.public) return;
    void router.push(loginLocation(current.fullPath));
  });
  return () => {
    removeGuard();
    removeHandler();
  };
}

const view = readonly(state);

export function useSession() {
  return {
    state: view,
    user: computed(() => state.user),
    permissions: computed(() => state.permissions),
    csrfToken: computed(() => state.csrfToken),
    signedIn: computed(() => state.status === 'signed-in'),
    can,
    deniedReason,
    signIn,
    signInWithMagicLink,
    signOut,
    refresh: refreshSession,
    isCustomer: computed(() => isCustomer()),
    load: loadSession,
  };
}
