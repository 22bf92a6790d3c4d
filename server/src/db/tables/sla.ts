// Kysely types of the SLA tables (migration 0004_sla).
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Json, NullableTimestamp, Timestamp } from '../column-types.ts';

export type SlaMetric = 'first_response' | 'resolution';

export interface SlaTarget {
  firstResponseMinutes?: number;
  resolutionMinutes?: number;
}
/** Targets per ticket priority (low | normal | high | urgent); a missing priority or metric has no target. */
export type SlaTargets = Partial<Record<string, SlaTarget>>;

/** All given lists must match; an absent list matches everything. */
export interface SlaConditions {
  priorities?: string[];
  channels?: string[];
  /** The ticket has at least one of these tags. */
  tagsAny?: string[];
  teamIds?: string[];
}

export interface CalendarsTable {
  id: Generated<string>;
  organisation_id: string;
  name: string;
  timezone: string;
  weekly_hours: Json<Record<string, [string, string][]>>;
  /** Postgres date[]. Select it as `holidays::text[]` ("YYYY-MM-DD" strings): pg would parse dates into local-time Dates. */
  holidays: ColumnType<string[], string[] | undefined, string[]>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface SlaPoliciesTable {
  id: Generated<string>;
  organisation_id: string;
  name: string;
  calendar_id: string | null;
  active: Generated<boolean>;
  position: Generated<number>;
  targets: Json<SlaTargets>;
  pause_statuses: ColumnType<string[], string[] | undefined, string[]>;
  conditions: Json<SlaConditions> | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface TicketSlaTable {
  ticket_id: string;
  policy_id: string | null;
  first_response_due_at: NullableTimestamp;
  resolution_due_at: NullableTimestamp;
  paused_since: NullableTimestamp;
  /** bigint: pg returns it as a string. */
  paused_ms: ColumnType<string, number | string | undefined, number | string>;
  first_response_met_at: NullableTimestamp;
  resolution_met_at: NullableTimestamp;
  first_response_breached_at: NullableTimestamp;
  resolution_breached_at: NullableTimestamp;
  version: Generated<number>;
  updated_at: Timestamp;
}

export interface SlaBreachesTable {
  id: Generated<string>;
  ticket_id: string;
  metric: SlaMetric;
  policy_id: string | null;
  due_at: Timestamp;
  breached_at: Timestamp;
  recorded_at: Timestamp;
}

export interface SlaTables {
  calendars: CalendarsTable;
  sla_policies: SlaPoliciesTable;
  ticket_sla: TicketSlaTable;
  sla_breaches: SlaBreachesTable;
}

export type CalendarRow = Selectable<CalendarsTable>;
export type SlaPolicyRow = Selectable<SlaPoliciesTable>;
export type TicketSlaRow = Selectable<TicketSlaTable>;
export type SlaBreachRow = Selectable<SlaBreachesTable>;
