// The administration API behind the Settings area (docs/api.md, docs/sla.md, docs/security.md): users,
// teams and agents, business-hours calendars and SLA policies, webhooks, organisation secrets and retention,
// and the audit log. Every call goes through client.ts `request`, so failures are ApiErrors with the
// server's code and JSON-pointer details (the forms put them at their fields).
import { request, type Role } from './client.ts';

export interface AdminUser {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  organisationId: string;
  agentId: string | null;
  customerId: string | null;
  totpEnabled: boolean;
  disabled: boolean;
  locked: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}
export interface CreateUserInput {
  email: string;
  role: Exclude<Role, 'customer'>;
  name?: string;
  password?: string;
  agentId?: string | null;
}
export interface UpdateUserInput {
  name?: string | null;
  role?: Role;
  agentId?: string | null;
  disabled?: boolean;
  unlock?: true;
}

export interface Team {
  id: string;
  name: string;
  agentIds: string[];
  createdAt: string;
}
export interface Agent {
  id: string;
  name: string;
  email: string;
  skills: string[];
  capacity: number;
  active: boolean;
  calendarId: string | null;
  teamIds: string[];
  createdAt: string;
}
export interface AgentInput {
  name: string;
  email?: string;
  skills: string[];
  capacity: number;
  active: boolean;
  calendarId: string | null;
  teamIds: string[];
}

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export type Interval = [string, string];
export type WeeklyHours = Partial<Record<Weekday, Interval[]>>;
export interface Calendar {
  id: string;
  organisationId: string;
  name: string;
  timezone: string;
  weeklyHours: WeeklyHours;
  holidays: string[];
  createdAt: string;
  updatedAt: string;
}
export interface CalendarInput {
  name: string;
  timezone: string;
  weeklyHours: WeeklyHours;
  holidays: string[];
}

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const PAUSABLE_STATUSES = ['open', 'pending', 'waiting_customer', 'on_hold'] as const;
export interface SlaTarget {
  firstResponseMinutes?: number;
  resolutionMinutes?: number;
}
export interface SlaConditions {
  priorities?: Priority[];
  channels?: string[];
  tagsAny?: string[];
  teamIds?: string[];
}
export interface SlaPolicy {
  id: string;
  organisationId: string;
  name: string;
  calendarId: string | null;
  active: boolean;
  position: number;
  targets: Partial<Record<Priority, SlaTarget>>;
  pauseStatuses: string[];
  conditions: SlaConditions | null;
  createdAt: string;
  updatedAt: string;
}
export interface SlaPolicyInput {
  name: string;
  calendarId: string | null;
  active: boolean;
  position: number;
  targets: Partial<Record<Priority, SlaTarget>>;
  pauseStatuses: string[];
  conditions: SlaConditions | null;
}

