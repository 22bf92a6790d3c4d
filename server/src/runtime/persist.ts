// Writes the outcome of one applied event: append-only history rows, the new run snapshot, the inline
// bookkeeping effects, the timers (run_timers rows; the timer pump hands them to pg-boss when they are
// nearly due) and the effect jobs (enqueued through pg-boss in the same transaction, so a rollback
// removes them and a commit keeps them — never one without the other).
//
// planWrite() turns the engine's steps into the parts and values of WRITE_STEPS (sql.ts) and the pg-boss jobs.
// Two ways run the plan, with the same SQL:
// - writeInTransaction(): inside a Kysely transaction that holds the run's row lock (startRun, events with
//   beforePersist, the fallback path), pg-boss jobs through fromKysely(trx);
// - jobStatements() + runBatch(): one round trip and one implicit transaction (runtime.ts, the fast path).
import { createHash } from 'node:crypto';
import { CompiledQuery, type Transaction } from 'kysely';
import { fromKysely, type JobInsert, type PgBoss } from 'pg-boss';
import { compile, type Effect, type RunSnapshot } from '@flowdesk/engine';
import type { WorkflowDefinition } from '@flowdesk/schema';
import type { Database, Run, RunStatusColumn } from '../db/types.ts';
import type { BatchStatement } from './pg-batch.ts';
import { WORK_QUEUE } from './queues.ts';
import { writeStepsStatement, type WriteParams, type WriteParts } from './sql.ts';

/** One applied engine step, as the engine's advance() reports it. */
export interface AppliedStep {
  event: { type: string; at: string } & Record<string, unknown>;
  from: string | null;
  to: string;
  effects: Effect[];
}

export interface WorkJobData {
  runId: string;
  /** Idempotency key "<run>:<history sequence>:<effect index>"; also the result event's key. */
  key: string;
  effect: Effect;
}

export interface TimerJobData {
  runId: string;
  key: string;
  nodeId: string;
  visit: number;
  timerId: string;
  fireAt: string;
}

export interface RunWrite {
  runId: string;
  /** The run's sequence before these steps. */
  previousSequence: number;
  ticketId: string | null;
  steps: AppliedStep[];
  snapshot: RunSnapshot;
  state: string;
  status: RunStatusColumn;
  error: string | null;
  /** Key of the event that caused the first step (dedupes redelivered effect results). */
  eventKey: string | null;
  /** `context.visits` of the snapshot the steps start from ({} for a new run): which task a left node closes. */
  previousVisits: Readonly<Record<string, number>>;
  /**
   * Which nodes of the run's workflow schedule timers and which group each node is in (timerLayoutOf), so a
   * write deletes pending timers only when it leaves a node (or a group) that can have one. Unknown
   * (undefined): every node left is treated as one that may have timers.
   */
  timerLayout?: TimerLayout;
}

export interface TimerLayout {
  /** Nodes whose timers are keyed by their own id: waits, nodes with escalations, groups with a timeout. */
  nodes: ReadonlySet<string>;
  /** Member node -> its group (a group's timer is keyed by the group and lives until the run leaves it). */
  groupOf: ReadonlyMap<string, string>;
}

const timerLayouts = new WeakMap<WorkflowDefinition, TimerLayout>();

export function timerLayoutOf(definition: WorkflowDefinition): TimerLayout {
  let layout = timerLayouts.get(definition);
  if (!layout) {
    const compiled = compile(definition);
    layout = { nodes: new Set([...compiled.timers.values()].map((t) => t.nodeId)), groupOf: compiled.groupOf };
    timerLayouts.set(definition, layout);
  }
  return layout;
}

export interface WritePlan {
  /** The parts of WRITE_STEPS this write needs and its values (`raise`, on a mismatch, is the caller's choice). */
  parts: WriteParts;
  values: Omit<WriteParams, 'raise'>;
  snapshotJson: string;
  sequence: number;
  workJobs: JobInsert<WorkJobData>[];
  /** Timers written to run_timers. */
  timers: TimerRow[];
}

interface HistoryRow {
  sequence: number;
  event: AppliedStep['event'];
  from_state: string | null;
  to_state: string;
  effects: Effect[];
  event_key: string | null;
  at: string;
}

/** A run_timers row as WRITE_STEPS takes it. */
export interface TimerRow {
  key: string;
  node_id: string;
  visit: number;
  timer_id: string;
  fire_at: string;
}

interface TaskRow {
  id: string;
  node_id: string;
  visit: number;
  kind: 'task' | 'approval';
  title: string;
  assignee: unknown;
}

