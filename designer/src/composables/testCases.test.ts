import { runTestCase } from '@flowdesk/engine';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h, ref } from 'vue';
import example from '../../../packages/schema/examples/escalating-approval.json' with { type: 'json' };
import { importRunAsCase } from '../api/cases.ts';
import SimulatorPanel from '../components/simulator/SimulatorPanel.vue';
import { json, mockFetch } from '../test/fetch-mock.ts';
import { eventToStep, runCases, simulationToCase, uniqueCaseName } from './testCases.ts';
import { useSimulator } from './useSimulator.ts';
import { cloneJson, createWorkflowGraph, provideWorkflowGraph } from './useWorkflowGraph.ts';

/** The example workflow without its own cases: the tests below add theirs. */
function workflow(): WorkflowDefinition {
  const { tests: _tests, ...rest } = cloneJson(example as unknown as WorkflowDefinition);
  return rest;
}
const at = '2026-03-01T10:00:00.000Z';

/** Low priority: the wait escalates, the action is answered, the manager rejects. */
async function simulateEscalation(def: WorkflowDefinition) {
  const sim = useSimulator(ref(def));
  sim.ticketText.value = JSON.stringify({ subject: 'Refund', priority: 'low' });
  await sim.start();
  const act = async (id: string, approver = 'maria') => {
    const action = sim.actions.value.find((a) => a.id === id);
    if (!action) throw new Error(`no action ${id}: ${sim.actions.value.map((a) => a.id).join(', ')}`);
    expect(await sim.send(action.build({ approver, output: id.startsWith('result') ? { note: 'raised' } : undefined, at }))).toBe(true);
  };
  await act('timer:cooling_off:escalation:escalated');
  await act('result:done');
  await act('vote:reject');
  return sim;
}

describe('simulation -> saved test case', () => {
  it('maps the simulator events to test steps and the run to the expectation', async () => {
    const def = workflow();
    const sim = await simulateEscalation(def);
    const testCase = sim.toTestCase('low priority escalates and is rejected')!;
    expect(testCase).toEqual({
      name: 'low priority escalates and is rejected',
      ticket: { subject: 'Refund', priority: 'low' },
      steps: [
        { fire: 'cooling_off', timer: 'escalated' },
        { answer: 'escalate', outcome: 'done', output: { note: 'raised' } },
        { vote: 'manager_approval', decision: 'reject', approver: 'maria' },
      ],
      expect: { path: ['triage', 'cooling_off', 'escalate', 'manager_approval', 'rejected'], node: 'rejected', status: 'completed', endStatus: 'closed' },
    });
    // The saved case passes on the engine, as the CLI would run it.
    const result = await runTestCase(def, testCase);
    expect(result.failures).toEqual([]);
    expect(result.passed).toBe(true);
  });

  it('a changed definition makes the case fail, with the reason', async () => {
    const def = workflow();
    const testCase = (await simulateEscalation(def)).toTestCase('escalation')!;
    const changed = cloneJson(def);
    changed.edges.find((e) => e.source === 'manager_approval' && e.outcome === 'rejected')!.target = 'resolved';
    const [result] = await runCases({ ...changed, tests: [testCase] });
    expect(result!.passed).toBe(false);
    expect(result!.failures).toEqual([
      'path: expected triage → cooling_off → escalate → manager_approval → rejected, got triage → cooling_off → escalate → manager_approval → resolved',
      'node: expected rejected, got resolved',
      'end status: expected closed, got resolved',
    ]);
  });

  it('a waiting run becomes a case that expects the wait; rules are not steps', async () => {
    const def = workflow();
    const sim = useSimulator(ref(def));
    await sim.start(); // the sample ticket is urgent: the rule sends it to the approval
    const testCase = sim.toTestCase('')!;
    expect(testCase.name).toBe('Refund for order 1042 waits at Manager approval');
    expect(testCase.steps).toEqual([]);
    expect(testCase.expect).toEqual({ path: ['triage', 'manager_approval'], node: 'manager_approval', status: 'waiting' });
    expect((await runTestCase(def, testCase)).passed).toBe(true);
    const kinds = new Map([['triage', 'rule']]);
    expect(eventToStep({ type: 'effect.result', nodeId: 'triage', visit: 1, outcome: 'urgent', at }, kinds)).toBeNull();
    expect(eventToStep({ type: 'ticket.event', name: 'customer.replied', ticket: { priority: 'high' }, at }, kinds)).toEqual({ ticketEvent: 'customer.replied', ticket: { priority: 'high' } });
    expect(uniqueCaseName('a', [{ name: 'a', ticket: {}, steps: [], expect: {} }])).toBe('a (2)');
  });
});

