// Writes the outcome of one applied event, inside the caller's transaction: append-only history rows,
// the new run snapshot, the inline bookkeeping effects and the effect jobs (enqueued through pg-boss on
// the same transaction, so a rollback removes them and a commit keeps them — never one without the other).
import type { Insertable, Transaction } from 'kysely';
import { fromKysely, type JobInsert, type PgBoss } from 'pg-boss';
import type { Effect, RunSnapshot } from '@flowdesk/engine';
import type { Database, Run, RunHistoryTable, RunStatusColumn, TasksTable } from '../db/types.ts';
import { TIMER_QUEUE, WORK_QUEUE } from './queues.ts';

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
}

const json = (value: unknown) => JSON.stringify(value);

export async function persistSteps(trx: Transaction<Database>, boss: PgBoss, write: RunWrite): Promise<Run> {
  const { runId, steps } = write;
  let sequence = write.previousSequence;
  const history: Insertable<RunHistoryTable>[] = [];
  const workJobs: JobInsert<WorkJobData>[] = [];
  const timerJobs: JobInsert<TimerJobData>[] = [];
  const tasks: Insertable<TasksTable>[] = [];
  const leftNodes = new Set<string>();
  let ticketStatus: string | null = null;

  for (const [stepIndex, step] of steps.entries()) {
    sequence += 1;
    history.push({
      run_id: runId,
      sequence,
      event: json(step.event),
      from_state: step.from,
      to_state: step.to,
      effects: json(step.effects),
      event_key: stepIndex === 0 ? write.eventKey : null,
      at: step.event.at,
    });
    if (step.from && step.from !== step.to) leftNodes.add(step.from);
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
          tasks.push({ id: key, run_id: runId, node_id: effect.nodeId, visit: effect.visit, kind: 'task' as const, title: effect.title, assignee: json(effect.assignee) });
          break;
        case 'approval.open':
          tasks.push({ id: key, run_id: runId, node_id: effect.nodeId, visit: effect.visit, kind: 'approval' as const, title: effect.title, assignee: json(effect.approvers) });
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

  // One round trip for all of our own writes: data-modifying CTEs run together, atomically, in the
  // transaction (history rows, closed and opened tasks, ticket status), then the run row is updated.
  let query: any = trx;
  if (history.length > 0) query = query.with('history_rows', (db: any) => db.insertInto('run_history').values(history));
  if (leftNodes.size > 0) {
    query = query.with('closed_tasks', (db: any) =>
      db.updateTable('tasks').set({ status: 'done' }).where('run_id', '=', runId).where('node_id', 'in', [...leftNodes]).where('status', '=', 'open'),
    );
  }
  if (tasks.length > 0) query = query.with('opened_tasks', (db: any) => db.insertInto('tasks').values(tasks).onConflict((oc: any) => oc.column('id').doNothing()));
  if (ticketStatus && write.ticketId) {
    query = query.with('ticket_status', (db: any) => db.updateTable('tickets').set({ status: ticketStatus, updated_at: new Date() }).where('id', '=', write.ticketId));
  }
  const run = (await query
    .updateTable('runs')
    .set({
      snapshot: json(write.snapshot),
      state: write.state,
      status: write.status,
      sequence,
      error: write.error,
      updated_at: new Date(),
      completed_at: write.status === 'completed' ? new Date() : null,
    })
    .where('id', '=', runId)
    .returningAll()
    .executeTakeFirstOrThrow()) as Run;
  const db = fromKysely(trx);
  if (workJobs.length > 0) await boss.insert(WORK_QUEUE, workJobs, { db });
  if (timerJobs.length > 0) await boss.insert(TIMER_QUEUE, timerJobs, { db });
  return run;
}