export function planWrite(write: RunWrite, now: Date): WritePlan {
  const { runId, steps } = write;
  let sequence = write.previousSequence;
  const history: HistoryRow[] = [];
  const workJobs: JobInsert<WorkJobData>[] = [];
  let timers: TimerRow[] = [];
  const tasks: TaskRow[] = [];
  // A task is closed by (run, node, visit): the visit a node is left in is the one it was last entered in,
  // from an earlier step of this event or else from the snapshot the steps start from.
  const visits: Record<string, number> = { ...write.previousVisits };
  const leftNodes: string[] = [];
  const leftVisits: number[] = [];
  // The (node, visit) pairs whose pending timers can only fire stale from now on: nodes left, groups left.
  const cancelNodes: string[] = [];
  const cancelVisits: number[] = [];
  const layout = write.timerLayout;
  let ticketStatus: string | null = null;

  for (const [stepIndex, step] of steps.entries()) {
    sequence += 1;
    history.push({
      sequence,
      event: step.event,
      from_state: step.from,
      to_state: step.to,
      effects: step.effects,
      event_key: stepIndex === 0 ? write.eventKey : null,
      at: step.event.at,
    });
    if (step.from && step.from !== step.to) {
      leftNodes.push(step.from);
      leftVisits.push(visits[step.from] ?? 0);
      if (!layout || layout.nodes.has(step.from)) {
        cancelNodes.push(step.from);
        cancelVisits.push(visits[step.from] ?? 0);
      }
      const group = layout?.groupOf.get(step.from);
      if (group !== undefined && layout!.groupOf.get(step.to) !== group && layout!.nodes.has(group)) {
        cancelNodes.push(group);
        cancelVisits.push(visits[group] ?? 0);
      }
    }
    for (const [effectIndex, effect] of step.effects.entries()) {
      const key = `${runId}:${sequence}:${effectIndex}`;
      switch (effect.type) {
        case 'timer.schedule':
          visits[effect.nodeId] = effect.visit;
          timers.push({ key, node_id: effect.nodeId, visit: effect.visit, timer_id: effect.timerId, fire_at: effect.fireAt });
          break;
        case 'task.open':
          visits[effect.nodeId] = effect.visit;
          tasks.push({ id: key, node_id: effect.nodeId, visit: effect.visit, kind: 'task', title: effect.title, assignee: effect.assignee });
          break;
        case 'approval.open':
          visits[effect.nodeId] = effect.visit;
          tasks.push({ id: key, node_id: effect.nodeId, visit: effect.visit, kind: 'approval', title: effect.title, assignee: effect.approvers });
          break;
        case 'run.complete':
          ticketStatus = effect.status;
          break;
        case 'rules.evaluate':
          // advance() resolves rules in-process; one reaching here means the engine changed its contract.
          throw new Error(`rules.evaluate effect for node ${effect.nodeId} was not resolved by the engine`);
        default:
          workJobs.push({ data: { runId, key, effect } });
      }
    }
  }

  // A timer of a node (or group) that a later step of this event leaves, or of a run that completes, could
  // only fire as a stale event: it is not written at all (WRITE_STEPS deletes such timers of earlier events).
  const completed = write.status === 'completed';
  if (completed) timers = [];
  else if (cancelNodes.length > 0 && timers.length > 0) timers = timers.filter((t) => !cancelNodes.some((node, i) => node === t.node_id && cancelVisits[i] === t.visit));
  const snapshotJson = JSON.stringify(write.snapshot);
  const mayHaveTimers = layout === undefined || layout.nodes.size > 0;
  const parts: WriteParts = {
    closeTasks: leftNodes.length > 0,
    openTasks: tasks.length > 0,
    ticketStatus: ticketStatus !== null && write.ticketId !== null,
    cancelTimers: completed && mayHaveTimers ? 'all' : cancelNodes.length > 0 ? 'left' : 'none',
    scheduleTimers: timers.length > 0,
  };
  const values: Omit<WriteParams, 'raise'> = {
    run_id: runId,
    expected_sequence: write.previousSequence,
    sequence,
    snapshot: snapshotJson,
    state: write.state,
    status: write.status,
    error: write.error,
    now,
    completed_at: completed ? now : null,
    event_key: write.eventKey,
    history: JSON.stringify(history),
    left_nodes: leftNodes,
    left_visits: leftVisits,
    cancel_nodes: cancelNodes,
    cancel_visits: cancelVisits,
    tasks: JSON.stringify(tasks),
    ticket_id: ticketStatus !== null ? write.ticketId : null,
    ticket_status: ticketStatus,
    timers: JSON.stringify(timers),
  };
  return { parts, values, snapshotJson, sequence, workJobs, timers };
}

