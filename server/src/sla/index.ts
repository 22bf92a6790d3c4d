// The SLA engine: business-hours arithmetic (pure), policies and per-ticket SLA state, breach timers.
// See docs/sla.md. The ticketing service calls applySla on creation and onTicketChanged on changes; the
// REST routes administer an organisation's calendars and policies through admin.ts (scoped and audited).
export * from './business-hours.ts';
export {
  applySla,
  onTicketChanged,
  getTicketSla,
  pickPolicy,
  conditionsMatch,
  loadCalendar,
  calendarOf,
  calendarSelection,
  SLA_QUEUE,
  STOP_STATUSES,
  DEFAULT_PAUSE_STATUSES,
  SLA_METRICS,
  type SlaExecutor,
  type SlaBoss,
  type SlaJobData,
  type TicketChange,
  type TicketSlaView,
  type MetricView,
  type MetricStatus,
} from './service.ts';
export {
  listCalendars,
  getCalendar,
  createCalendar,
  updateCalendar,
  deleteCalendar,
  listPolicies,
  getPolicy,
  createPolicy,
  updatePolicy,
  deletePolicy,
  SLA_AUDIT_ACTIONS,
  type SlaChangeOrigin,
  type CalendarInput,
  type PolicyInput,
} from './admin.ts';
export { handleSlaTimer, breachEventKey, SLA_BREACHED_EVENT, type SlaWorkerDeps, type BreachOutcome } from './worker.ts';
export type { SlaMetric, SlaTarget, SlaTargets, SlaConditions, TicketSlaRow, SlaBreachRow, SlaPolicyRow, CalendarRow } from '../db/tables/sla.ts';
