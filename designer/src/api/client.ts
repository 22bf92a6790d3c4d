// The Flowdesk REST API (docs/api.md) as typed functions. Every failure becomes an ApiError carrying the
// server's stable code, message and JSON-pointer details, so the UI can show them as they are.
// Authentication is the session cookie (fd_session, httpOnly): every call sends it (credentials
// 'same-origin'), every non-GET call carries the CSRF token in `x-csrf-token`, and a 401 from any call but
// the auth endpoints themselves goes to the handler useSession installs (it routes to /login?next=…).
import type { WorkflowDefinition } from '@flowdesk/schema';
import type { Effect, RunEvent } from '@flowdesk/engine';

export interface ErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    /** Seconds to wait before trying again (the Retry-After header of a 429), when the server said. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

// ---- authentication plumbing ----

export type Role = 'admin' | 'manager' | 'agent' | 'customer';
export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  organisationId: string;
  /** The rest of the server's user shape (GET /api/auth/me has them all; older fixtures may not). */
  totpEnabled?: boolean;
  customerId?: string | null;
  lastLoginAt?: string | null;
  createdAt?: string;
}
/** What POST /api/auth/login and GET /api/auth/me answer. */
export interface SessionInfo {
  user: SessionUser;
  csrfToken: string;
  permissions: string[];
}
export interface LoginInput {
  email: string;
  password: string;
  totp?: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
let csrfToken: string | null = null;
let unauthenticatedHandler: ((err: ApiError) => void) | null = null;

/** The token from the last login or /me answer; the fd_csrf cookie wins when present (another tab may have signed in again). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}
export function currentCsrfToken(): string | null {
  return readCookie('fd_csrf') ?? csrfToken;
}
/** Installs the one handler for 401 answers (the session ended); returns a function that removes it. */
export function onUnauthenticated(handler: (err: ApiError) => void): () => void {
  unauthenticatedHandler = handler;
  return () => {
    if (unauthenticatedHandler === handler) unauthenticatedHandler = null;
  };
}

function readCookie(name: string): string | null {
  if (typeof document === 'undefined' || !document.cookie) return null;
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      try {
        return value ? decodeURIComponent(value) : null;
      } catch {
        return value || null;
      }
    }
  }
  return null;
}

/** Retry-After is seconds or an HTTP date; null when missing or unreadable. */
function parseRetryAfter(value: string | null): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

export interface VersionSummary {
  id: string;
  version: number;
  note: string | null;
  publishedAt: string;
}
export interface WorkflowSummary {
  id: string;
  key: string;
  name: string;
  latestVersion: number | null;
  createdAt: string;
  updatedAt: string;
}
export interface WorkflowDetail extends WorkflowSummary {
  draft: WorkflowDefinition;
  versions: VersionSummary[];
}
export interface VersionDetail extends VersionSummary {
  workflowId: string;
  key: string;
  definition: WorkflowDefinition;
}
export type RunStatus = 'running' | 'waiting' | 'stuck' | 'completed';
export interface Run {
  id: string;
  workflowId: string;
  workflowKey: string;
  workflowVersion: number;
  workflowVersionId: string;
  ticketId: string | null;
  status: RunStatus;
  state: string;
  currentNode: { id: string; kind: string; name: string | null } | null;
  sequence: number;
  error: string | null;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
}
export interface HistoryEntry {
  sequence: number;
  event: (RunEvent | { type: string; [key: string]: unknown }) & { type: string };
  fromState: string | null;
  toState: string;
  effects: Effect[] | null;
  at: string;
  recordedAt: string;
}
export interface Ticket {
  id: string;
  subject: string;
  priority: string;
  [key: string]: unknown;
}

// ---- account: API tokens, second factor ----

export interface ApiToken {
  id: string;
  name: string;
  /** The first characters of the token, to tell tokens apart. */
  prefix: string;
  scopes: string[];
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdAt: string;
}
export interface CreateTokenInput {
  name: string;
  scopes: string[];
  expiresInDays?: number;
}
export interface TotpSetup {
  secret: string;
  /** otpauth:// URI: what the QR code encodes. */
  uri: string;
}

// ---- the customer portal ----

export interface PortalTicket {
  id: string;
  number: string;
  subject: string;
  status: string;
  priority: string;
  channel: string;
  createdAt: string;
  updatedAt: string;
}
export interface PortalMessage {
  id: string;
  from: 'you' | 'support';
  body: string;
  createdAt: string;
  attachments: { id: string; filename: string; contentType: string; sizeBytes: number }[];
}

export interface RequestOptions {
  /** False for the auth endpoints: their 401 is an answer for the caller, not an ended session. */
  authRedirect?: boolean;
}

