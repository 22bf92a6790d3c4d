// The runtime's hot SQL, as fixed texts with numbered parameters (reviewable in one place, like pg-boss's
// plans.ts). The texts never vary with the number of history rows or tasks — rows travel as one JSON
// parameter each — so every connection prepares each text once and reuses the plan.
import type { BatchStatement } from './pg-batch.ts';

/** Columns of `runs` the runtime hands back, without the snapshot (the caller already has it). */
const RUN_COLUMNS = 'id, workflow_version_id, ticket_id, status, state, sequence, error, created_at, updated_at, completed_at';

/**
 * Reads a run and whether an event key was already applied to it, without locking (the write below is a
 * compare-and-set on `sequence`, so a read that is stale by the time we write is detected there).
 * $1 run id, $2 event key or null.
 */
export const LOAD_RUN = {
  name: 'flowdesk_load_run_v1',
  text: `
    SELECT r.${RUN_COLUMNS.split(', ').join(', r.')}, r.snapshot,
      (SELECT h.sequence FROM run_history h WHERE h.run_id = r.id AND h.event_key = $2::text) AS seen_sequence
    FROM runs r
    WHERE r.id = $1::uuid`,
} as const;

/** Which parts of WRITE_STEPS an event needs; the others are left out of the statement. */
export interface WriteParts {
  /** Close the tasks of the nodes left ($left_nodes/$left_visits). */
  closeTasks: boolean;
  /** Open tasks ($tasks). */
  openTasks: boolean;
  /** Set the ticket's status (the run completed). */
  ticketStatus: boolean;
  /** Delete pending timers: of the nodes and groups left ($cancel_nodes/$cancel_visits), or all of the run's (it completed). */
  cancelTimers: 'none' | 'left' | 'all';
  /** Insert run_timers rows ($timers). */
  scheduleTimers: boolean;
}

/** The values of WRITE_STEPS by name; a variant binds only the ones its parts use. */
export interface WriteParams {
  run_id: string;
  expected_sequence: number;
  sequence: number;
  /** jsonb text */
  snapshot: string;
  state: string;
  status: string;
  error: string | null;
  now: Date;
  completed_at: Date | null;
  event_key: string | null;
  /** JSON array of run_history rows. */
  history: string;
  left_nodes: string[];
  /** The visit each left node is left in (the task of that visit closes). */
  left_visits: number[];
  /** Nodes and groups whose pending timers of the given visit are deleted (cancelTimers 'left'). */
  cancel_nodes: string[];
  cancel_visits: number[];
  /** JSON array of tasks rows. */
  tasks: string;
  ticket_id: string | null;
  ticket_status: string | null;
  /** JSON array of run_timers rows. */
  timers: string;
  /** A compare-and-set miss raises (SQLSTATE 40001) instead of returning an empty row. */
  raise: boolean;
}

/**
 * WRITE_STEPS applies one event's steps: a compare-and-set of the run row (it moves only if `sequence` is
 * still the one the engine stepped from and the event key is not in the history yet), and — joined to that
 * update, so they happen only if it did — the history rows, closed and opened tasks, the ticket status and
 * the run's timers (migration 0016: the timers the steps schedule go into run_timers; the pending timers of
 * the nodes and groups left — or all of the run's, when it completes — are deleted, since they could only fire as
 * stale events; the timer pump hands due rows to pg-boss). Always returns one row: the run's columns, all
 * null when the compare-and-set did not match. With `raise` a mismatch raises instead (SQLSTATE 40001 from
 * flowdesk_run_moved), which rolls back the statements batched after this one (the pg-boss job inserts).
 *
 * The statement holds only the parts the event needs (writeSteps(parts)): a data-modifying CTE costs
 * executor start-up and a join with `moved` even when it has nothing to do. There are at most 48 variants,
 * each a fixed text with its own prepared-statement name, so each connection still plans each once.
 *
 * Index writes (migration 0013): the run update changes no indexed column, so it is a HOT update; a task
 * is closed by (run, node, visit), the key of `tasks_run_node_idx`, and only `status` changes, so closing
 * is a HOT update too. A task's id is the effect key run:sequence:index, unique because the sequence is.
 */
export function writeSteps(parts: WriteParts): { name: string; text: string; params: (keyof WriteParams)[] } {
  const id = `${+parts.closeTasks}${+parts.openTasks}${+parts.ticketStatus}${parts.cancelTimers[0]}${+parts.scheduleTimers}`;
  let variant = writeVariants.get(id);
  if (!variant) writeVariants.set(id, (variant = buildWriteSteps(parts, `flowdesk_write_steps_v3_${id}`)));
  return variant;
}

