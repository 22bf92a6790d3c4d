// The run inspector's live stream, with a stand-in EventSource: messages reach the page, `end` closes it,
// a dropped connection reconnects with the last sequence seen, repeated failures fall back to polling, and
// streamed history merges without duplicates.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HistoryEntry, Run } from '../api/client.ts';
import { createRunStream, mergeHistory } from './useRunStream.ts';

class FakeEventSource {
  static instances: FakeEventSource[] = [];
  listeners = new Map<string, ((e: MessageEvent) => void)[]>();
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeEventSource.instances.push(this);
  }
  addEventListener(type: string, fn: (e: MessageEvent) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  close(): void {
    this.closed = true;
  }
  emit(type: string, data: unknown): void {
    for (const fn of this.listeners.get(type) ?? []) fn(new MessageEvent(type, { data: typeof data === 'string' ? data : JSON.stringify(data) }));
  }
  fail(): void {
    this.onerror?.();
  }
}
const last = () => FakeEventSource.instances.at(-1)!;

const run = (sequence: number, status: Run['status'] = 'waiting'): Run => ({
  id: 'r1', workflowId: 'w1', workflowKey: 'k', workflowVersion: 1, workflowVersionId: 'v1', ticketId: null, status, state: 'approval',
  currentNode: null, sequence, error: null, createdAt: '', updatedAt: '', completedAt: null,
});
const entry = (sequence: number): HistoryEntry => ({ sequence, event: { type: 'x' }, fromState: null, toState: 'n', effects: [], at: '', recordedAt: '' });

function setup(maxFailures = 3) {
  let since = 0;
  const onRun = vi.fn((m: { history: HistoryEntry[] }) => {
    since = m.history.at(-1)?.sequence ?? since;
  });
  const onEnd = vi.fn();
  const onFallback = vi.fn();
  const stream = createRunStream({
    url: (s) => `/api/runs/r1/stream?since=${s}`,
    since: () => since,
    onRun,
    onEnd,
    onFallback,
    maxFailures,
    backoffMs: () => 100,
    EventSourceImpl: FakeEventSource as unknown as typeof EventSource,
  });
  return { stream, onRun, onEnd, onFallback, setSince: (s: number) => (since = s) };
}

beforeEach(() => {
  FakeEventSource.instances = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('createRunStream', () => {
  it('opens the stream with ?since= and hands every run event to the page', () => {
    const { stream, onRun } = setup();
    stream.start();
    expect(last().url).toBe('/api/runs/r1/stream?since=0');
    expect(stream.mode.value).toBe('connecting');
    last().emit('run', { run: run(3), history: [entry(1), entry(2), entry(3)] });
    expect(stream.mode.value).toBe('stream');
    expect(onRun).toHaveBeenCalledWith({ run: run(3), history: [entry(1), entry(2), entry(3)] });
  });

  it('closes on `end` and stays closed', () => {
    const { stream, onEnd } = setup();
    stream.start();
    last().emit('end', { runId: 'r1' });
    expect(last().closed).toBe(true);
    expect(stream.mode.value).toBe('ended');
    expect(onEnd).toHaveBeenCalledOnce();
    last().fail(); // the server closing the connection afterwards is not a failure
    vi.advanceTimersByTime(10_000);
    expect(FakeEventSource.instances).toHaveLength(1);
  });

  it('reconnects after a dropped connection, from the last sequence seen', () => {
    const { stream } = setup();
    stream.start();
    last().emit('run', { run: run(2), history: [entry(1), entry(2)] });
    last().fail();
    expect(FakeEventSource.instances[0]!.closed).toBe(true);
    expect(stream.mode.value).toBe('connecting');
    vi.advanceTimersByTime(100);
    expect(FakeEventSource.instances).toHaveLength(2);
    expect(last().url).toBe('/api/runs/r1/stream?since=2');
  });

  it('falls back to polling after repeated failures without a message', () => {
    const { stream, onFallback } = setup(3);
    stream.start();
    last().fail();
    vi.advanceTimersByTime(100);
    last().fail();
    vi.advanceTimersByTime(100);
    expect(onFallback).not.toHaveBeenCalled();
    last().fail();
    expect(onFallback).toHaveBeenCalledOnce();
    expect(stream.mode.value).toBe('polling');
    vi.advanceTimersByTime(10_000);
    expect(FakeEventSource.instances).toHaveLength(3);
  });

  it('counts failures from the last message only', () => {
    const { stream, onFallback } = setup(2);
    stream.start();
    last().fail();
    vi.advanceTimersByTime(100);
    last().emit('run', { run: run(1), history: [entry(1)] });
    last().fail();
    vi.advanceTimersByTime(100);
    expect(onFallback).not.toHaveBeenCalled();
    expect(FakeEventSource.instances).toHaveLength(3);
  });

  it('polls right away where there is no EventSource', () => {
    const onFallback = vi.fn();
    const stream = createRunStream({ url: () => '', since: () => 0, onRun: vi.fn(), onFallback, EventSourceImpl: null });
    stream.start();
    expect(onFallback).toHaveBeenCalledOnce();
    expect(stream.mode.value).toBe('polling');
  });

  it('ignores malformed messages and stops cleanly', () => {
    const { stream, onRun } = setup();
    stream.start();
    last().emit('run', 'not json');
    expect(onRun).not.toHaveBeenCalled();
    stream.stop();
    expect(last().closed).toBe(true);
    expect(stream.mode.value).toBe('idle');
  });
});

describe('mergeHistory', () => {
  it('adds new entries in sequence order without duplicates', () => {
    expect(mergeHistory([entry(1), entry(2)], [entry(2), entry(4), entry(3)]).map((h) => h.sequence)).toEqual([1, 2, 3, 4]);
    const same = [entry(1)];
    expect(mergeHistory(same, [])).toBe(same);
  });
});
