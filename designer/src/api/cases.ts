// Saved simulation cases through the API: turn a past run into a case (GET /api/runs/:id/test-case) and add
// it to its workflow's draft (PUT /api/workflows/:id/draft), checked first on the draft with the engine so
// the caller can say whether the draft still behaves as the run did.
import type { TestCaseResult } from '@flowdesk/engine';
import type { WorkflowDefinition, WorkflowTestCase } from '@flowdesk/schema';
import { MAX_TEST_CASES, runCases, uniqueCaseName } from '../composables/testCases.ts';
import { ApiError, request, type WorkflowDetail } from './client.ts';

export interface RunTestCase {
  testCase: WorkflowTestCase;
  workflowId: string;
  workflowKey: string;
  /** The published version the run ran on. */
  version: number;
}

export interface ImportedRunCase extends RunTestCase {
  /** The workflow as saved, with the case at the end of its draft's tests. */
  workflow: WorkflowDetail;
  /** The case run on the draft it was added to (the draft may differ from the run's version). */
  result: TestCaseResult;
}

export function getRunTestCase(runId: string): Promise<RunTestCase> {
  return request<RunTestCase>('GET', `/runs/${encodeURIComponent(runId)}/test-case`);
}

/**
 * Adds run `runId` as a saved case to its workflow's draft (needs workflows.write). The name is made unique
 * among the draft's cases; a draft that already holds the maximum number of cases is refused.
 */
export async function importRunAsCase(runId: string, options: { name?: string } = {}): Promise<ImportedRunCase> {
  const found = await getRunTestCase(runId);
  const { workflow } = await request<{ workflow: WorkflowDetail }>('GET', `/workflows/${encodeURIComponent(found.workflowId)}`);
  const draft: WorkflowDefinition = workflow.draft;
  const tests = draft.tests ?? [];
  if (tests.length >= MAX_TEST_CASES) {
    throw new ApiError(409, 'FD_TOO_MANY_CASES', `The draft of ${found.workflowKey} already has ${MAX_TEST_CASES} test cases: delete one first.`);
  }
  const testCase: WorkflowTestCase = { ...found.testCase, name: uniqueCaseName((options.name?.trim() || found.testCase.name).slice(0, 200), tests) };
  const definition: WorkflowDefinition = { ...draft, tests: [...tests, testCase] };
  const [result] = await runCases({ ...definition, tests: [testCase] });
  const saved = await request<{ workflow: WorkflowDetail }>('PUT', `/workflows/${encodeURIComponent(found.workflowId)}/draft`, { definition });
  return { ...found, testCase, workflow: saved.workflow, result: result! };
}
