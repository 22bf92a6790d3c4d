// Workflow timers wait in our own table until they are nearly due (issue 3, docs/architecture.md "Timers").
//
// Before: every `timer.schedule` effect became a pg-boss job (startAfter = fire time) in the transaction of
// the event that scheduled it. Most workflow timers are escalations that never fire — the task is done
// before the deadline — so pg-boss stored (and later expired) a job for each, and every transition paid
// pg-boss's insert (a separate statement into a partition with 17 indexes, a foreign key to its queue).
// Now the transition writes one narrow row here, in the same statement as its history row; leaving the
// node (or completing the run) deletes the node's pending timers in that statement too. The timer pump
// (server/src/runtime/timer-pump.ts, in every worker process) moves rows that are due within its lookahead
// into pg-boss jobs with startAfter = fire time, deleting them in the same transaction, so a timer is
// always in exactly one place: pending here, or a pg-boss job. Timers that were pg-boss jobs before this
// migration stay there and fire (or are ignored as stale) as before.
// Frozen in time: never import application code here.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('run_timers')
    // No foreign key to runs: rows are only written joined to the run's compare-and-set update (like
    // run_history), and the code that deletes runs deletes their timers (gdpr/retention.ts).
    .addColumn('run_id', 'uuid', (c) => c.notNull())
    /** The scheduling effect's key "<run>:<sequence>:<effect index>", the timer.fired event's idempotency key. */
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('visit', 'integer', (c) => c.notNull())
    .addColumn('timer_id', 'text', (c) => c.notNull())
    .addColumn('fire_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('run_timers_pkey', ['run_id', 'key'])
    .execute();
  // The pump takes the earliest due rows first.
  await db.schema.createIndex('run_timers_fire_at_idx').on('run_timers').column('fire_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('run_timers').ifExists().execute();
}