describe('SimulatorPanel: Save as test case, Test cases, Run all, delete', () => {
  it('saves the simulation into the draft, runs the cases (pass, then fail after a change) and deletes one', async () => {
    const graph = createWorkflowGraph(workflow());
    const sim = useSimulator(graph.definition);
    const Host = defineComponent({
      setup() {
        provideWorkflowGraph(graph);
        return () => h(SimulatorPanel, { sim, canStart: true });
      },
    });
    const w = mount(Host, { attachTo: document.body });
    expect(w.find('[data-testid="test-cases"]').text()).toContain('No saved cases yet');
    await w.find('textarea[aria-label="Sample ticket JSON"]').setValue(JSON.stringify({ subject: 'Refund', priority: 'low' }));
    await w.find('.btn-primary').trigger('click');
    await flushPromises();
    for (const id of ['timer:cooling_off:escalation:escalated', 'result:done', 'vote:reject']) {
      await w.find(`[data-action="${id}"]`).trigger('click');
      await flushPromises();
    }
    expect(w.find('[data-testid="sim-done"]').exists()).toBe(true);

    await w.find('[data-testid="save-case-open"]').trigger('click');
    const name = w.find('input[aria-label="Test case name"]');
    expect((name.element as HTMLInputElement).value).toBe('Refund ends at Rejected');
    await name.setValue('Escalated and rejected');
    await w.find('form.save-form').trigger('submit');
    expect(graph.definition.value.tests?.map((t) => t.name)).toEqual(['Escalated and rejected']);
    expect(graph.definition.value.tests![0]!.steps).toHaveLength(3);
    expect(w.text()).toContain('Saved “Escalated and rejected”: 3 steps');
    // Saving a case does not make the simulation stale.
    expect(sim.stale.value).toBe(false);

    // A second case: the urgent sample ticket waiting at the approval.
    await w.find('button.btn-sm').trigger('click'); // Reset
    await w.find('textarea[aria-label="Sample ticket JSON"]').setValue(JSON.stringify({ subject: 'Server down', priority: 'urgent' }));
    await w.find('.btn-primary').trigger('click');
    await flushPromises();
    await w.find('[data-testid="save-case-open"]').trigger('click');
    await w.find('form.save-form').trigger('submit');
    expect(graph.definition.value.tests?.map((t) => t.name)).toEqual(['Escalated and rejected', 'Server down waits at Manager approval']);

    await w.find('[data-testid="run-all"]').trigger('click');
    await vi.waitFor(() => expect(w.find('[data-testid="tc-summary"]').text()).toContain('2 passed'));
    expect(w.findAll('[data-testid="test-case"].pass')).toHaveLength(2);

    // Change the workflow: a rejection now resolves. The first case fails and says why.
    graph.apply((d) => {
      d.edges.find((e) => e.source === 'manager_approval' && e.outcome === 'rejected')!.target = 'resolved';
    });
    await flushPromises();
    expect(w.find('[data-testid="tc-summary"]').text()).toContain('the workflow changed since');
    await w.find('[data-testid="run-all"]').trigger('click');
    await vi.waitFor(() => expect(w.find('[data-testid="tc-summary"]').text()).toContain('1 passed, 1 failed'));
    const failures = w.find('[data-testid="tc-failures"]').text();
    expect(failures).toContain('end status: expected closed, got resolved');
    expect(failures).toContain('path: expected triage → cooling_off → escalate → manager_approval → rejected');

    await w.find('[aria-label="Delete test case Escalated and rejected"]').trigger('click');
    expect(graph.definition.value.tests?.map((t) => t.name)).toEqual(['Server down waits at Manager approval']);
    w.unmount();
  });
});

describe('importRunAsCase (a past run into the draft)', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('fetches the run as a case, checks it on the draft and saves the draft with it', async () => {
    const draft = { ...workflow(), tests: [{ name: 'Run 1234abcd: triage → manager_approval → resolved', ticket: {}, steps: [], expect: {} }] };
    const testCase = {
      name: 'Run 1234abcd: triage → manager_approval → resolved',
      ticket: { subject: 'Server down', priority: 'urgent' },
      steps: [{ vote: 'manager_approval', decision: 'approve', approver: 'ann' }],
      expect: { path: ['triage', 'manager_approval', 'resolved'], node: 'resolved', status: 'completed', endStatus: 'resolved' },
    };
    const detail = { id: 'wf-1', key: draft.key, name: draft.name, latestVersion: 1, createdAt: at, updatedAt: at, versions: [], draft };
    const calls = mockFetch((call) => {
      if (call.method === 'GET' && call.url === '/api/runs/1234abcd-0000/test-case') return json(200, { testCase, workflowId: 'wf-1', workflowKey: draft.key, version: 1 });
      if (call.method === 'GET' && call.url === '/api/workflows/wf-1') return json(200, { workflow: detail });
      if (call.method === 'PUT' && call.url === '/api/workflows/wf-1/draft') return json(200, { workflow: { ...detail, draft: (call.body as { definition: unknown }).definition } });
      return json(404, { error: { code: 'FD_NOT_FOUND', message: 'no' } });
    });
    const result = await importRunAsCase('1234abcd-0000');
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['GET /api/runs/1234abcd-0000/test-case', 'GET /api/workflows/wf-1', 'PUT /api/workflows/wf-1/draft']);
    const saved = (calls[2]!.body as { definition: WorkflowDefinition }).definition;
    expect(saved.nodes).toEqual(draft.nodes);
    expect(saved.tests!.map((t) => t.name)).toEqual([draft.tests[0]!.name, `${testCase.name} (2)`]);
    expect(saved.tests![1]!.steps).toEqual(testCase.steps);
    expect(result.result.passed).toBe(true);
    expect(result.testCase.name).toBe(`${testCase.name} (2)`);
  });
});
