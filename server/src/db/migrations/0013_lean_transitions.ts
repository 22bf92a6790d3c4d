// Fewer index writes per durable transition (issue 3, docs/benchmarks.md). Every applied event updates
// its `runs` row and usually closes one `tasks` row and opens another; before this migration each of
// those updates was a non-HOT update that added a new entry to every index of the table.
//
// - runs: `runs_status_idx (status, updated_at)` is dropped. `updated_at` changes on every event, so the
//   index made every run update non-HOT (4 index entries per event). No query needs it: the run list
//   filters by status but orders and pages by (created_at, id) through `runs_created_idx`; the ticket's
//   active runs come through `runs_ticket_idx`. With no indexed column changing and a fillfactor that
//   leaves room on the page, a run update is a HOT update: no index entry at all.
// - tasks: `tasks_run_idx (run_id, status)` becomes `tasks_run_node_idx (run_id, node_id, visit)`. The
//   runtime closes the exact task it opened (run, node, visit), so `status` needs no index, closing a
//   task is a HOT update, and a run's tasks are still found by run_id (retention, erasure).
// Frozen in time: never import application code here.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('runs_status_idx').ifExists().execute();
  // Room for the next version of a row on its own page (HOT needs it); applies to pages written from now on.
  await sql`ALTER TABLE runs SET (fillfactor = 70)`.execute(db);
  await db.schema.createIndex('tasks_run_node_idx').on('tasks').columns(['run_id', 'node_id', 'visit']).execute();
  await db.schema.dropIndex('tasks_run_idx').ifExists().execute();
  await sql`ALTER TABLE tasks SET (fillfactor = 80)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE tasks RESET (fillfactor)`.execute(db);
  await db.schema.createIndex('tasks_run_idx').on('tasks').columns(['run_id', 'status']).execute();
  await db.schema.dropIndex('tasks_run_node_idx').ifExists().execute();
  await sql`ALTER TABLE runs RESET (fillfactor)`.execute(db);
  await db.schema.createIndex('runs_status_idx').on('runs').columns(['status', 'updated_at']).execute();
}
