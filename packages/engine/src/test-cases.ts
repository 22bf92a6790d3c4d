// Saved simulation cases ("given this ticket and these steps, expect this path and end state") run on the
// real engine: the same advance() the server and the designer's simulator use, rule nodes evaluated for
// real, a simulated clock for timers. Pure and deterministic, so the designer, the CLI and CI agree.
import type { WorkflowDefinition, WorkflowTestCase, WorkflowTestStep } from '@flowdesk/schema';
import { advance } from './advance.ts';
import { describeRun } from './describe.ts';
import type { Effect, RunEvent, RunSnapshot, StepRecord } from './types.ts';

export interface TestCaseResult {
  name: string;
  passed: boolean;
  /** Why it failed, one line each (empty when passed). */
  failures: string[];
  /** Node ids entered, in order. */
  path: string[];
  node: string | null;
  status: string | null;
  endStatus: string | null;
}

/** The simulated clock starts here so results do not depend on the day the tests run. */
export const TEST_EPOCH = '2026-01-05T09:00:00.000Z';

export async function runTestCase(definition: WorkflowDefinition, testCase: WorkflowTestCase): Promise<TestCaseResult> {
  const failures: string[] = [];
  const path: string[] = [];
  let clock = Date.parse(TEST_EPOCH);
  const triggerIds = new Set(definition.nodes.filter((n) => n.kind === 'trigger').map((n) => n.id));
  const record = (steps: readonly StepRecord[]) => {
    for (const s of steps) if (s.changed && s.to && !triggerIds.has(s.to)) path.push(s.to);
  };
  const at = () => new Date(clock).toISOString();

  let started;
  try {
    started = await advance(definition, null, { start: { ticket: testCase.ticket, at: at() } });
  } catch (error) {
    return result(testCase.name, [`the run could not start: ${(error as Error).message}`], path, null);
  }
  let snapshot: RunSnapshot = started.snapshot;
  let pending: Effect[] = started.effects;
  record(started.steps);
  // A group's timer outlives moves inside the group: remember the latest one scheduled per group, and let the
  // engine say whether it still applies (a timer of a group the run has left is ignored, which fails the case).
  const groupIds = new Set(definition.nodes.filter((n) => n.kind === 'group').map((n) => n.id));
  const groupTimers = new Map<string, Effect[]>();
  const remember = (effects: readonly Effect[]) => {
    for (const id of groupIds) {
      const timers = effects.filter((e) => e.type === 'timer.schedule' && e.nodeId === id);
      if (timers.length) groupTimers.set(id, timers);
    }
  };
  remember(pending);

  for (const [index, step] of testCase.steps.entries()) {
    const label = `step ${index + 1} (${describeStep(step)})`;
    const fired = 'fire' in step && groupIds.has(step.fire) ? [...pending, ...(groupTimers.get(step.fire) ?? [])] : pending;
    const built = buildEvent(step, snapshot, fired, at);
    if (typeof built === 'string') {
      failures.push(`${label}: ${built}`);
      break;
    }
    if (built.type === 'timer.fired') clock = Math.max(clock, Date.parse(built.at));
    try {
      const next = await advance(definition, snapshot, { event: built });
      if (next.ignoredReason) {
        failures.push(`${label}: the run ignored it (${next.ignoredReason})`);
        break;
      }
      snapshot = next.snapshot;
      pending = next.effects;
      remember(pending);
      record(next.steps);
    } catch (error) {
      failures.push(`${label}: ${(error as Error).message}`);
      break;
    }
    clock += 1000;
  }

  const outcome = result(testCase.name, failures, path, { definition, snapshot });
  const expect = testCase.expect;
  if (expect.path && JSON.stringify(expect.path) !== JSON.stringify(outcome.path)) failures.push(`path: expected ${expect.path.join(' → ') || '(none)'}, got ${outcome.path.join(' → ') || '(none)'}`);
  if (expect.node !== undefined && expect.node !== outcome.node) failures.push(`node: expected ${expect.node}, got ${outcome.node}`);
  if (expect.status !== undefined && expect.status !== outcome.status) failures.push(`status: expected ${expect.status}, got ${outcome.status}`);
  if (expect.endStatus !== undefined && expect.endStatus !== outcome.endStatus) failures.push(`end status: expected ${expect.endStatus}, got ${outcome.endStatus ?? 'none'}`);
  return { ...outcome, failures, passed: failures.length === 0 };
}

