// The ticketing part of the REST API the agent workspace uses (docs/ticketing.md, docs/api.md), typed, on
// the same request() as the rest of the designer (session cookie, CSRF header, ApiError with JSON-pointer
// details). The inbox: list (filters, keyset pages, SLA clocks) and full-text search; the ticket page: the
// thread, replies and notes, changes, macros, the directory (agents, teams), SLA, the ticket's runs and their
// open task/approval steps.
import { request, type Run } from '../api/client.ts';

export const TICKET_STATUSES = ['open', 'pending', 'waiting_customer', 'on_hold', 'resolved', 'closed', 'cancelled'] as const;
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const TICKET_CHANNELS = ['api', 'email', 'portal', 'web_form', 'chat', 'phone', 'social', 'webhook'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

export interface TicketRecord {
  id: string;
  number: number;
  subject: string;
  body: string;
  status: string;
  priority: string;
  channel: string;
  fields: Record<string, unknown>;
  tags: string[];
  customerId: string | null;
  assigneeAgentId: string | null;
  teamId: string | null;
  firstRespondedAt: string | null;
  resolvedAt: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface SlaClock {
  ticketId: string;
  firstResponseDueAt: string | null;
  resolutionDueAt: string | null;
  firstResponseMetAt: string | null;
  resolutionMetAt: string | null;
  firstResponseBreachedAt: string | null;
  resolutionBreachedAt: string | null;
  paused: boolean;
}
export interface Identity {
  id: string;
  kind: 'email' | 'phone' | 'handle' | 'portal';
  value: string;
  verified: boolean;
  createdAt: string;
}
export interface Customer {
  id: string;
  name: string | null;
  language: string | null;
  mergedInto: string | null;
  identities: Identity[];
  createdAt: string;
  updatedAt: string;
}
export interface Attachment {
  id: string;
  filename: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  createdAt: string;
}
export interface Message {
  id: string;
  visibility: 'public' | 'internal';
  authorType: 'customer' | 'agent' | 'system';
  authorCustomerId: string | null;
  authorAgentId: string | null;
  channel: string;
  bodyText: string;
  bodyHtml: string | null;
  attachments: Attachment[];
  createdAt: string;
}
export interface Agent {
  id: string;
  name: string;
  email: string;
  active: boolean;
  teamIds: string[];
}
export interface Team {
  id: string;
  name: string;
  agentIds: string[];
}
export interface Macro {
  id: string;
  name: string;
  body: string;
  actions: unknown[];
}
export interface SlaMetric {
  targetMinutes: number | null;
  dueAt: string | null;
  remainingBusinessMs: number | null;
  metAt: string | null;
  breachedAt: string | null;
  status: 'none' | 'running' | 'paused' | 'stopped' | 'met' | 'breached';
}
export interface TicketSla {
  policy: { id: string; name: string } | null;
  paused: boolean;
  firstResponse: SlaMetric;
  resolution: SlaMetric;
}
/** An open step of one of the ticket's runs (GET /api/tickets/:id/tasks). */
export interface TicketTask {
  id: string;
  runId: string;
  workflowId: string;
  workflowKey: string;
  workflowVersion: number;
  nodeId: string;
  nodeName: string | null;
  visit: number;
  kind: 'task' | 'approval';
  title: string;
  assignee: unknown;
  createdAt: string;
  form: { key: string; title: string | null; schema: Record<string, unknown>; uiSchema: Record<string, unknown> | null } | null;
  actions: { id: string; label: string }[];
  approval: { required: number; rejectionsToReject: number; votes: { approver: string; decision: 'approve' | 'reject' }[] } | null;
}
export type TaskSubmission = { action: string; data: Record<string, unknown> } | { decision: 'approve' | 'reject'; comment?: string };

export interface TicketListQuery {
  status?: string;
  priority?: string;
  channel?: string;
  teamId?: string;
  assigneeAgentId?: string;
  unassigned?: boolean;
  limit?: number;
  cursor?: string;
}
export interface TicketPage {
  tickets: TicketRecord[];
  nextCursor: string | null;
  sla: SlaClock[];
  /** Search only: highlighted snippets by ticket id. */
  snippets?: Record<string, string>;
}

function qs(query: object): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '' && v !== false) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

export const ticketApi = {
  list: (query: TicketListQuery) => request<TicketPage>('GET', `/tickets${qs(query)}`),
  search: async (q: string, cursor?: string, limit = 50): Promise<TicketPage> => {
    const r = await request<{ hits: { ticket: TicketRecord; rank: number; snippet: string }[]; nextCursor: string | null; sla: SlaClock[] }>('GET', `/tickets/search${qs({ q, cursor, limit })}`);
    return { tickets: r.hits.map((h) => h.ticket), nextCursor: r.nextCursor, sla: r.sla, snippets: Object.fromEntries(r.hits.map((h) => [h.ticket.id, h.snippet])) };
  },
  get: (id: string) => request<{ ticket: TicketRecord; customer: Customer | null; messages: Message[] }>('GET', `/tickets/${id}`),
  addMessage: (id: string, body: string, visibility: 'public' | 'internal') =>
    request<{ ticket: TicketRecord; message: Message }>('POST', `/tickets/${id}/messages`, { body, visibility }),
  update: (id: string, patch: Partial<Pick<TicketRecord, 'status' | 'priority' | 'assigneeAgentId' | 'teamId' | 'fields' | 'tags'>>) =>
    request<{ ticket: TicketRecord; changed: string[]; runs: Run[] }>('PATCH', `/tickets/${id}`, patch),
  applyMacro: (id: string, macroId: string) => request<{ ticket: TicketRecord; message: Message | null; changed: string[] }>('POST', `/tickets/${id}/macros/${macroId}`, {}),
  attachmentUrl: (ticketId: string, attachmentId: string) => `/api/tickets/${encodeURIComponent(ticketId)}/attachments/${encodeURIComponent(attachmentId)}`,
  sla: (id: string) => request<{ sla: TicketSla | null }>('GET', `/tickets/${id}/sla`).then((r) => r.sla),
  runs: (id: string) => request<{ runs: Run[] }>('GET', `/tickets/${id}/runs`).then((r) => r.runs),
  tasks: (id: string) => request<{ tasks: TicketTask[] }>('GET', `/tickets/${id}/tasks`).then((r) => r.tasks),
  submitTask: (id: string, taskId: string, submission: TaskSubmission) =>
    request<{ run: Run; tasks: TicketTask[] }>('POST', `/tickets/${id}/tasks/${encodeURIComponent(taskId)}`, submission),
  agents: () => request<{ agents: Agent[] }>('GET', '/agents').then((r) => r.agents),
  teams: () => request<{ teams: Team[] }>('GET', '/teams').then((r) => r.teams),
  macros: () => request<{ macros: Macro[] }>('GET', '/macros').then((r) => r.macros),
  /** The public form's schema: its `fields` property is the organisation's custom-field schema. */
  fieldsSchema: () =>
    request<{ schema: { properties?: { fields?: Record<string, unknown> } } }>('GET', '/public/form').then((r) => (r.schema.properties?.fields ?? null) as Record<string, unknown> | null),
};

// ---- display helpers ----

export const STATUS_LABELS: Record<string, string> = {
  open: 'Open',
  pending: 'Pending',
  waiting_customer: 'Waiting on customer',
  on_hold: 'On hold',
  resolved: 'Resolved',
  closed: 'Closed',
  cancelled: 'Cancelled',
};
export const CHANNEL_LABELS: Record<string, string> = {
  api: 'API',
  email: 'Email',
  portal: 'Portal',
  web_form: 'Web form',
  chat: 'Chat',
  phone: 'Phone',
  social: 'Social',
  webhook: 'Webhook',
};
export const PRIORITY_RANK: Record<string, number> = { urgent: 0, high: 1, normal: 2, low: 3 };

export type SlaState = { kind: 'none' } | { kind: 'met' } | { kind: 'paused' } | { kind: 'breached'; metric: string } | { kind: 'due'; metric: string; dueAt: string; soon: boolean };

/** The clock that matters now: a breach first, else the next running due time (first response until met, then resolution). */
export function slaState(clock: SlaClock | undefined, now = Date.now()): SlaState {
  if (!clock) return { kind: 'none' };
  if (clock.firstResponseBreachedAt || clock.resolutionBreachedAt) return { kind: 'breached', metric: clock.firstResponseBreachedAt ? 'first response' : 'resolution' };
  if (clock.paused) return { kind: 'paused' };
  const candidates: [string, string | null, string | null][] = [
    ['first response', clock.firstResponseDueAt, clock.firstResponseMetAt],
    ['resolution', clock.resolutionDueAt, clock.resolutionMetAt],
  ];
  for (const [metric, dueAt, metAt] of candidates) {
    if (dueAt && !metAt) {
      const at = Date.parse(dueAt);
      if (at < now) return { kind: 'breached', metric };
      return { kind: 'due', metric, dueAt, soon: at - now < 60 * 60 * 1000 };
    }
  }
  return clock.firstResponseDueAt || clock.resolutionDueAt ? { kind: 'met' } : { kind: 'none' };
}

/** "in 3 h 20 min" / "5 min ago" for a due time. */
export function formatDue(iso: string, now = Date.now()): string {
  const ms = Date.parse(iso) - now;
  const abs = Math.abs(ms);
  const minutes = Math.round(abs / 60_000);
  let text: string;
  if (minutes < 1) text = 'less than a minute';
  else if (minutes < 60) text = `${minutes} min`;
  else if (minutes < 48 * 60) text = `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  else text = `${Math.round(minutes / 1440)} days`;
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

/** Who a step is for, in words: "role manager", "team billing", "user ann@…", "AI pick". */
export function describeAssignee(assignee: unknown): string {
  const one = (a: unknown): string => {
    const x = (a ?? {}) as { type?: string; role?: string; team?: string; user?: string };
    if (x.type === 'role') return `${x.role}s`;
    if (x.type === 'team') return `team ${x.team}`;
    if (x.type === 'user') return String(x.user);
    if (x.type === 'ai') return 'the agent the AI picks';
    return 'anyone';
  };
  return Array.isArray(assignee) ? assignee.map(one).join(' or ') : one(assignee);
}
