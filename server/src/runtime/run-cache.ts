// The runs this process wrote last, so the next event for one of them skips reading it back. An entry is
// only a guess: every write is a compare-and-set on runs.sequence, and a stale entry (another process
// moved the run) makes that write miss, after which the run is read again. Entries are set only after a
// commit succeeded and dropped on any doubt, so the cache can cost a retry but never decide an outcome.
import type { Run } from '../db/types.ts';

export interface CachedRun {
  /** The committed row without its snapshot. */
  run: Omit<Run, 'snapshot'>;
  /** The committed snapshot as JSON: parsed again for each use, so nothing can mutate the cached copy. */
  snapshotJson: string;
}

export class RunCache {
  readonly #entries = new Map<string, CachedRun>();

  constructor(readonly capacity: number) {}

  get(runId: string): CachedRun | undefined {
    return this.#entries.get(runId);
  }

  set(run: Run, snapshotJson: string): void {
    if (this.capacity <= 0) return;
    const { snapshot: _snapshot, ...row } = run;
    this.#entries.delete(run.id);
    this.#entries.set(run.id, { run: row, snapshotJson });
    // Map iteration order is insertion order: the first key is the least recently written run.
    if (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
  }

  delete(runId: string): void {
    this.#entries.delete(runId);
  }
}
