// The durable runtime: every event for a run is applied in ONE Postgres transaction: the pure engine
// decides (advance) from the run's snapshot, and history + snapshot + inline effects + effect jobs commit
// together. Per-run serialisation is a compare-and-set on runs.sequence (fast path, one round trip when
// this process wrote the run last) or the run's row lock (events with beforePersist, and the fallback).
// See docs/architecture.md for the argument why no event is lost and none is applied twice.
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type pg from 'pg';
import { fromKysely, type PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import { advance, describeRun, matchesTrigger, migrateRun, RunMigrationError, type AdvanceResult, type Effect, type RunEvent, type RunSnapshot } from '@flowdesk/engine';
import type { WorkflowDefinition } from '@flowdesk/schema';
import type { Database, Run, RunStatusColumn } from '../db/types.ts';
import { conflict, invalidInput, notFound } from '../errors.ts';
import { DefinitionCache } from './definitions.ts';
import { GroupCommitter, type GroupCommitOptions } from './group-commit.ts';
import { jobStatements, movedRun, planWrite, timerLayoutOf, writeInTransaction, writeStatement, type AppliedStep, type RunWrite } from './persist.ts';
import { resolveBusinessTimers } from './business-timers.ts';
import { WORK_QUEUE } from './queues.ts';
import { RunCache } from './run-cache.ts';
import { LOAD_RUN, RUN_MOVED_SQLSTATE } from './sql.ts';
import { ticketFacts } from './ticket-facts.ts';
import { deliverTicketEvents, enqueueTicketEvents, type TicketEventBatch } from './ticket-events.ts';

export interface RuntimeDeps {
  db: Kysely<Database>;
  boss: PgBoss;
  logger: Logger;
  /**
   * The pg.Pool under `db` (createDatabase() returns both). With it, events without beforePersist take the
   * fast path: named prepared statements, one round trip per event (see sendEvent). Without it every event
   * takes the row-lock path through Kysely.
   */
  pool?: pg.Pool;
  /** Injected clock so tests can control time; events carry the time they were received. */
  now?: () => Date;
  /** How many runs this process remembers after writing them (default 10,000; 0 turns the cache off). */
  runCacheSize?: number;
  /**
   * Group commit of fast-path writes that arrive together (group-commit.ts). Default on (one group in flight,
   * up to 32 events each); `false` sends every event's write on its own.
   */
  groupCommit?: GroupCommitOptions | false;
}

/** One run's move to another version of its workflow (see Runtime.migrateRun). */
export interface MigrateRunInput {
  fromVersionId: string;
  toVersionId: string;
  /** Version numbers, recorded in the run.migrated history entry. */
  fromVersion: number;
  toVersion: number;
  /** Old node id -> new node id; a node not in the mapping keeps its id. */
  mapping: Readonly<Record<string, string>>;
  at?: string;
}

/** Compare-and-set attempts before an event falls back to waiting for the run's row lock. */
const OPTIMISTIC_ATTEMPTS = 3;

/** An event as callers may send it: `at` is filled in with the receive time when missing. */
export type IncomingEvent = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, 'at'> & { at?: string } : never) : never;

export interface StartRunInput {
  workflowVersionId: string;
  ticketId?: string | null;
  /** Facts for a run without a ticket row (or extra facts merged over the ticket's). */
  ticket?: Record<string, unknown>;
  at?: string;
}

export interface SendEventOptions {
  /** Idempotency key: an event whose key was already applied to this run is a no-op. */
  eventKey?: string;
  /** Runs inside the event's transaction after the lock is taken and before the step is persisted. */
  beforePersist?: (trx: Transaction<Database>, run: Run) => Promise<void>;
  /** Refresh context.ticket from the tickets row (after beforePersist) before stepping. */
  refreshTicket?: boolean;
}

export interface SendEventResult {
  applied: boolean;
  reason?: string;
  duplicate?: boolean;
  run: Run;
  steps: AppliedStep[];
}

export class Runtime {
  readonly db: Kysely<Database>;
  readonly boss: PgBoss;
  readonly logger: Logger;
  /** The logger the runtime was given, for siblings such as workers to derive their own component logger. */
  readonly rootLogger: Logger;
  readonly definitions = new DefinitionCache();
  readonly #now: () => Date;
  readonly #pool: pg.Pool | undefined;
  readonly #runs: RunCache;
  readonly #committer: GroupCommitter | undefined;

