// Group commit for the fast path: the writes of events that arrive while another write of this process is
// on its way to Postgres are sent together, as ONE pipelined batch (pg-batch.ts) — one round trip, one
// implicit transaction, one commit and one WAL flush for all of them — instead of one each.
//
// Each event's statements (its compare-and-set WRITE_STEPS and its pg-boss job inserts) stay together and
// in order, so an event is still atomic with its effects: the group commits all of them or none. If the
// group fails with a server error (Postgres answered with an ErrorResponse, so the implicit transaction
// rolled back and nothing of it is committed) — typically one member's compare-and-set raising because
// another process moved its run — every member is sent again on its own, so the failure reaches only the
// member it belongs to (which then re-reads and steps again, as without grouping). Any other failure (the
// connection broke: the outcome is unknown) is reported to every member, exactly as a lone write reports
// it. Two events of the same run never share a group: the second was stepped from the state before the
// first, so its compare-and-set would miss and fail the whole group; it waits for the next one.
// Only an ERROR proves the rollback: a FATAL (the server shutting down) may come after the commit, so it
// is handled like a broken connection.
//
// Statements marked `merge: 'json-array'` (pg-boss's job inserts, persist.ts) are run once per name for the
// whole group, with the members' row arrays concatenated, after every member's other statements: a group
// of 4 events with a timer job each sends 4 compare-and-set writes and ONE job insert. This keeps each
// event atomic with its jobs: the group is one transaction, a member whose statements carry jobs raises on
// a compare-and-set miss (runtime.ts: writeStatement(plan, true)), which rolls back the whole group, jobs
// included, before each member is sent again on its own with its own, unmerged statements.
import type pg from 'pg';
import { runBatch, type BatchStatement } from './pg-batch.ts';

type BatchResult = Awaited<ReturnType<typeof runBatch>>;

interface Member {
  runId: string;
  statements: BatchStatement[];
  resolve(results: BatchResult): void;
  reject(error: unknown): void;
}

export interface GroupCommitOptions {
  /** Groups on their way to Postgres at once (each on its own connection). Default 1. */
  maxInFlight?: number;
  /** Events per group at most. Default 32. */
  maxGroup?: number;
}

export class GroupCommitter {
  readonly #pool: pg.Pool;
  readonly #maxInFlight: number;
  readonly #maxGroup: number;
  #queue: Member[] = [];
  #inFlight = 0;

  constructor(pool: pg.Pool, options: GroupCommitOptions = {}) {
    this.#pool = pool;
    this.#maxInFlight = Math.max(1, options.maxInFlight ?? 1);
    this.#maxGroup = Math.max(1, options.maxGroup ?? 32);
  }

  /** Commits one event's statements (with whichever events join it); resolves with its own results. */
  write(runId: string, statements: BatchStatement[]): Promise<BatchResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ runId, statements, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.#maxInFlight && this.#queue.length > 0) {
      const group: Member[] = [];
      const runs = new Set<string>();
      const rest: Member[] = [];
      for (const member of this.#queue) {
        if (group.length < this.#maxGroup && !runs.has(member.runId)) {
          group.push(member);
          runs.add(member.runId);
        } else {
          rest.push(member);
        }
      }
      this.#queue = rest;
      this.#inFlight += 1;
      void this.#send(group).finally(() => {
        this.#inFlight -= 1;
        this.#pump();
      });
    }
  }

  async #send(group: Member[]): Promise<void> {
    if (group.length === 1) {
      const [member] = group as [Member];
      await this.#run(member.statements).then(member.resolve, member.reject);
      return;
    }
    const combined = combine(group);
    let results: BatchResult;
    try {
      results = await this.#run(combined.statements);
    } catch (error) {
      if (!isRolledBack(error)) {
        for (const member of group) member.reject(error);
        return;
      }
      // Rolled back as a whole: let each member find out for itself (in parallel, each on its own connection).
      await Promise.all(group.map((member) => this.#run(member.statements).then(member.resolve, member.reject)));
      return;
    }
    for (const [m, member] of group.entries()) member.resolve(combined.positions[m]!.map((p) => results[p]!));
  }

  async #run(statements: BatchStatement[]): Promise<BatchResult> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      return await runBatch(client, statements);
    } catch (error) {
      // An ERROR leaves the connection usable; anything else (FATAL, socket, protocol) may not.
      if (!isRolledBack(error)) broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

/**
 * One group's statements: every member's unmergeable statements in member order, then one statement per
 * mergeable name with the members' JSON arrays concatenated. `positions[m][i]` is the index of the
 * combined statement that carries member m's statement i (a merged statement's result is shared by all the
 * members it carries).
 */
export function combine(group: readonly { statements: readonly BatchStatement[] }[]): { statements: BatchStatement[]; positions: number[][] } {
  const statements: BatchStatement[] = [];
  const merged = new Map<string, { first: BatchStatement; parts: string[]; memberIndexes: [number, number][] }>();
  const positions: number[][] = group.map((member) => new Array<number>(member.statements.length));
  for (const [m, member] of group.entries()) {
    for (const [i, statement] of member.statements.entries()) {
      const rows = statement.merge === 'json-array' && statement.values.length === 1 ? statement.values[0] : undefined;
      if (typeof rows !== 'string' || !rows.startsWith('[') || !rows.endsWith(']')) {
        positions[m]![i] = statements.length;
        statements.push(statement);
        continue;
      }
      let entry = merged.get(statement.name);
      if (!entry) merged.set(statement.name, (entry = { first: statement, parts: [], memberIndexes: [] }));
      else if (entry.first.text !== statement.text) throw new Error(`prepared statement ${statement.name} was used for a different text`);
      const inner = rows.slice(1, -1).trim();
      if (inner) entry.parts.push(inner);
      entry.memberIndexes.push([m, i]);
    }
  }
  for (const entry of merged.values()) {
    for (const [m, i] of entry.memberIndexes) positions[m]![i] = statements.length;
    const values = entry.memberIndexes.length === 1 ? entry.first.values : [`[${entry.parts.join(',')}]`];
    statements.push({ name: entry.first.name, text: entry.first.text, values, merge: 'json-array' });
  }
  return { statements, positions };
}

/** Postgres answered with an ERROR: the implicit transaction of the batch was rolled back, the session lives on. */
export function isRolledBack(error: unknown): boolean {
  return error instanceof Error && (error as { severity?: string }).severity === 'ERROR';
}
