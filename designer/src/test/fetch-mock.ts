// A stand-in for fetch in component tests: each call is recorded and answered by the handler.
import { vi } from 'vitest';

export interface FetchCall {
  url: string;
  method: string;
  headers: Record<string, string>;
  credentials: RequestCredentials | undefined;
  body: unknown;
}

export type Answer = { status?: number; body?: unknown; headers?: Record<string, string> };

export function json(status: number, body?: unknown, headers: Record<string, string> = {}): Answer {
  return { status, body, headers };
}
export function apiError(status: number, code: string, message: string, details: { path: string; message: string }[] = [], headers: Record<string, string> = {}): Answer {
  return { status, body: { error: { code, message, details } }, headers };
}

export function mockFetch(handler: (call: FetchCall) => Answer | Promise<Answer>): FetchCall[] {
  const calls: FetchCall[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init: RequestInit = {}) => {
      const call: FetchCall = {
        url: String(input),
        method: (init.method ?? 'GET').toUpperCase(),
        headers: Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v])),
        credentials: init.credentials,
        body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      };
      calls.push(call);
      const answer = await handler(call);
      const status = answer.status ?? 200;
      const text = answer.body === undefined ? null : JSON.stringify(answer.body);
      return new Response(status === 204 ? null : text, { status, headers: { 'content-type': 'application/json', ...(answer.headers ?? {}) } });
    }),
  );
  return calls;
}

export const ADMIN = {
  user: { id: 'u-admin', email: 'admin@example.com', name: 'Ada Admin', role: 'admin' as const, organisationId: 'org-1' },
  csrfToken: 'csrf-admin',
  permissions: ['workflows.read', 'workflows.write', 'workflows.publish', 'runs.read', 'runs.write', 'tickets.read'],
};
export const AGENT = {
  user: { id: 'u-agent', email: 'agent@example.com', name: 'Alex Agent', role: 'agent' as const, organisationId: 'org-1' },
  csrfToken: 'csrf-agent',
  permissions: ['workflows.read', 'runs.read', 'runs.write', 'tickets.read'],
};
export const CUSTOMER = {
  user: { id: 'u-cust', email: 'iris@example.com', name: 'Iris Customer', role: 'customer' as const, organisationId: 'org-1', customerId: 'c-1', totpEnabled: false },
  csrfToken: 'csrf-customer',
  permissions: ['portal'],
};
