// Saved simulation cases (the definition's `tests`): what the simulator did, as a WorkflowTestCase, and
// running a definition's cases with the engine's runTestCases in the browser (the same function the CLI and
// CI use, so a case that passes here passes there).
import { runTestCase, type RunEvent, type StepRecord, type TestCaseResult } from '@flowdesk/engine';
import type { WorkflowDefinition, WorkflowTestCase, WorkflowTestStep } from '@flowdesk/schema';

/** The schema's limits on `tests`. */
export const MAX_TEST_CASES = 100;
export const MAX_CASE_NAME = 200;

/**
 * The test step an event the user sent in the simulator stands for, or null for events that are not steps
 * (the start, and rule results, which the engine evaluates itself).
 */
export function eventToStep(event: RunEvent, kinds: ReadonlyMap<string, string>): WorkflowTestStep | null {
  switch (event.type) {
    case 'effect.result':
      if (kinds.get(event.nodeId) === 'rule') return null;
      return { answer: event.nodeId, outcome: event.outcome, ...(event.output !== undefined ? { output: event.output } : {}) };
    case 'task.submit':
      return { submit: event.nodeId, action: event.action, ...(event.data && typeof event.data === 'object' ? { data: event.data } : {}) };
    case 'approval.vote':
      return { vote: event.nodeId, decision: event.decision, ...(event.approver ? { approver: event.approver } : {}) };
    case 'timer.fired':
      return { fire: event.nodeId, timer: event.timerId.split(':').at(-1)! };
    case 'ticket.event':
      return { ticketEvent: event.name, ...(event.ticket ? { ticket: event.ticket } : {}) };
    default:
      return null;
  }
}

export interface SimulationRecord {
  definition: WorkflowDefinition;
  ticket: Record<string, unknown>;
  /** The events the user sent that the run accepted, in order. */
  events: readonly RunEvent[];
  /** The engine's step log (for the path). */
  log: readonly StepRecord[];
  node: string | null;
  status: string | null;
  endStatus: string | null;
}

/** "Given this ticket and these steps, expect this path and end state": the simulation as a saved case. */
export function simulationToCase(record: SimulationRecord, name: string): WorkflowTestCase {
  const kinds = new Map(record.definition.nodes.map((n) => [n.id, n.kind as string]));
  const steps = record.events.map((e) => eventToStep(e, kinds)).filter((s): s is WorkflowTestStep => s !== null);
  const path = record.log.filter((s) => s.changed && s.to && kinds.get(s.to) !== 'trigger').map((s) => s.to);
  const status = (['completed', 'waiting', 'running', 'stuck'] as const).find((s) => s === record.status);
  const endStatus = (['resolved', 'closed', 'cancelled'] as const).find((s) => s === record.endStatus);
  return {
    name: name.trim().slice(0, MAX_CASE_NAME) || defaultCaseName(record),
    ticket: JSON.parse(JSON.stringify(record.ticket)) as Record<string, unknown>,
    steps: JSON.parse(JSON.stringify(steps)) as WorkflowTestStep[],
    expect: { path, ...(record.node ? { node: record.node } : {}), ...(status ? { status } : {}), ...(endStatus ? { endStatus } : {}) },
  };
}

/** A readable default name: the ticket's subject and where the run ended. */
export function defaultCaseName(record: Pick<SimulationRecord, 'definition' | 'ticket' | 'node' | 'status'>): string {
  const subject = typeof record.ticket.subject === 'string' ? record.ticket.subject : 'Sample ticket';
  const node = record.definition.nodes.find((n) => n.id === record.node);
  const where = node ? (record.status === 'completed' ? `ends at ${node.name ?? node.id}` : `waits at ${node.name ?? node.id}`) : 'runs';
  return `${subject} ${where}`.slice(0, MAX_CASE_NAME);
}

/** A name not yet used by a case of the definition ("Refund", "Refund (2)"...). */
export function uniqueCaseName(name: string, cases: readonly WorkflowTestCase[]): string {
  const taken = new Set(cases.map((c) => c.name));
  if (!taken.has(name)) return name;
  for (let i = 2; ; i++) {
    const suffix = ` (${i})`;
    const candidate = `${name.slice(0, MAX_CASE_NAME - suffix.length)}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Runs every case of the definition (each case on its own; one crash does not stop the others). */
export async function runCases(definition: WorkflowDefinition): Promise<TestCaseResult[]> {
  const results: TestCaseResult[] = [];
  for (const testCase of definition.tests ?? []) {
    try {
      results.push(await runTestCase(definition, testCase));
    } catch (error) {
      results.push({ name: testCase.name, passed: false, failures: [`the case could not run: ${(error as Error).message}`], path: [], node: null, status: null, endStatus: null });
    }
  }
  return results;
}

/** One line of a case's steps, for the list ("vote manager_approval: approve"). */
export function describeStep(step: WorkflowTestStep): string {
  if ('answer' in step) return `answer ${step.answer}: ${step.outcome}`;
  if ('submit' in step) return `submit ${step.submit}: ${step.action}`;
  if ('vote' in step) return `vote ${step.vote}: ${step.decision}${step.approver ? ` (${step.approver})` : ''}`;
  if ('fire' in step) return `fire ${step.fire}${step.timer ? `: ${step.timer}` : ''}`;
  return `ticket event ${step.ticketEvent}`;
}