  constructor(deps: RuntimeDeps) {
    this.db = deps.db;
    this.boss = deps.boss;
    this.rootLogger = deps.logger;
    this.logger = deps.logger.child({ component: 'runtime' });
    this.#now = deps.now ?? (() => new Date());
    this.#pool = deps.pool;
    this.#runs = new RunCache(deps.runCacheSize ?? 10_000);
    if (deps.pool) {
      this.#committer = new GroupCommitter(
        deps.pool,
        deps.groupCommit === false ? { maxGroup: 1, maxInFlight: Number.POSITIVE_INFINITY } : (deps.groupCommit ?? {}),
      );
    }
  }

  now(): Date {
    return this.#now();
  }

  async definitionOf(versionId: string): Promise<WorkflowDefinition> {
    return this.definitions.get(this.db, versionId);
  }

  /** Starts a run pinned to one published version. The run row, its history and its jobs commit together. */
  async startRun(input: StartRunInput, trx?: Transaction<Database>): Promise<{ run: Run; steps: AppliedStep[] }> {
    if (!trx) {
      const started = await this.db.transaction().execute((t) => this.#startRun(input, t));
      // Committed (execute resolved): remember the run for its next event.
      this.#runs.set(started.run, started.snapshotJson);
      return { run: started.run, steps: started.steps };
    }
    const { run, steps } = await this.#startRun(input, trx);
    return { run, steps };
  }

  async #startRun(input: StartRunInput, trx: Transaction<Database>): Promise<{ run: Run; steps: AppliedStep[]; snapshotJson: string }> {
    const definition = await this.definitions.get(trx, input.workflowVersionId);
    let facts: Record<string, unknown> = {};
    if (input.ticketId) {
      const ticket = await trx.selectFrom('tickets').selectAll().where('id', '=', input.ticketId).executeTakeFirst();
      if (!ticket) throw notFound('ticket', input.ticketId);
      facts = ticketFacts(ticket);
    }
    facts = { ...facts, ...(input.ticket ?? {}) };
    const at = input.at ?? this.now().toISOString();
    const result = await advance(definition, null, { start: { ticket: facts, at } });
    const runId = randomUUID();
    const summary = describeRun(definition, result.snapshot);
    await trx
      .insertInto('runs')
      .values({
        id: runId,
        workflow_version_id: input.workflowVersionId,
        ticket_id: input.ticketId ?? null,
        status: summary.status,
        state: summary.nodeId,
        snapshot: JSON.stringify(result.snapshot),
        sequence: 0,
        error: null,
      })
      .execute();
    const steps = appliedSteps(result);
    await resolveBusinessTimers(trx, input.ticketId ?? null, steps);
    const { run, plan } = await writeInTransaction(trx, this.boss, {
      runId,
      previousSequence: 0,
      ticketId: input.ticketId ?? null,
      steps,
      snapshot: result.snapshot,
      state: summary.nodeId,
      status: summary.status,
      error: errorOf(result.snapshot),
      eventKey: null,
      previousVisits: {},
      timerLayout: timerLayoutOf(definition),
    });
    this.logger.info({ runId, workflow: definition.key, state: run.state }, 'run started');
    return { run, steps, snapshotJson: plan.snapshotJson };
  }

  /** Starts every published workflow (latest version each) whose trigger matches this ticket event. */
  async startRunsForTicket(ticketId: string, eventName: 'ticket.created' | 'ticket.updated', trx?: Transaction<Database>): Promise<Run[]> {
    if (!trx) return this.db.transaction().execute((t) => this.startRunsForTicket(ticketId, eventName, t));
    const ticket = await trx.selectFrom('tickets').selectAll().where('id', '=', ticketId).executeTakeFirst();
    if (!ticket) throw notFound('ticket', ticketId);
    const latest = await trx
      .selectFrom('workflow_versions as v')
      .select(['v.id', 'v.workflow_id', 'v.version'])
      .where(({ eb, selectFrom }) =>
        eb('v.version', '=', selectFrom('workflow_versions as w').select((e) => e.fn.max('w.version').as('max')).whereRef('w.workflow_id', '=', 'v.workflow_id')),
      )
      .orderBy('v.workflow_id')
      .execute();
    const facts = ticketFacts(ticket);
    const runs: Run[] = [];
    for (const version of latest) {
      const definition = await this.definitions.get(trx, version.id);
      if (!(await matchesTrigger(definition, facts, eventName))) continue;
      const { run } = await this.startRun({ workflowVersionId: version.id, ticketId }, trx);
      runs.push(run);
    }
    return runs;
  }

  /**
   * Applies one event to a run in one transaction: dedupe, step, persist, enqueue.
   * An event that is not relevant to the run's current state changes nothing and says why.
   */
  async sendEvent(runId: string, incoming: IncomingEvent, options: SendEventOptions = {}): Promise<SendEventResult> {
    const event = { ...incoming, at: incoming.at ?? this.now().toISOString() } as RunEvent;
    if (this.#pool && this.#committer && !options.beforePersist && !options.refreshTicket) {
      const result = await this.#applyOptimistic(this.#pool, this.#committer, runId, event, options.eventKey ?? null);
      if (result) return result;
    }
    try {
      const { snapshotJson, ...result } = await this.#applyLocked(runId, event, options);
      // Committed (the transaction resolved): remember the run for its next event.
      if (result.applied && snapshotJson) this.#runs.set(result.run, snapshotJson);
      return result;
    } catch (error) {
      this.#runs.delete(runId);
      // Work done by beforePersist must not survive an event that turned out not to apply.
      if (error instanceof EventNotApplied) return error.result;
      throw error;
    }
  }

  /**
   * The fast path: step from the run as this process last wrote it (or as one plain read returns it) and
   * write with a compare-and-set on runs.sequence — the write statement and the pg-boss job inserts in ONE
   * round trip and one implicit transaction (pg-batch.ts). A miss (another writer got there first, or the
   * event key is already in the history) rolls everything back; we read the run again and step again.
   * Returns null after OPTIMISTIC_ATTEMPTS misses: the caller then waits for the row lock.
   */
  async #applyOptimistic(pool: pg.Pool, committer: GroupCommitter, runId: string, event: RunEvent, eventKey: string | null): Promise<SendEventResult | null> {
    for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
      const cached = this.#runs.get(runId);
      let run: Run;
      if (cached && cached.run.status === 'completed') {
        // Only a fresh read may say that a run is completed.
        this.#runs.delete(runId);
        continue;
      }
      if (cached) {
        run = { ...cached.run, snapshot: JSON.parse(cached.snapshotJson) };
      } else {
        const { rows } = await pool.query({ name: LOAD_RUN.name, text: LOAD_RUN.text, values: [runId, eventKey] });
        const loaded = rows[0] as (Run & { seen_sequence: number | null }) | undefined;
        if (!loaded) throw notFound('run', runId);
        const { seen_sequence: seenSequence, ...row } = loaded;
        run = row;
        if (seenSequence !== null) {
          return { applied: false, duplicate: true, reason: `event ${eventKey} was already applied (history #${seenSequence})`, run, steps: [] };
        }
        if (run.status === 'completed') return { applied: false, reason: `run is completed (at node "${run.state}")`, run, steps: [] };
      }
      const definition = await this.definitions.get(this.db, run.workflow_version_id);
      const result = await advance(definition, run.snapshot as RunSnapshot, { event });
      const steps = appliedSteps(result);
      if (steps.length === 0) {
        // A cached run may be behind: only a fresh read may say that the event does not apply.
        if (cached) {
          this.#runs.delete(runId);
          continue;
        }
        return { applied: false, reason: result.ignoredReason ?? 'event changes nothing in the current state', run, steps };
      }
      await resolveBusinessTimers(this.db, run.ticket_id, steps);
      const write = this.#runWrite(run, result.snapshot, definition, steps, eventKey);
      const plan = planWrite(write, new Date());
      const jobs = await jobStatements(this.boss, plan);
      // With jobs in the batch a miss must raise, so that the job inserts after it roll back too.
      const batch = [writeStatement(plan, jobs.length > 0), ...jobs];
      let moved: Run | null;
      try {
        // With other events of this process that are ready at the same time: one round trip, one commit.
        const [written] = await committer.write(runId, batch);
        moved = movedRun(written?.rows[0], result.snapshot);
      } catch (error) {
        this.#runs.delete(runId);
        if ((error as { code?: string }).code !== RUN_MOVED_SQLSTATE) throw error;
        moved = null;
      }
      if (moved) {
        this.#runs.set(moved, plan.snapshotJson);
        return { applied: true, run: moved, steps };
      }
      this.#runs.delete(runId);
    }
    return null;
  }

  #runWrite(run: Run, snapshot: RunSnapshot, definition: WorkflowDefinition, steps: AppliedStep[], eventKey: string | null): RunWrite {
    const summary = describeRun(definition, snapshot);
    return {
      runId: run.id,
      previousSequence: run.sequence,
      ticketId: run.ticket_id,
      steps,
      snapshot,
      state: summary.nodeId,
      status: summary.status,
      error: errorOf(snapshot),
      eventKey,
      previousVisits: (run.snapshot as RunSnapshot).context.visits,
      timerLayout: timerLayoutOf(definition),
    };
  }

  /** The row-lock path: one Kysely transaction that locks the run row first. */
  async #applyLocked(runId: string, event: RunEvent, options: SendEventOptions): Promise<SendEventResult & { snapshotJson?: string }> {
    return this.db.transaction().execute(async (trx) => {
      // Lock the run and look up the event key in the same round trip.
      const locked = await trx
        .selectFrom('runs')
        .selectAll('runs')
        .select((eb) =>
          eb
            .selectFrom('run_history')
            .select('run_history.sequence')
            .whereRef('run_history.run_id', '=', 'runs.id')
            .where('run_history.event_key', '=', options.eventKey ?? null)
            .as('seen_sequence'),
        )
        .where('runs.id', '=', runId)
        .forUpdate('runs')
        .executeTakeFirst();
      if (!locked) throw notFound('run', runId);
      const { seen_sequence: seenSequence, ...run } = locked;
      if (seenSequence !== null && seenSequence !== undefined) {
        return { applied: false, duplicate: true, reason: `event ${options.eventKey} was already applied (history #${seenSequence})`, run, steps: [] };
      }
      if (run.status === 'completed') return { applied: false, reason: `run is completed (at node "${run.state}")`, run, steps: [] };
      const definition = await this.definitions.get(trx, run.workflow_version_id);
      if (options.beforePersist) await options.beforePersist(trx, run);
      if (options.refreshTicket && run.ticket_id) {
        const ticket = await trx.selectFrom('tickets').selectAll().where('id', '=', run.ticket_id).executeTakeFirst();
        if (ticket) (event as { ticket?: Record<string, unknown> }).ticket = { ...ticketFacts(ticket), ...(event.ticket ?? {}) };
      }
      const result = await advance(definition, run.snapshot as RunSnapshot, { event });
      const steps = appliedSteps(result);
      if (steps.length === 0) {
        const ignored = { applied: false, reason: result.ignoredReason ?? 'event changes nothing in the current state', run, steps };
        if (options.beforePersist) throw new EventNotApplied(ignored);
        return ignored;
      }
      await resolveBusinessTimers(trx, run.ticket_id, steps);
      const write = this.#runWrite(run, result.snapshot, definition, steps, options.eventKey ?? null);
      const { run: updated, plan } = await writeInTransaction(trx, this.boss, write);
      return { applied: true, run: updated, steps, snapshotJson: plan.snapshotJson };
    });
  }

  /**
   * Moves one unfinished run from one version of its workflow to another, in one transaction under the run's
   * row lock: the engine re-enters it at mapping[state] (or the same node id) of the new version
   * (migrateRun), and the run row (version, snapshot, state, status, sequence + 1), a run.migrated history
   * row, the target's tasks and effect jobs are written by the same code as any event (writeInTransaction).
   * Open tasks of the old version are cancelled. The sequence bump makes every cached copy of the run, in
   * this process or another, miss its compare-and-set; old timers and results are stale by node or visit.
   */
  async migrateRun(runId: string, input: MigrateRunInput): Promise<{ run: Run; steps: AppliedStep[] }> {
    this.#runs.delete(runId);
    try {
      return await this.db.transaction().execute(async (trx) => {
        const run = await trx.selectFrom('runs').selectAll().where('id', '=', runId).forUpdate().executeTakeFirst();
        if (!run) throw notFound('run', runId);
        if (run.workflow_version_id !== input.fromVersionId) throw conflict(`run ${runId} is no longer on version ${input.fromVersion}`);
        if (run.status === 'completed') throw conflict(`run ${runId} is completed (at node "${run.state}")`);
        const target = Object.hasOwn(input.mapping, run.state) ? input.mapping[run.state]! : run.state;
        const definition = await this.definitions.get(trx, input.toVersionId);
        const at = input.at ?? this.now().toISOString();
        let result: Awaited<ReturnType<typeof migrateRun>>;
        try {
          result = await migrateRun(definition, run.snapshot as RunSnapshot, target, at);
        } catch (error) {
          if (error instanceof RunMigrationError) throw conflict(`run ${runId} at node "${run.state}": ${error.message}`);
          throw error;
        }
        const details = { fromVersion: input.fromVersion, toVersion: input.toVersion };
        const steps: AppliedStep[] = result.steps.map((s, index) => ({
          event: (index === 0 ? { ...s.event, ...details } : s.event) as unknown as AppliedStep['event'],
          from: s.from,
          to: s.to,
          effects: s.effects,
        }));
        await trx.updateTable('tasks').set({ status: 'cancelled' }).where('run_id', '=', runId).where('status', '=', 'open').execute();
        await trx.updateTable('runs').set({ workflow_version_id: input.toVersionId }).where('id', '=', runId).execute();
        await resolveBusinessTimers(trx, run.ticket_id, steps);
        const write = this.#runWrite(run, result.snapshot, definition, steps, null);
        const { run: updated } = await writeInTransaction(trx, this.boss, write);
        this.logger.info({ runId, from: run.state, to: target, fromVersion: input.fromVersion, toVersion: input.toVersion }, 'run migrated');
        return { run: updated, steps };
      });
    } finally {
      this.#runs.delete(runId);
    }
  }

  /** Records ticket events for the ticket's active runs inside `trx` (outbox; see ticket-events.ts). */
  queueTicketEvents(trx: Transaction<Database>, ticketId: string, names: readonly string[], exclude?: ReadonlySet<string>): Promise<TicketEventBatch | null> {
    return enqueueTicketEvents(this, trx, ticketId, names, exclude);
  }

  /** Delivers a committed batch of ticket events now. */
  deliverTicketEvents(batch: TicketEventBatch): Promise<void> {
    return deliverTicketEvents(this, batch);
  }

  /** Re-enqueues the failed work of a stuck run under a fresh idempotency key. */
  async retry(runId: string): Promise<{ run: Run; effect: Effect }> {
    return this.db.transaction().execute(async (trx) => {
      const run = await trx.selectFrom('runs').selectAll().where('id', '=', runId).forUpdate().executeTakeFirst();
      if (!run) throw notFound('run', runId);
      const failure = (run.snapshot as RunSnapshot).context.failure;
      if (run.status !== 'stuck' || !failure) throw conflict(`run ${runId} is ${run.status}, only stuck runs can be retried`);
      const entered = await trx
        .selectFrom('run_history')
        .select(['sequence', 'effects'])
        .where('run_id', '=', runId)
        .where('to_state', '=', failure.nodeId)
        .orderBy('sequence', 'desc')
        .execute();
      const effect = entered
        .flatMap((row) => row.effects as Effect[])
        .find((e) => e.nodeId === failure.nodeId && e.visit === failure.visit && e.type !== 'timer.schedule');
      if (!effect) throw invalidInput(`no retryable effect found for node "${failure.nodeId}" visit ${failure.visit}`);
      await this.boss.insert(WORK_QUEUE, [{ data: { runId, key: `${runId}:retry:${run.sequence}`, effect } }], { db: fromKysely(trx) });
      await trx.updateTable('runs').set({ status: 'running', updated_at: new Date() }).where('id', '=', runId).execute();
      const updated = await trx.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
      this.#runs.delete(runId);
      this.logger.info({ runId, nodeId: failure.nodeId }, 'stuck run retried');
      return { run: updated, effect };
    });
  }
}

/** Thrown inside the transaction to roll back side work of an event that did not apply. */
class EventNotApplied extends Error {
  constructor(readonly result: SendEventResult) {
    super(result.reason);
  }
}

function appliedSteps(result: AdvanceResult): AppliedStep[] {
  return result.steps.filter((s) => s.changed).map((s) => ({ event: s.event as unknown as AppliedStep['event'], from: s.from, to: s.to, effects: s.effects }));
}

function errorOf(snapshot: RunSnapshot): string | null {
  const failure = snapshot.context.failure;
  return failure ? `node "${failure.nodeId}" failed: ${failure.error}` : null;
}

export type { RunStatusColumn };
