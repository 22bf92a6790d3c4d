// Turns a past run into a saved simulation case (issue 6: "turn any past run into such a case"): its start
// ticket, the events people and workers sent (rule results are left out: the engine evaluates rules itself),
// and what happened as the expectation. Pure: history rows in, a WorkflowTestCase out.
//
// A test case belongs to ONE workflow version: it starts a run of that version from the ticket and replays
// the events. A run that was moved to another version (POST /api/workflows/:id/migrations) has a history
// that spans two versions: the events before the migration were answers to nodes of the old version, the
// ones after it to nodes of the new version, entered in the middle by the migration. Neither half is a case:
// the events since the migration cannot be replayed from the ticket (the engine starts a case at the
// trigger, and the new version's path from the trigger to the mapped node never happened — the migration
// jumped there), and the events before it do not lead to the run's end. Rather than return a case that
// silently fails (or passes for the wrong reason), historyToTestCase refuses such a run with a 409 that
// names the migration(s). See docs/architecture.md, "Run migration".
import type { WorkflowDefinition, WorkflowTestCase, WorkflowTestStep } from '@flowdesk/schema';
import { FlowdeskError } from '../errors.ts';

export interface HistoryEvent {
  event: unknown;
  toState: string;
  fromState: string | null;
  /** The history row's sequence (names a migration in the refusal). */
  sequence?: number;
}

/** A run.migrated entry of a run's history. */
export interface RunMigration {
  sequence: number | null;
  fromVersion: number | null;
  toVersion: number | null;
  from: string;
  to: string;
}

/** The migrations in a run's history, oldest first. */
export function migrationsOf(history: readonly HistoryEvent[]): RunMigration[] {
  const out: RunMigration[] = [];
  for (const entry of history) {
    const e = entry.event as AnyEvent;
    if (e?.type !== 'run.migrated') continue;
    out.push({
      sequence: entry.sequence ?? null,
      fromVersion: typeof e.fromVersion === 'number' ? e.fromVersion : null,
      toVersion: typeof e.toVersion === 'number' ? e.toVersion : null,
      from: String(e.from ?? entry.fromState ?? ''),
      to: String(e.to ?? entry.toState),
    });
  }
  return out;
}

/** "version 1 → 2 at history #4 (node review → triage)" */
export function describeMigration(m: RunMigration): string {
  const versions = `version ${m.fromVersion ?? '?'} → ${m.toVersion ?? '?'}`;
  return `${versions}${m.sequence !== null ? ` at history #${m.sequence}` : ''} (node ${JSON.stringify(m.from)} → ${JSON.stringify(m.to)})`;
}

/** The 409 for a migrated run: names every migration, says why and what to do instead. */
export function migratedRunError(runId: string, migrations: readonly RunMigration[]): FlowdeskError {
  const list = migrations.map(describeMigration).join('; ');
  const message =
    `run ${runId} was moved to another workflow version (${list}): a test case replays one version from the ticket, ` +
    'and this run\'s history spans two, so it cannot be turned into a test case. Use a run that started on the current version, ' +
    'or record the case in the simulator.';
  return new FlowdeskError(
    'FD_CONFLICT',
    409,
    message,
    migrations.map((m) => ({ path: '/params/id', message: `/params/id: migrated ${describeMigration(m)}` })),
  );
}

type AnyEvent = { type?: string; [key: string]: unknown };

export function historyToTestCase(
  definition: WorkflowDefinition,
  history: readonly HistoryEvent[],
  run: { id: string; status: string; endStatus: string | null; state: string },
): WorkflowTestCase {
  const migrations = migrationsOf(history);
  if (migrations.length > 0) throw migratedRunError(run.id, migrations);
  const kinds = new Map(definition.nodes.map((n) => [n.id, n.kind]));
  const first = history[0]?.event as AnyEvent | undefined;
  const ticket = first?.type === 'run.start' && first.ticket && typeof first.ticket === 'object' ? (first.ticket as Record<string, unknown>) : {};
  const steps: WorkflowTestStep[] = [];
  const path: string[] = [];
  for (const entry of history) {
    if (entry.toState !== entry.fromState && kinds.get(entry.toState) !== 'trigger') path.push(entry.toState);
    const e = entry.event as AnyEvent;
    const node = String(e.nodeId ?? '');
    switch (e.type) {
      case 'effect.result':
        if (kinds.get(node) !== 'rule') steps.push({ answer: node, outcome: String(e.outcome), ...(e.output !== undefined ? { output: e.output } : {}) });
        break;
      case 'task.submit':
        steps.push({ submit: node, action: String(e.action), ...(e.data && typeof e.data === 'object' ? { data: e.data as Record<string, unknown> } : {}) });
        break;
      case 'approval.vote':
        steps.push({ vote: node, decision: e.decision === 'reject' ? 'reject' : 'approve', ...(typeof e.approver === 'string' ? { approver: e.approver } : {}) });
        break;
      case 'timer.fired':
        steps.push({ fire: node, timer: String(e.timerId).split(':').at(-1)! });
        break;
      case 'ticket.event':
        steps.push({ ticketEvent: String(e.name), ...(e.ticket && typeof e.ticket === 'object' ? { ticket: e.ticket as Record<string, unknown> } : {}) });
        break;
      default:
        break; // run.start (the ticket above), system entries such as gdpr.erased
    }
  }
  const status = (['completed', 'waiting', 'running', 'stuck'] as const).find((s) => s === run.status);
  const endStatus = (['resolved', 'closed', 'cancelled'] as const).find((s) => s === run.endStatus);
  return {
    name: `Run ${run.id.slice(0, 8)}: ${path.join(' → ') || run.state}`.slice(0, 200),
    ticket,
    steps,
    expect: { path, node: run.state, ...(status ? { status } : {}), ...(endStatus ? { endStatus } : {}) },
  };
}