export async function runTestCases(definition: WorkflowDefinition): Promise<TestCaseResult[]> {
  const results: TestCaseResult[] = [];
  for (const testCase of definition.tests ?? []) results.push(await runTestCase(definition, testCase));
  return results;
}

function result(name: string, failures: string[], path: string[], run: { definition: WorkflowDefinition; snapshot: RunSnapshot } | null): TestCaseResult {
  const described = run ? describeRun(run.definition, run.snapshot) : null;
  return {
    name,
    passed: failures.length === 0,
    failures,
    path,
    node: described?.nodeId ?? null,
    status: described?.status ?? null,
    endStatus: run?.snapshot.context.endStatus ?? null,
  };
}

function describeStep(step: WorkflowTestStep): string {
  if ('answer' in step) return `answer ${step.answer}: ${step.outcome}`;
  if ('submit' in step) return `submit ${step.submit}: ${step.action}`;
  if ('vote' in step) return `vote ${step.vote}: ${step.decision}`;
  if ('fire' in step) return `fire ${step.fire}${step.timer ? `: ${step.timer}` : ''}`;
  return `ticket event ${step.ticketEvent}`;
}

/** The event a step means for the run as it is now, or why it cannot apply. */
function buildEvent(step: WorkflowTestStep, snapshot: RunSnapshot, pending: readonly Effect[], at: () => string): RunEvent | string {
  const visitOf = (nodeId: string) => snapshot.context.visits[nodeId] ?? 0;
  const known = (nodeId: string) => (snapshot.context.visits[nodeId] !== undefined ? null : `node "${nodeId}" has not been reached`);
  if ('answer' in step) {
    const work = pending.find((e) => e.nodeId === step.answer && (e.type === 'ai.run' || e.type === 'action.execute'));
    if (!work) return `node "${step.answer}" has no pending work to answer (pending: ${pendingList(pending)})`;
    return { type: 'effect.result', nodeId: step.answer, visit: work.visit, outcome: step.outcome, ...(step.output !== undefined ? { output: step.output } : {}), at: at() };
  }
  if ('submit' in step) return known(step.submit) ?? { type: 'task.submit', nodeId: step.submit, visit: visitOf(step.submit), action: step.action, ...(step.data ? { data: step.data } : {}), at: at() };
  if ('vote' in step) return known(step.vote) ?? { type: 'approval.vote', nodeId: step.vote, visit: visitOf(step.vote), approver: step.approver ?? 'tester', decision: step.decision, at: at() };
  if ('fire' in step) {
    const timers = pending.filter((e): e is Extract<Effect, { type: 'timer.schedule' }> => e.type === 'timer.schedule' && e.nodeId === step.fire);
    const timer = step.timer ? timers.find((t) => t.timerId.split(':').at(-1) === step.timer) : timers[0];
    if (!timer) return `node "${step.fire}" has no pending timer${step.timer ? ` "${step.timer}"` : ''} (pending: ${pendingList(pending)})`;
    return { type: 'timer.fired', nodeId: step.fire, visit: timer.visit, timerId: timer.timerId, at: timer.fireAt };
  }
  return { type: 'ticket.event', name: step.ticketEvent, ...(step.ticket ? { ticket: step.ticket } : {}), at: at() };
}

function pendingList(pending: readonly Effect[]): string {
  return pending.length === 0 ? 'none' : pending.map((e) => `${e.type}@${e.nodeId}${e.type === 'timer.schedule' ? `:${e.timerId.split(':').at(-1)}` : ''}`).join(', ');
}
