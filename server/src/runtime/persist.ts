// Writes the outcome of one applied event: append-only history rows, the new run snapshot, the inline
// bookkeeping effects and the effect jobs (enqueued through pg-boss in the same transaction, so a rollback
// removes them and a commit keeps them — never one without the other).
//
// planWrite() turns the engine's steps into the parameters of WRITE_STEPS (sql.ts) and the pg-boss jobs.
// Two ways run the plan, with the same SQL:
// - writeInTransaction(): inside a Kysely transaction that holds the run's row lock (startRun, events with
//   beforePersist, the fallback path), pg-boss jobs through fromKysely(trx);
// - jobStatements() + runBatch(): one round trip and one implicit transaction (runtime.ts, the fast path).
import { createHash } from 'node:crypto';
import { CompiledQuery, type Transaction } from 'kysely';
import { fromKysely, type JobInsert, type PgBoss } from 'pg-boss';
import type { Effect, RunSnapshot } from '@flowdesk/engine';
import type { Database, Run, RunStatusColumn } from '../db/types.ts';
import type { BatchStatement } from './pg-batch.ts';
import { TIMER_QUEUE, WORK_QUEUE } from './queues.ts';
import { WRITE_STEPS } from './sql.ts';

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
}

export interface WritePlan {
  /** Parameters $1..$16 of WRITE_STEPS ($17, raise on mismatch, is the caller's choice). */
  values: unknown[];
  snapshotJson: string;
  sequence: number;
  workJobs: JobInsert<WorkJobData>[];
  timerJobs: JobInsert<TimerJobData>[];
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
  const timerJobs: JobInsert<TimerJobData>[] = [];
  const tasks: TaskRow[] = [];
  // A task is closed by (run, node, visit): the visit a node is left in is the one it was last entered in,
  // from an earlier step of this event or else from the snapshot the steps start from.
  const visits: Record<string, number> = { ...write.previousVisits };
  const leftNodes: string[] = [];
  const leftVisits: number[] = [];
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
    }
    for (const [effectIndex, effect] of step.effects.entries()) {
      const key = `${runId}:${sequence}:${effectIndex}`;
      switch (effect.type) {
        case 'timer.schedule':
          timerJobs.push({
            data: { runId, key, nodeId: effect.nodeId, visit: effect.visit, timerId: effect.timerId, fireAt: effect.fireAt },
            startAfter: effect.fireAt,
          });
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

  const snapshotJson = JSON.stringify(write.snapshot);
  const values = [
    runId,
    write.previousSequence,
    sequence,
    snapshotJson,
    write.state,
    write.status,
    write.error,
    now,
    write.status === 'completed' ? now : null,
    write.eventKey,
    JSON.stringify(history),
    leftNodes,
    leftVisits,
    JSON.stringify(tasks),
    ticketStatus !== null ? write.ticketId : null,
    ticketStatus,
  ];
  return { values, snapshotJson, sequence, workJobs, timerJobs };
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
  const result = await trx.executeQuery<Record<string, unknown>>(CompiledQuery.raw(WRITE_STEPS.text, [...plan.values, false]));
  const run = movedRun(result.rows[0], write.snapshot);
  if (!run) throw new Error(`run ${write.runId} was not at sequence ${write.previousSequence} although its row was locked`);
  const db = fromKysely(trx);
  if (plan.workJobs.length > 0) await boss.insert(WORK_QUEUE, plan.workJobs, { db });
  if (plan.timerJobs.length > 0) await boss.insert(TIMER_QUEUE, plan.timerJobs, { db });
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
  await insert(TIMER_QUEUE, plan.timerJobs);
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
