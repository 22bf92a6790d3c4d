// @flowdesk/engine: workflow definition -> XState machine; pure start()/step(); rules; advance() for callers.
export { compile, WorkflowCompileError } from './compile.ts';
export type { CompiledWorkflow, MachineJson, StateJson, TransitionJson, ActionJson, GuardJson, TimerSpec, WorkflowMachine } from './compile.ts';
export { start, step } from './run.ts';
export { advance, WorkflowLoopError, MAX_INTERNAL_STEPS } from './advance.ts';
export { migrateRun, migrationTargetProblem, RunMigrationError } from './migrate.ts';
export { evaluateRules, matchesTrigger, conditionsHold } from './rules.ts';
export type { RuleFacts, RuleEvaluation } from './rules.ts';
export { describeRun, exportXState, groupLeft } from './describe.ts';
export type { RunDescription } from './describe.ts';
export { workflowSetup } from './machine-setup.ts';
export type { StartInput } from './machine-setup.ts';
export { nodeOutcomes } from './outcomes.ts';
export { runTestCase, runTestCases, TEST_EPOCH } from './test-cases.ts';
export type { TestCaseResult } from './test-cases.ts';
export type * from './types.ts';
