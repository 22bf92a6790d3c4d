// The engine's data: what goes into step() and what comes out. Everything here is plain JSON so it can be
// stored in Postgres, sent over HTTP and replayed in the browser simulator.
import type { ActionStep, AssigneeRef, NodeKind, RuleParams, TopLevelCondition } from '@flowdesk/schema';

/** Facts the rules and guards see. The ticket is whatever the server (or simulator) passes in. */
export type Ticket = Record<string, unknown>;

export interface RunContext {
  ticket: Ticket;
  /** How many times each node has been entered; effects and events carry the visit so stale ones are ignored. */
  visits: Record<string, number>;
  /** Output recorded per node id for its latest visit (AI result, form data, rule outcome, votes...). */
  results: Record<string, unknown>;
  /** Approval votes per node id for the current visit: approver -> decision. */
  votes: Record<string, Record<string, 'approve' | 'reject'>>;
  /** Set when a node's work failed and the node has no `error` edge: the run is stuck until retried. */
  failure: { nodeId: string; visit: number; error: string } | null;
  /** The end status once an end node is reached. */
  endStatus: 'resolved' | 'closed' | 'cancelled' | null;
}

/** Every event carries `at` (ISO time given by the caller): the engine never reads the clock. */
interface EventBase {
  at: string;
  /** Optional fresh ticket facts; merged (shallow) into context.ticket before transitions are chosen. */
  ticket?: Ticket;
}

/** The answer to a work effect (rules, AI, action) of node `nodeId` during visit `visit`. */
export interface EffectResultEvent extends EventBase {
  type: 'effect.result';
  nodeId: string;
  visit: number;
  outcome: string;
  output?: unknown;
  error?: string;
}
/** A human submitted the form of a task with one of its actions. */
export interface TaskSubmitEvent extends EventBase {
  type: 'task.submit';
  nodeId: string;
  visit?: number;
  action: string;
  data?: Record<string, unknown>;
  actor?: string;
}
export interface ApprovalVoteEvent extends EventBase {
  type: 'approval.vote';
  nodeId: string;
  visit?: number;
  approver: string;
  decision: 'approve' | 'reject';
  comment?: string;
}
export interface TimerFiredEvent extends EventBase {
  type: 'timer.fired';
  nodeId: string;
  visit: number;
  timerId: string;
}
/** Something happened to the ticket (customer replied, field changed...). Resumes waits listening for `name`. */
export interface TicketEvent extends EventBase {
  type: 'ticket.event';
  name: string;
}

/**
 * Internal to migrateRun(): re-enter the run at node `target` of a newer version. Not a RunEvent: step()
 * never accepts it; only the migration machine (migrate.ts) has transitions for it.
 */
export interface RunMigrateEvent extends EventBase {
  type: 'run.migrate';
  target: string;
}

export type RunEvent = EffectResultEvent | TaskSubmitEvent | ApprovalVoteEvent | TimerFiredEvent | TicketEvent;

// ---- effects: data describing work for the outside world ----
interface EffectBase {
  nodeId: string;
  visit: number;
}
/** Evaluate a rule node's rule sets (json-rules-engine is async, so this is work, not a guard). */
export interface EvaluateRulesEffect extends EffectBase {
  type: 'rules.evaluate';
  rules: RuleParams;
}
export interface AiTaskEffect extends EffectBase {
  type: 'ai.run';
  task: 'classify' | 'sentiment' | 'assign' | 'recommend' | 'draft';
  params: Record<string, unknown>;
}
export interface ActionEffect extends EffectBase {
  type: 'action.execute';
  steps: ActionStep[];
}
export interface ScheduleTimerEffect extends EffectBase {
  type: 'timer.schedule';
  timerId: string;
  /**
   * ISO time: the triggering event's `at` plus the duration. For a business-hours timer that is the earliest
   * the timer can be due; the server replaces it with the due instant in the calendar before scheduling.
   */
  fireAt: string;
  /** Present when the duration counts business hours only (the duration's `businessHours` param). */
  businessHours?: BusinessHoursTimer;
}
export interface BusinessHoursTimer {
  /** When counting starts (the event's `at`). */
  from: string;
  /** Business time to count, in ms. */
  durationMs: number;
  /** The calendar the definition names (by name); absent: the ticket's SLA calendar. */
  calendar?: string;
  /** Set by the server when it computed fireAt: the calendar it counted in ("24/7" when none applied). */
  countedIn?: string;
}
export interface AwaitFormEffect extends EffectBase {
  type: 'task.open';
  title: string;
  assignee: AssigneeRef;
  form?: string;
  actions: { id: string; label: string }[];
}
export interface AwaitApprovalEffect extends EffectBase {
  type: 'approval.open';
  title: string;
  approvers: AssigneeRef[];
  required: number;
}
export interface CompleteEffect extends EffectBase {
  type: 'run.complete';
  status: 'resolved' | 'closed' | 'cancelled';
}

export type Effect =
  | EvaluateRulesEffect
  | AiTaskEffect
  | ActionEffect
  | ScheduleTimerEffect
  | AwaitFormEffect
  | AwaitApprovalEffect
  | CompleteEffect;

/** The persisted run state: XState's persisted snapshot (JSON). Treat as opaque outside the engine. */
export type RunSnapshot = Record<string, unknown> & { value: unknown; context: RunContext; status: string };

export interface StepResult {
  snapshot: RunSnapshot;
  effects: Effect[];
  /** Whether the event caused a transition (false: stale or irrelevant event, snapshot unchanged). */
  changed: boolean;
  /** State (node id) before and after. */
  from: string | null;
  to: string;
  /** Set when the event was ignored (changed: false): a sentence saying why, for API users and the run inspector. */
  ignoredReason?: string;
}

/** What advance() applied: one record per event, in order (the start counts as a `run.start` event). */
export interface RunStartEvent {
  type: 'run.start';
  at: string;
  ticket: Ticket;
}
export interface StepRecord {
  event: RunEvent | RunStartEvent;
  from: string | null;
  to: string;
  /** External effects only (internal `rules.evaluate` effects were resolved in-process). */
  effects: Effect[];
  changed: boolean;
}
export interface AdvanceResult {
  snapshot: RunSnapshot;
  steps: StepRecord[];
  /** All external effects of all steps, in order. */
  effects: Effect[];
  /** Set when the input event itself was ignored (then `steps` is empty and the snapshot is the one passed in). */
  ignoredReason?: string;
}
export type AdvanceInput = { start: { ticket: Ticket; at: string } } | { event: RunEvent };

export type RunStatus = 'running' | 'waiting' | 'stuck' | 'completed';

export interface TriggerCheck {
  kind: NodeKind;
  conditions?: TopLevelCondition;
}

/** The history record of a migration: the first step migrateRun() reports. */
export interface RunMigratedEvent {
  type: 'run.migrated';
  at: string;
  /** Node the run was at in the old version. */
  from: string;
  /** Node of the new version it was re-entered at. */
  to: string;
  /** Caller's details (the server adds fromVersion / toVersion). */
  [detail: string]: unknown;
}

export interface MigrationStep extends Omit<StepRecord, 'event'> {
  event: StepRecord['event'] | RunMigratedEvent;
}

export interface MigrateResult {
  snapshot: RunSnapshot;
  /** The run.migrated step (old node -> target), then one step per rule node resolved in-process. */
  steps: MigrationStep[];
  /** All external effects of all steps, in order (the target's entry effects first). */
  effects: Effect[];
}
