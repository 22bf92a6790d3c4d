// The runtime's hot SQL, as fixed texts with numbered parameters (reviewable in one place, like pg-boss's
// plans.ts). The texts never vary with the number of history rows or tasks — rows travel as one JSON
// parameter each — so every connection prepares them once and reuses the plan.
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

/**
 * Applies one event's steps: a compare-and-set of the run row (it moves only if `sequence` is still the one
 * the engine stepped from and the event key is not in the history yet), and — joined to that update, so
 * they happen only if it did — the history rows, closed and opened tasks and the ticket status. Always
 * returns one row: the run's columns, all null when the compare-and-set did not match. With $17 true a
 * mismatch raises instead (SQLSTATE 40001 from flowdesk_run_moved), which rolls back the statements
 * batched after this one (the pg-boss job inserts).
 *
 * Index writes (migration 0013): the run update changes no indexed column, so it is a HOT update; a task
 * is closed by (run, node, visit), the key of `tasks_run_node_idx`, and only `status` changes, so closing
 * is a HOT update too. A task's id is the effect key run:sequence:index, unique because the sequence is.
 *
 *  $1 run id            $2 expected sequence   $3 new sequence      $4 snapshot (jsonb text)
 *  $5 state             $6 status              $7 error             $8 now (updated_at)
 *  $9 completed_at      $10 event key|null     $11 history rows     $12 nodes left (text[])
 *  $13 their visits (int[], the visit whose task closes)            $14 tasks to open
 *  $15 ticket id|null   $16 ticket status      $17 raise on mismatch
 */
export const WRITE_STEPS = {
  name: 'flowdesk_write_steps_v2',
  text: `
    WITH moved AS (
      UPDATE runs
      SET snapshot = $4::jsonb, state = $5::text, status = $6::text, sequence = $3::int, error = $7::text,
          updated_at = $8::timestamptz, completed_at = $9::timestamptz
      WHERE id = $1::uuid AND sequence = $2::int
        AND ($10::text IS NULL OR NOT EXISTS (SELECT 1 FROM run_history h WHERE h.run_id = $1::uuid AND h.event_key = $10::text))
      RETURNING ${RUN_COLUMNS}
    ),
    history AS (
      INSERT INTO run_history (run_id, sequence, event, from_state, to_state, effects, event_key, at)
      SELECT moved.id, h.sequence, h.event, h.from_state, h.to_state, h.effects, h.event_key, h.at
      FROM moved, jsonb_to_recordset($11::jsonb)
        AS h(sequence int, event jsonb, from_state text, to_state text, effects jsonb, event_key text, at timestamptz)
    ),
    closed_tasks AS (
      UPDATE tasks SET status = 'done'
      FROM moved
      WHERE tasks.run_id = $1::uuid AND (tasks.node_id, tasks.visit) IN (SELECT * FROM unnest($12::text[], $13::int[]))
        AND tasks.status = 'open'
    ),
    opened_tasks AS (
      INSERT INTO tasks (id, run_id, node_id, visit, kind, title, assignee)
      SELECT t.id, moved.id, t.node_id, t.visit, t.kind, t.title, t.assignee
      FROM moved, jsonb_to_recordset($14::jsonb) AS t(id text, node_id text, visit int, kind text, title text, assignee jsonb)
    ),
    ticket_status AS (
      UPDATE tickets SET status = $16::text, updated_at = $8::timestamptz
      FROM moved
      WHERE tickets.id = $15::uuid
    )
    SELECT moved.*, CASE WHEN moved.id IS NULL AND $17::boolean THEN flowdesk_run_moved($1::uuid, $2::int) END AS stale
    FROM (VALUES (1)) AS one (x) LEFT JOIN moved ON true`,
} as const;

/** SQLSTATE of flowdesk_run_moved(): the run is no longer at the expected sequence (or the key was applied). */
export const RUN_MOVED_SQLSTATE = '40001';

export function statement(sql: { name: string; text: string }, values: unknown[]): BatchStatement {
  return { name: sql.name, text: sql.text, values };
}
