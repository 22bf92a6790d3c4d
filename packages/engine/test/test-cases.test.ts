// Saved simulation cases on the real engine: paths, end states, timers on a simulated clock, and clear
// failures when a case no longer matches the workflow.
import { readFile } from 'node:fs/promises';
import { validateDefinition, type WorkflowDefinition, type WorkflowTestCase } from '@flowdesk/schema';
import { describe, expect, it } from 'vitest';
import { runTestCase, runTestCases } from '../src/index.ts';

const example = async (): Promise<WorkflowDefinition> =>
  JSON.parse(await readFile(new URL('../../schema/examples/escalating-approval.json', import.meta.url), 'utf8')) as WorkflowDefinition;

const urgentApproved: WorkflowTestCase = {
  name: 'urgent tickets go straight to the manager',
  ticket: { subject: 'Server down', priority: 'urgent' },
  steps: [{ vote: 'manager_approval', decision: 'approve' }],
  expect: { path: ['triage', 'manager_approval', 'resolved'], node: 'resolved', status: 'completed', endStatus: 'resolved' },
};

const normalEscalated: WorkflowTestCase = {
  name: 'a normal ticket nobody answers escalates, then is rejected',
  ticket: { subject: 'Refund', priority: 'normal' },
  steps: [{ fire: 'cooling_off', timer: 'escalated' }, { answer: 'escalate', outcome: 'done' }, { vote: 'manager_approval', decision: 'reject' }],
  expect: { path: ['triage', 'cooling_off', 'escalate', 'manager_approval', 'rejected'], status: 'completed', endStatus: 'closed' },
};

describe('workflow test cases', () => {
  it('pass when the workflow does what they say (rules evaluated for real, timers fired on a simulated clock)', async () => {
    const definition = await example();
    expect(await runTestCase(definition, urgentApproved)).toMatchObject({ passed: true, failures: [], node: 'resolved', endStatus: 'resolved' });
    expect(await runTestCase(definition, normalEscalated)).toMatchObject({ passed: true, path: normalEscalated.expect.path });
  });

  it('a customer reply resumes the cooling-off wait', async () => {
    const result = await runTestCase(await example(), {
      name: 'reply resumes',
      ticket: { priority: 'low' },
      steps: [{ ticketEvent: 'customer.replied' }],
      expect: { node: 'manager_approval', status: 'waiting' },
    });
    expect(result.failures).toEqual([]);
  });

  it('fail with readable reasons when the workflow changed under them', async () => {
    const definition = await example();
    // Someone makes urgent tickets wait too: the saved case now fails on its path and its vote.
    const triage = definition.nodes.find((n) => n.id === 'triage')!;
    (triage.params as { rules: { conditions: { any: { value: unknown }[] } }[] }).rules[0]!.conditions.any[0]!.value = ['critical'];
    const result = await runTestCase(definition, urgentApproved);
    expect(result.passed).toBe(false);
    expect(result.failures[0]).toMatch(/^step 1 \(vote manager_approval: approve\): node "manager_approval" has not been reached/);
    expect(result.failures).toContain('path: expected triage → manager_approval → resolved, got triage → cooling_off');
    expect(result.failures).toContain('status: expected completed, got waiting');
  });

  it('name what is pending when a step cannot apply', async () => {
    const result = await runTestCase(await example(), { name: 'wrong timer', ticket: { priority: 'low' }, steps: [{ fire: 'cooling_off', timer: 'nope' }], expect: {} });
    expect(result.failures[0]).toMatch(/no pending timer "nope" \(pending: timer\.schedule@cooling_off:elapsed, timer\.schedule@cooling_off:escalated\)/);
  });

  it('live in the definition: validated by the schema and run all at once', async () => {
    const definition = { ...(await example()), tests: [urgentApproved, normalEscalated] };
    expect(validateDefinition(definition).valid).toBe(true);
    const bad = validateDefinition({ ...definition, tests: [{ name: 'x', ticket: {}, steps: [{ vote: 'manager_approval', decision: 'maybe' }], expect: {} }] });
    expect(bad.valid).toBe(false);
    expect((await runTestCases(definition)).map((r) => r.passed)).toEqual([true, true]);
  });
});

describe('shipped definitions', () => {
  it('pass their own saved cases (examples and templates/*/workflow.json)', async () => {
    const { readdir } = await import('node:fs/promises');
    const root = new URL('../../../', import.meta.url);
    const files = [new URL('packages/schema/examples/escalating-approval.json', root)];
    for (const entry of await readdir(new URL('templates/', root), { withFileTypes: true })) {
      if (entry.isDirectory()) files.push(new URL(`templates/${entry.name}/workflow.json`, root));
    }
    let cases = 0;
    for (const file of files) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        continue; // a template folder without a workflow.json is checked by the templates test
      }
      const definition = JSON.parse(text) as WorkflowDefinition;
      for (const result of await runTestCases(definition)) {
        cases++;
        expect(result.failures, `${definition.key}: ${result.name}`).toEqual([]);
      }
    }
    expect(cases).toBeGreaterThanOrEqual(3);
  });
});
