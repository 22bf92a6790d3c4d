// Persisted snapshots are JSON and restorable; the same inputs always give the same outputs.
import { describe, expect, it } from 'vitest';
import { start, step, type RunEvent, type StepResult } from '../src/index.ts';
import { T0, T1, T2, demoWorkflow, supportWorkflow } from './fixtures.ts';

const demoScript: RunEvent[] = [
  { type: 'effect.result', nodeId: 'triage', visit: 1, outcome: 'normal', at: T0 },
  { type: 'ticket.event', name: 'customer.replied', at: T1, ticket: { replied: true } },
  { type: 'timer.fired', nodeId: 'manager_approval', visit: 1, timerId: 'manager_approval:escalation:escalated', at: T2 },
  { type: 'effect.result', nodeId: 'escalate', visit: 1, outcome: 'done', at: T2 },
  { type: 'timer.fired', nodeId: 'manager_approval', visit: 1, timerId: 'manager_approval:escalation:escalated', at: T2 },
  { type: 'approval.vote', nodeId: 'manager_approval', approver: 'mia', decision: 'approve', at: T2 },
];

function run(viaJson: boolean, def = demoWorkflow()): StepResult[] {
  const results: StepResult[] = [start(def, { priority: 'normal' }, T0)];
  for (const event of demoScript) {
    const prev = results.at(-1)!.snapshot;
    results.push(step(def, viaJson ? JSON.parse(JSON.stringify(prev)) : prev, event));
  }
  return results;
}

describe('snapshots', () => {
  it('equal their own JSON round trip', () => {
    for (const r of run(false)) expect(JSON.parse(JSON.stringify(r.snapshot))).toStrictEqual(r.snapshot);
  });

  it('restored from JSON give the same results as in-memory snapshots', () => {
    const direct = run(false);
    const viaJson = run(true);
    expect(viaJson).toEqual(direct);
    expect(direct.at(-1)!.to).toBe('resolved');
    expect(direct.map((r) => r.changed)).toEqual([true, true, true, true, true, false, true]);
  });

  it('restore an approval with votes in flight from JSON', () => {
    const def = supportWorkflow();
    let s = start(def, {}, T0).snapshot;
    s = step(def, s, { type: 'effect.result', nodeId: 'classify', visit: 1, outcome: 'done', at: T0 }).snapshot;
    s = step(def, s, { type: 'task.submit', nodeId: 'review', action: 'approve', at: T0 }).snapshot;
    s = step(def, s, { type: 'approval.vote', nodeId: 'board', approver: 'a', decision: 'approve', at: T1 }).snapshot;
    const restored = JSON.parse(JSON.stringify(s));
    const r = step(def, restored, { type: 'approval.vote', nodeId: 'board', approver: 'b', decision: 'approve', at: T1 });
    expect(r.to).toBe('done');
  });
});

describe('determinism', () => {
  it('the same inputs twice give deep-equal outputs (fresh definition objects too)', () => {
    const a = run(false);
    const b = run(false);
    const c = run(true, demoWorkflow());
    expect(b).toStrictEqual(a);
    expect(JSON.stringify(c)).toBe(JSON.stringify(a));
  });

  it('a step does not modify its input snapshot', () => {
    const def = demoWorkflow();
    const s0 = start(def, { priority: 'normal' }, T0).snapshot;
    const before = JSON.stringify(s0);
    step(def, s0, demoScript[0]!);
    expect(JSON.stringify(s0)).toBe(before);
  });
});

describe('purity', () => {
  it('the engine source never reads the clock or randomness', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = new URL('../src/', import.meta.url);
    for (const file of readdirSync(dir)) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      expect(text, file).not.toMatch(/Date\.now\(|Math\.random\(|new Date\(\)|performance\.now\(/);
    }
  });
});
