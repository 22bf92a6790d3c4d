// The Flowdesk REST API (docs/api.md) as typed functions. Every failure becomes an ApiError carrying the
// server's stable code, message and JSON-pointer details, so the UI can show them as they are.
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
  ) {
    super(message);
  }
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

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/api${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
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
    throw new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? `${method} ${path} failed with HTTP ${response.status}`, error?.details ?? []);
  }
  return json as T;
}

export const api = {
  listWorkflows: () => request<{ workflows: WorkflowSummary[] }>('GET', '/workflows').then((r) => r.workflows),
  getWorkflow: (id: string) => request<{ workflow: WorkflowDetail }>('GET', `/workflows/${id}`).then((r) => r.workflow),
  createWorkflow: (definition: WorkflowDefinition) => request<{ workflow: WorkflowDetail }>('POST', '/workflows', { definition }).then((r) => r.workflow),
  saveDraft: (id: string, definition: WorkflowDefinition) =>
    request<{ workflow: WorkflowDetail }>('PUT', `/workflows/${id}/draft`, { definition }).then((r) => r.workflow),
  publish: (id: string, note: string) =>
    request<{ version: VersionSummary }>('POST', `/workflows/${id}/publish`, note ? { note } : {}).then((r) => r.version),
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
  retryRun: (id: string) => request<{ run: Run }>('POST', `/runs/${id}/retry`).then((r) => r.run),
};
