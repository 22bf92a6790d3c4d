// The database schema as Kysely types. Keep in step with migrations/ (the source of truth).
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { Computed, Json, JsonWithDefault, NullableTimestamp, Timestamp } from './column-types.ts';
import type { TicketingTables } from './tables/ticketing.ts';
import type { SlaTables } from './tables/sla.ts';
import type { EmailTables } from './tables/email.ts';
import type { WebhookTables } from './tables/webhooks.ts';
import type { AiTables } from './tables/ai.ts';
import type { AuthTables } from './tables/auth.ts';
import type { AuditTables } from './tables/audit.ts';

export interface WorkflowsTable {
  id: Generated<string>;
  key: string;
  name: string;
  /** The editable draft; publishing copies it into an immutable workflow_versions row. */
  draft: Json<unknown>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WorkflowVersionsTable {
  id: Generated<string>;
  workflow_id: string;
  version: number;
  definition: Json<unknown>;
  note: string | null;
  published_at: Timestamp;
}

export interface TicketsTable {
  id: Generated<string>;
  /** Human-friendly ticket number, e.g. shown as "#1042" and used as the token in email subjects. */
  number: Generated<string>;
  organisation_id: Generated<string>;
  customer_id: string | null;
  subject: string;
  body: string;
  /** open | pending | waiting_customer | on_hold | resolved | closed | cancelled */
  status: Generated<string>;
  /** low | normal | high | urgent */
  priority: Generated<string>;
  /** api | email | portal | web_form | chat | phone | social | webhook */
  channel: Generated<string>;
  fields: JsonWithDefault<Record<string, unknown>>;
  tags: Generated<string[]>;
  /** Weighted full-text vector over subject (A) and body (B), computed by Postgres. */
  search: Computed<string>;
  assignee_agent_id: string | null;
  team_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  first_responded_at: NullableTimestamp;
  resolved_at: NullableTimestamp;
}

export type RunStatusColumn = 'running' | 'waiting' | 'stuck' | 'completed';

export interface RunsTable {
  id: Generated<string>;
  workflow_version_id: string;
  ticket_id: string | null;
  status: RunStatusColumn;
  /** Current node id (the XState state value), for listing and the inspector. */
  state: string;
  snapshot: Json<unknown>;
  /** Number of history rows; the next applied event gets sequence + 1. */
  sequence: number;
  error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  completed_at: Timestamp | null;
}

export interface RunHistoryTable {
  /** Primary key: (run_id, sequence). */
  run_id: string;
  sequence: number;
  event: Json<unknown>;
  from_state: string | null;
  to_state: string;
  effects: Json<unknown>;
  /** Idempotency key of the event (e.g. "<run>:<seq>:<effect index>" for effect results); unique per run. */
  event_key: string | null;
  /** Event time as given by the event (`at`). */
  at: Timestamp;
  recorded_at: Timestamp;
}

export interface TasksTable {
  /** The effect key that opened it, so a retried effect cannot open it twice. */
  id: string;
  run_id: string;
  node_id: string;
  visit: number;
  kind: 'task' | 'approval';
  title: string;
  assignee: Json<unknown>;
  /** Not indexed (migration 0013): the runtime closes a task by (run_id, node_id, visit), a HOT update. */
  status: Generated<'open' | 'done' | 'cancelled'>;
  created_at: Timestamp;
}

/** A workflow timer not yet handed to pg-boss (migration 0016, runtime/timer-pump.ts). */
export interface RunTimersTable {
  run_id: string;
  /** The scheduling effect's key, also the timer.fired event's idempotency key. Primary key: (run_id, key). */
  key: string;
  node_id: string;
  visit: number;
  timer_id: string;
  fire_at: Timestamp;
}

/** Every table; each migration's tables live in their own file under tables/ and are joined here. */
export interface Database extends TicketingTables, SlaTables, AiTables, WebhookTables, EmailTables, AuthTables, AuditTables {
  workflows: WorkflowsTable;
  workflow_versions: WorkflowVersionsTable;
  tickets: TicketsTable;
  runs: RunsTable;
  run_history: RunHistoryTable;
  tasks: TasksTable;
  run_timers: RunTimersTable;
}

export type Workflow = Selectable<WorkflowsTable>;
export type WorkflowVersion = Selectable<WorkflowVersionsTable>;
export type Ticket = Selectable<TicketsTable>;
export type NewTicket = Insertable<TicketsTable>;
export type Run = Selectable<RunsTable>;
export type RunUpdate = Updateable<RunsTable>;
export type RunHistoryRow = Selectable<RunHistoryTable>;