export async function request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const token = SAFE_METHODS.has(method.toUpperCase()) ? null : currentCsrfToken();
  if (token) headers['x-csrf-token'] = token;
  let response: Response;
  try {
    response = await fetch(`/api${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new ApiError(0, 'FD_NETWORK', `The Flowdesk server could not be reached (${(err as Error).message})`);
  }
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = (json as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | null)?.error;
    const err = new ApiError(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? `${method} ${path} failed with HTTP ${response.status}`,
      error?.details ?? [],
      parseRetryAfter(response.headers.get('retry-after')),
    );
    // FD_INVALID_CREDENTIALS (a wrong password typed to confirm something) answers the caller; any other
    // 401 means the session is gone.
    if (response.status === 401 && options.authRedirect !== false && err.code !== 'FD_INVALID_CREDENTIALS') unauthenticatedHandler?.(err);
    throw err;
  }
  return json as T;
}

const noRedirect: RequestOptions = { authRedirect: false };

export const api = {
  login: (input: LoginInput) => request<SessionInfo>('POST', '/auth/login', input, noRedirect),
  me: () => request<SessionInfo>('GET', '/auth/me', undefined, noRedirect),
  logout: () => request<null>('POST', '/auth/logout', undefined, noRedirect),
  requestPasswordReset: (email: string) => request<{ accepted: true }>('POST', '/auth/password-reset', { email }, noRedirect),
  confirmPasswordReset: (token: string, password: string) => request<null>('POST', '/auth/password-reset/confirm', { token, password }, noRedirect),
  // The second factor of the signed-in user.
  totpSetup: () => request<TotpSetup>('POST', '/auth/totp/setup'),
  totpEnable: (code: string) => request<null>('POST', '/auth/totp/enable', { code }),
  totpDisable: (password: string) => request<null>('POST', '/auth/totp/disable', { password }),
  // Personal API tokens.
  listTokens: () => request<{ apiTokens: ApiToken[] }>('GET', '/tokens').then((r) => r.apiTokens),
  createToken: (input: CreateTokenInput) => request<{ token: string; apiToken: ApiToken }>('POST', '/tokens', input),
  revokeToken: (id: string) => request<null>('DELETE', `/tokens/${id}`),
  // The customer portal.
  portalMagicLink: (email: string) => request<{ accepted: true }>('POST', '/portal/magic-link', { email }, noRedirect),
  portalSession: (token: string) => request<SessionInfo>('POST', '/portal/session', { token }, noRedirect),
  portalTickets: () => request<{ tickets: PortalTicket[]; nextCursor: string | null }>('GET', '/portal/tickets?limit=100'),
  portalTicket: (id: string) => request<{ ticket: PortalTicket; messages: PortalMessage[] }>('GET', `/portal/tickets/${id}`),
  portalCreateTicket: (input: { subject: string; body: string }) => request<{ ticket: PortalTicket }>('POST', '/portal/tickets', input).then((r) => r.ticket),
  portalReply: (id: string, body: string) => request<{ ticket: PortalTicket }>('POST', `/portal/tickets/${id}/replies`, { body }).then((r) => r.ticket),
  listWorkflows: () => request<{ workflows: WorkflowSummary[] }>('GET', '/workflows').then((r) => r.workflows),
  getWorkflow: (id: string) => request<{ workflow: WorkflowDetail }>('GET', `/workflows/${id}`).then((r) => r.workflow),
  createWorkflow: (definition: WorkflowDefinition) => request<{ workflow: WorkflowDetail }>('POST', '/workflows', { definition }).then((r) => r.workflow),
  saveDraft: (id: string, definition: WorkflowDefinition) =>
    request<{ workflow: WorkflowDetail }>('PUT', `/workflows/${id}/draft`, { definition }).then((r) => r.workflow),
  publish: (id: string, note: string) =>
    request<{ version: VersionSummary }>('POST', `/workflows/${id}/publish`, note ? { note } : {}).then((r) => r.version),
  /** Publishes a copy of `version` as a new version (and makes it the draft); needs workflows.publish. */
  rollback: (id: string, version: number, note?: string) =>
    request<{ version: VersionSummary }>('POST', `/workflows/${id}/rollback`, note ? { version, note } : { version }).then((r) => r.version),
  getVersion: (id: string, version: number) =>
    request<{ version: VersionDetail }>('GET', `/workflows/${id}/versions/${version}`).then((r) => r.version),
  listRuns: (query: { status?: RunStatus; workflowId?: string; limit?: number } = {}) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
    const qs = params.toString();
    return request<{ runs: Run[]; nextCursor: string | null }>('GET', `/runs${qs ? `?${qs}` : ''}`);
  },
  getRun: (id: string) => request<{ run: Run }>('GET', `/runs/${id}`).then((r) => r.run),
  getHistory: (id: string) => request<{ history: HistoryEntry[] }>('GET', `/runs/${id}/history`).then((r) => r.history),
  /** The address of the run's Server-Sent Events stream (EventSource sends the session cookie on the same origin). */
  runStreamUrl: (id: string, since = 0) => `/api/runs/${encodeURIComponent(id)}/stream?since=${since}`,
  retryRun: (id: string) => request<{ run: Run }>('POST', `/runs/${id}/retry`).then((r) => r.run),
};