/** The plan's WRITE_STEPS statement; with `raise`, a compare-and-set miss raises (SQLSTATE 40001). */
export function writeStatement(plan: WritePlan, raise: boolean): BatchStatement {
  return writeStepsStatement(plan.parts, { ...plan.values, raise });
}

/** The run row WRITE_STEPS returned (null when its compare-and-set did not match), with the new snapshot. */
export function movedRun(row: Record<string, unknown> | undefined, snapshot: RunSnapshot): Run | null {
  if (!row || row.id === null || row.id === undefined) return null;
  const { stale: _stale, ...columns } = row;
  return { ...(columns as Omit<Run, 'snapshot'>), snapshot };
}

/**
 * Runs the plan inside a Kysely transaction that already holds the run's row lock (or created the run),
 * so the compare-and-set cannot miss; a miss would mean the lock was not held, and throws.
 */
export async function writeInTransaction(trx: Transaction<Database>, boss: PgBoss, write: RunWrite, now = new Date()): Promise<{ run: Run; plan: WritePlan }> {
  const plan = planWrite(write, now);
  const { text, values } = writeStatement(plan, false);
  const result = await trx.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, values));
  const run = movedRun(result.rows[0], write.snapshot);
  if (!run) throw new Error(`run ${write.runId} was not at sequence ${write.previousSequence} although its row was locked`);
  if (plan.workJobs.length > 0) await boss.insert(WORK_QUEUE, plan.workJobs, { db: fromKysely(trx) });
  return { run, plan };
}

/**
 * The pg-boss job inserts of a plan as statements for a batch: one per queue, with all of the plan's jobs
 * for that queue. pg-boss builds each statement (its insert SQL, its queue defaults, its NOTIFY); the
 * adapter only hands the statement to our batch, which executes it on the same connection and in the same
 * transaction as the run's write. The statements are marked mergeable (pg-batch.ts), so a group commit
 * inserts the jobs of all its events for one queue with ONE statement.
 */
export async function jobStatements(boss: PgBoss, plan: WritePlan): Promise<BatchStatement[]> {
  const statements: BatchStatement[] = [];
  const insert = async (queue: string, jobs: JobInsert<object>[]) => {
    if (jobs.length === 0) return;
    let calls = 0;
    await boss.insert(queue, jobs, {
      db: {
        executeSql: async (text: string, values?: unknown[]) => {
          calls += 1;
          const known = bossStatement(queue, text);
          const params = values ?? [];
          const mergeable = known.rowwise && params.length === 1 && typeof params[0] === 'string';
          statements.push(mergeable ? { name: known.name, text: known.text, values: params, merge: 'json-array' } : { name: known.name, text: known.text, values: params });
          return { rows: [] };
        },
      },
    });
    // Our batch must hold every statement pg-boss wanted for this insert; it has always been one.
    if (calls !== 1) throw new Error(`pg-boss insert into ${queue} issued ${calls} statements, expected 1`);
  };
  await insert(WORK_QUEUE, plan.workJobs);
  return statements;
}

interface BossStatement {
  text: string;
  name: string;
  /** The statement inserts one job per element of its JSON-array parameter, independently of the others. */
  rowwise: boolean;
}

/**
 * pg-boss builds its insert text anew on every call (about 3 kB); the last text per queue is kept with its
 * prepared-statement name, so the common case is one string comparison instead of hashing the text.
 */
const bossStatements = new Map<string, BossStatement>();
const statementNames = new Map<string, BossStatement>();

function bossStatement(queue: string, text: string): BossStatement {
  const last = bossStatements.get(queue);
  if (last && last.text === text) return last;
  let known = statementNames.get(text);
  if (!known) {
    known = {
      // Keep the cached string, not the fresh one, so later comparisons hit the same flat string.
      text,
      name: `flowdesk_boss_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`,
      // pg-boss 12's insertJobs: INSERT … SELECT … FROM json_to_recordset($1::text::json) … ON CONFLICT DO
      // NOTHING [RETURNING …], optionally wrapped in a CTE that NOTIFYs once if any row is due now.
      rowwise: /\bjson_to_recordset\(\$1::text::json\)/.test(text) && !/\$2\b/.test(text) && /\bON CONFLICT DO NOTHING\b/.test(text),
    };
    if (statementNames.size > 1000) statementNames.clear();
    statementNames.set(text, known);
  }
  bossStatements.set(queue, known);
  return known;
}
