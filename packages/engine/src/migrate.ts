// migrateRun(): move a running run onto another version of its workflow, re-entering it at a chosen node.
//
// The new version's machine is extended (for this purpose only: step() and the exported XState JSON never
// see it) with one root-level transition per non-trigger node, each guarded by the `run.migrate` event's
// target. The run's context is rehydrated on that machine at the trigger (the one state every version has and
// that is never final), and the migrate event moves it to the target: the target's entry actions run exactly
// as on a normal entry, so it gets the same effects (timers, task.open, approval.open, AI/action work, rule
// evaluation, run.complete), stamped with a new visit of the target. Events and timers of the old visit are
// therefore stale and ignored by step() (relevance.ts), as after any other transition.
import type { WorkflowDefinition } from '@flowdesk/schema';
import { settle } from './advance.ts';
import { compile, type CompiledWorkflow, type TransitionJson, type WorkflowMachine } from './compile.ts';
import { toEffects } from './effects.ts';
import { workflowSetup } from './machine-setup.ts';
import { persist, stateOf, transition, type LiveSnapshot } from './run.ts';
import type { MigrateResult, RunContext, RunMigratedEvent, RunSnapshot } from './types.ts';

/** The run cannot be migrated as asked (unknown or trigger target, finished run). */
export class RunMigrationError extends Error {
  override name = 'RunMigrationError';
}

const migrationMachines = new WeakMap<CompiledWorkflow, WorkflowMachine>();

function migrationMachine(compiled: CompiledWorkflow): WorkflowMachine {
  let machine = migrationMachines.get(compiled);
  if (!machine) {
    const into: TransitionJson[] = [];
    for (const node of compiled.nodes.values()) {
      if (node.kind === 'trigger' || node.kind === 'group') continue;
      // Entering a member enters its group: a new visit of the group and its timer, as an edge from outside would.
      const group = compiled.groups.get(compiled.groupOf.get(node.id) ?? '');
      // Not reenter: the root is not left (its entry, startRun, would reset the ticket); only the child changes.
      into.push({ target: `.${node.id}`, guard: { type: 'migrateTo', params: { nodeId: node.id } }, actions: group ? [...group.entry] : [] });
    }
    machine = workflowSetup.createMachine({ ...compiled.config, on: { 'run.migrate': into } } as never);
    migrationMachines.set(compiled, machine);
  }
  return machine;
}

/** Why the run cannot be re-entered at `targetNodeId` of this definition; null when it can. */
export function migrationTargetProblem(definition: WorkflowDefinition, targetNodeId: string): string | null {
  const node = compile(definition).nodes.get(targetNodeId);
  if (!node) return `workflow "${definition.key}" has no node "${targetNodeId}"`;
  if (node.kind === 'trigger') return `node "${targetNodeId}" is the trigger: a run cannot be moved to it`;
  if (node.kind === 'group') return `node "${targetNodeId}" is a group: move the run to one of its members`;
  return null;
}

/**
 * Re-enters a run at `targetNodeId` of `newDefinition`, keeping its ticket, its visits, and the results and
 * votes of nodes the new definition still has. A failure of the old version is dropped (the target's work is
 * done afresh). Rule nodes entered are resolved in-process, as in advance(). Pure; `at` stamps the effects
 * (timers fire at `at` + duration) and the steps.
 */
export async function migrateRun(newDefinition: WorkflowDefinition, oldSnapshot: RunSnapshot, targetNodeId: string, at: string): Promise<MigrateResult> {
  const compiled = compile(newDefinition);
  const from = stateOf(oldSnapshot);
  if (oldSnapshot.status !== 'active') throw new RunMigrationError(`the run is finished (at node "${from}"): only running runs can be migrated`);
  const problem = migrationTargetProblem(newDefinition, targetNodeId);
  if (problem) throw new RunMigrationError(problem);

  const old = oldSnapshot.context;
  const context: RunContext = {
    ticket: old.ticket,
    visits: { ...old.visits },
    results: keepNodes(old.results, compiled),
    votes: keepNodes(old.votes, compiled),
    failure: null,
    endStatus: null,
  };
  const machine = migrationMachine(compiled);
  const parked: LiveSnapshot = machine.resolveState({ value: compiled.triggerId, context } as Parameters<WorkflowMachine['resolveState']>[0]);
  const [next, actions] = transition(machine, parked, { type: 'run.migrate', target: targetNodeId, at });
  if (next === parked) {
    throw new RunMigrationError(`the run could not be moved to node "${targetNodeId}"`);
  }
  const snapshot = persist(machine, next);
  const event: RunMigratedEvent = { type: 'run.migrated', at, from, to: targetNodeId };
  const first = { snapshot, effects: toEffects(compiled, actions, snapshot.context, at), changed: true, from, to: targetNodeId };
  return settle(compiled, first, event);
}

function keepNodes<T>(byNode: Record<string, T>, compiled: CompiledWorkflow): Record<string, T> {
  const kept: Record<string, T> = {};
  for (const nodeId in byNode) if (compiled.nodes.has(nodeId)) kept[nodeId] = byNode[nodeId]!;
  return kept;
}
