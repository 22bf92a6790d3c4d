// Follows a run over Server-Sent Events: GET /api/runs/:id/stream?since=<sequence> sends `event: run` with
// {run, history: entries after `since`} right away and whenever the run moves, `: ping` heartbeats, and
// `event: end` once the run completed (then the server closes). EventSource sends the session cookie on the
// same origin. After a dropped connection it reconnects with the last sequence seen (so no entry is missed or
// repeated); when the stream keeps failing (no EventSource, an old server without the route, a proxy that
// buffers) it hands over to polling.
import { ref } from 'vue';
import type { HistoryEntry, Run } from '../api/client.ts';

export type StreamMode = 'idle' | 'connecting' | 'stream' | 'polling' | 'ended';

export interface RunStreamMessage {
  run: Run;
  history: HistoryEntry[];
}

export interface RunStreamOptions {
  /** The stream's address for the last sequence seen. */
  url: (since: number) => string;
  /** The last history sequence the page has (sent as ?since= on every (re)connection). */
  since: () => number;
  onRun: (message: RunStreamMessage) => void;
  onEnd?: () => void;
  /** The stream gave up: start polling. */
  onFallback: () => void;
  /** Consecutive failures (errors without a message in between) before falling back to polling. */
  maxFailures?: number;
  /** Delay before reconnecting after the n-th failure, in ms. */
  backoffMs?: (failures: number) => number;
  /** For tests: the EventSource implementation (default: the browser's, when there is one). */
  EventSourceImpl?: typeof EventSource | null;
}

export function createRunStream(options: RunStreamOptions) {
  const mode = ref<StreamMode>('idle');
  const maxFailures = options.maxFailures ?? 3;
  const backoff = options.backoffMs ?? ((n: number) => Math.min(500 * 2 ** (n - 1), 5000));
  const Impl = options.EventSourceImpl === undefined ? (typeof EventSource === 'undefined' ? null : EventSource) : options.EventSourceImpl;
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let failures = 0;
  let stopped = true;

  function close(): void {
    source?.close();
    source = null;
    if (timer) clearTimeout(timer);
    timer = null;
  }

  function fallBack(): void {
    close();
    mode.value = 'polling';
    options.onFallback();
  }

  function open(): void {
    if (stopped) return;
    if (!Impl) return fallBack();
    mode.value = mode.value === 'stream' ? 'stream' : 'connecting';
    const es = new Impl(options.url(options.since()), { withCredentials: true });
    source = es;
    es.addEventListener('run', (event) => {
      if (source !== es) return;
      let message: RunStreamMessage;
      try {
        message = JSON.parse((event as MessageEvent<string>).data) as RunStreamMessage;
      } catch {
        return; // not ours: ignore rather than break the page
      }
      failures = 0;
      mode.value = 'stream';
      options.onRun(message);
    });
    es.addEventListener('end', () => {
      if (source !== es) return;
      close();
      stopped = true;
      mode.value = 'ended';
      options.onEnd?.();
    });
    es.onerror = () => {
      if (source !== es) return;
      // EventSource would reconnect by itself, but with the ?since= of its first request: we reconnect ourselves.
      close();
      if (stopped) return;
      failures++;
      if (failures >= maxFailures) return fallBack();
      mode.value = 'connecting';
      timer = setTimeout(open, backoff(failures));
    };
  }

  /** Opens the stream (again); a stream that had fallen back to polling tries the stream once more. */
  function start(): void {
    close();
    stopped = false;
    failures = 0;
    open();
  }

  function stop(): void {
    stopped = true;
    close();
    if (mode.value !== 'ended') mode.value = 'idle';
  }

  return { mode, start, stop };
}

/** Adds streamed history entries to the ones the page has: by sequence, without duplicates. */
export function mergeHistory(current: HistoryEntry[], incoming: HistoryEntry[]): HistoryEntry[] {
  if (incoming.length === 0) return current;
  const bySequence = new Map(current.map((h) => [h.sequence, h]));
  for (const h of incoming) bySequence.set(h.sequence, h);
  return [...bySequence.values()].sort((a, b) => a.sequence - b.sequence);
}