export const WEBHOOK_EVENTS = ['ticket.created', 'ticket.updated', 'message.created', 'workflow.notification'] as const;
export type EndpointKind = 'generic' | 'slack' | 'teams';
export interface WebhookEndpoint {
  id: string;
  url: string;
  kind: EndpointKind;
  events: string[];
  active: boolean;
  createdAt: string;
  updatedAt: string;
}
export const WEBHOOK_PRESETS = ['phone-call-summary', 'social-message'] as const;
export interface WebhookSource {
  id: string;
  name: string;
  /** Where the sender POSTs signed deliveries. */
  url: string;
  mapping: unknown;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface OrganisationSecret {
  name: string;
  updatedAt: string;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: { type: 'user' | 'token' | 'system' | 'anonymous'; id: string | null };
  action: string;
  target: { type: string; id: string | null } | null;
  details: Record<string, unknown>;
  redactedAt: string | null;
  hash: string;
  prevHash: string;
}
export interface AuditQuery {
  action?: string;
  actorType?: AuditEntry['actor']['type'];
  targetType?: string;
  limit?: number;
  cursor?: string;
}
export interface AuditVerification {
  ok: boolean;
  checked: number;
  firstBadSeq: number | null;
  problems: { seq: number; message: string }[];
}

const enc = encodeURIComponent;

function query(params: Record<string, string | number | undefined>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') qs.set(k, String(v));
  const text = qs.toString();
  return text ? `?${text}` : '';
}

export const settingsApi = {
  // Users (users.manage)
  listUsers: () => request<{ users: AdminUser[] }>('GET', '/users').then((r) => r.users),
  createUser: (input: CreateUserInput) => request<{ user: AdminUser }>('POST', '/users', input).then((r) => r.user),
  updateUser: (id: string, input: UpdateUserInput) => request<{ user: AdminUser }>('PATCH', `/users/${enc(id)}`, input).then((r) => r.user),
  /** Mails the user a single-use link to choose their password (valid 72 hours). */
  inviteUser: (id: string) => request<{ sentTo: string; expiresAt: string }>('POST', `/users/${enc(id)}/invite`),

  // Teams and agents (directory.read / directory.write)
  listTeams: () => request<{ teams: Team[] }>('GET', '/teams').then((r) => r.teams),
  createTeam: (name: string) => request<{ team: Team }>('POST', '/teams', { name }).then((r) => r.team),
  listAgents: () => request<{ agents: Agent[] }>('GET', '/agents').then((r) => r.agents),
  createAgent: (input: AgentInput) => request<{ agent: Agent }>('POST', '/agents', input).then((r) => r.agent),
  updateAgent: (id: string, input: Omit<AgentInput, 'email'>) => request<{ agent: Agent }>('PATCH', `/agents/${enc(id)}`, input).then((r) => r.agent),

  // Business-hours calendars and SLA policies (sla.read / sla.write)
  listCalendars: () => request<{ calendars: Calendar[] }>('GET', '/calendars').then((r) => r.calendars),
  createCalendar: (input: CalendarInput) => request<{ calendar: Calendar }>('POST', '/calendars', input).then((r) => r.calendar),
  updateCalendar: (id: string, input: CalendarInput) => request<{ calendar: Calendar }>('PUT', `/calendars/${enc(id)}`, input).then((r) => r.calendar),
  deleteCalendar: (id: string) => request<null>('DELETE', `/calendars/${enc(id)}`),
  listPolicies: () => request<{ policies: SlaPolicy[] }>('GET', '/sla-policies').then((r) => r.policies),
  createPolicy: (input: SlaPolicyInput) => request<{ policy: SlaPolicy }>('POST', '/sla-policies', input).then((r) => r.policy),
  updatePolicy: (id: string, input: SlaPolicyInput) => request<{ policy: SlaPolicy }>('PUT', `/sla-policies/${enc(id)}`, input).then((r) => r.policy),
  deletePolicy: (id: string) => request<null>('DELETE', `/sla-policies/${enc(id)}`),

  // Webhooks (integrations.manage)
  listEndpoints: () => request<{ endpoints: WebhookEndpoint[] }>('GET', '/webhook-endpoints').then((r) => r.endpoints),
  createEndpoint: (input: { url: string; kind: EndpointKind; events: string[] }) => request<{ endpoint: WebhookEndpoint; secret: string }>('POST', '/webhook-endpoints', input),
  updateEndpoint: (id: string, input: { active?: boolean; events?: string[]; url?: string }) =>
    request<{ endpoint: WebhookEndpoint }>('PATCH', `/webhook-endpoints/${enc(id)}`, input).then((r) => r.endpoint),
  deleteEndpoint: (id: string) => request<null>('DELETE', `/webhook-endpoints/${enc(id)}`),
  listSources: () => request<{ sources: WebhookSource[] }>('GET', '/webhook-sources').then((r) => r.sources),
  createSource: (input: { name: string; preset: string }) => request<{ source: WebhookSource; secret: string }>('POST', '/webhook-sources', input),
  deleteSource: (id: string) => request<null>('DELETE', `/webhook-sources/${enc(id)}`),

  // Organisation (settings.manage)
  listSecrets: () => request<{ secrets: OrganisationSecret[] }>('GET', '/settings/secrets').then((r) => r.secrets),
  setSecret: (name: string, value: string) => request<{ secret: OrganisationSecret }>('PUT', `/settings/secrets/${enc(name)}`, { value }).then((r) => r.secret),
  deleteSecret: (name: string) => request<null>('DELETE', `/settings/secrets/${enc(name)}`),
  getRetention: () => request<{ closedTicketDays: number | null }>('GET', '/settings/retention').then((r) => r.closedTicketDays),
  setRetention: (closedTicketDays: number | null) => request<{ closedTicketDays: number | null }>('PUT', '/settings/retention', { closedTicketDays }).then((r) => r.closedTicketDays),

  // Audit log (audit.read)
  listAudit: (q: AuditQuery = {}) => request<{ entries: AuditEntry[]; nextCursor: string | null }>('GET', `/audit${query({ ...q })}`),
  verifyAudit: () => request<AuditVerification>('GET', '/audit/verify'),
};