const writeVariants = new Map<string, { name: string; text: string; params: (keyof WriteParams)[] }>();

function buildWriteSteps(parts: WriteParts, name: string): { name: string; text: string; params: (keyof WriteParams)[] } {
  const params: (keyof WriteParams)[] = [];
  // $n of a named value, numbered in order of first use, so every parameter of the text is referenced.
  const $ = (param: keyof WriteParams) => {
    let index = params.indexOf(param);
    if (index < 0) index = params.push(param) - 1;
    return `$${index + 1}`;
  };
  const ctes = [
    `moved AS (
      UPDATE runs
      SET snapshot = ${$('snapshot')}::jsonb, state = ${$('state')}::text, status = ${$('status')}::text, sequence = ${$('sequence')}::int,
          error = ${$('error')}::text, updated_at = ${$('now')}::timestamptz, completed_at = ${$('completed_at')}::timestamptz
      WHERE id = ${$('run_id')}::uuid AND sequence = ${$('expected_sequence')}::int
        AND (${$('event_key')}::text IS NULL OR NOT EXISTS (SELECT 1 FROM run_history h WHERE h.run_id = ${$('run_id')}::uuid AND h.event_key = ${$('event_key')}::text))
      RETURNING ${RUN_COLUMNS}
    )`,
    `history AS (
      INSERT INTO run_history (run_id, sequence, event, from_state, to_state, effects, event_key, at)
      SELECT moved.id, h.sequence, h.event, h.from_state, h.to_state, h.effects, h.event_key, h.at
      FROM moved, jsonb_to_recordset(${$('history')}::jsonb)
        AS h(sequence int, event jsonb, from_state text, to_state text, effects jsonb, event_key text, at timestamptz)
    )`,
  ];
  if (parts.closeTasks) {
    ctes.push(`closed_tasks AS (
      UPDATE tasks SET status = 'done'
      FROM moved
      WHERE tasks.run_id = ${$('run_id')}::uuid AND (tasks.node_id, tasks.visit) IN (SELECT * FROM unnest(${$('left_nodes')}::text[], ${$('left_visits')}::int[]))
        AND tasks.status = 'open'
    )`);
  }
  if (parts.openTasks) {
    ctes.push(`opened_tasks AS (
      INSERT INTO tasks (id, run_id, node_id, visit, kind, title, assignee)
      SELECT t.id, moved.id, t.node_id, t.visit, t.kind, t.title, t.assignee
      FROM moved, jsonb_to_recordset(${$('tasks')}::jsonb) AS t(id text, node_id text, visit int, kind text, title text, assignee jsonb)
    )`);
  }
  if (parts.ticketStatus) {
    ctes.push(`ticket_status AS (
      UPDATE tickets SET status = ${$('ticket_status')}::text, updated_at = ${$('now')}::timestamptz
      FROM moved
      WHERE tickets.id = ${$('ticket_id')}::uuid
    )`);
  }
  if (parts.cancelTimers !== 'none') {
    const which = parts.cancelTimers === 'all' ? '' : ` AND (run_timers.node_id, run_timers.visit) IN (SELECT * FROM unnest(${$('cancel_nodes')}::text[], ${$('cancel_visits')}::int[]))`;
    ctes.push(`cancelled_timers AS (
      DELETE FROM run_timers
      USING moved
      WHERE run_timers.run_id = ${$('run_id')}::uuid${which}
    )`);
  }
  if (parts.scheduleTimers) {
    ctes.push(`scheduled_timers AS (
      INSERT INTO run_timers (run_id, key, node_id, visit, timer_id, fire_at)
      SELECT moved.id, t.key, t.node_id, t.visit, t.timer_id, t.fire_at
      FROM moved, jsonb_to_recordset(${$('timers')}::jsonb) AS t(key text, node_id text, visit int, timer_id text, fire_at timestamptz)
    )`);
  }
  const text = `
    WITH ${ctes.join(',\n    ')}
    SELECT moved.*, CASE WHEN moved.id IS NULL AND ${$('raise')}::boolean THEN flowdesk_run_moved(${$('run_id')}::uuid, ${$('expected_sequence')}::int) END AS stale
    FROM (VALUES (1)) AS one (x) LEFT JOIN moved ON true`;
  return { name, text, params };
}

/** SQLSTATE of flowdesk_run_moved(): the run is no longer at the expected sequence (or the key was applied). */
export const RUN_MOVED_SQLSTATE = '40001';

/** WRITE_STEPS with the parts these values need, as a batch statement. */
export function writeStepsStatement(parts: WriteParts, values: WriteParams): BatchStatement {
  const variant = writeSteps(parts);
  return { name: variant.name, text: variant.text, values: variant.params.map((param) => values[param]) };
}
