// Read-only views of a run and of the compiled machine.
import type { NodeKind, WorkflowDefinition } from '@flowdesk/schema';
import { compile, type MachineJson } from './compile.ts';
import { isWaitingNode } from './outcomes.ts';
import { stateOf } from './run.ts';
import type { RunSnapshot, RunStatus } from './types.ts';

export interface RunDescription {
  nodeId: string;
  kind: NodeKind;
  status: RunStatus;
}

/** completed: at an end node; stuck: a node's work failed with no edge for it; waiting: on people/time; running: work in flight. */
export function describeRun(definition: WorkflowDefinition, snapshot: RunSnapshot): RunDescription {
  const nodeId = stateOf(snapshot);
  const node = compile(definition).nodes.get(nodeId);
  if (!node) throw new Error(`snapshot is at node "${nodeId}", which workflow "${definition.key}" does not have`);
  const status: RunStatus =
    snapshot.status === 'done' || node.kind === 'end'
      ? 'completed'
      : snapshot.context.failure
        ? 'stuck'
        : isWaitingNode(node)
          ? 'waiting'
          : 'running';
  return { nodeId, kind: node.kind, status };
}

/**
 * The group a step from `from` to `to` leaves, if any (the run was at a member and `to` is outside that group):
 * its pending timer is stale from then on. For callers that cancel a left node's pending timers (the server's
 * timer outbox cancels by node and visit), so the group's timer can be cancelled too instead of firing to be ignored.
 */
export function groupLeft(definition: WorkflowDefinition, from: string | null, to: string): string | null {
  if (from === null) return null;
  const { groupOf } = compile(definition);
  const group = groupOf.get(from);
  return group !== undefined && groupOf.get(to) !== group ? group : null;
}

/** The compiled machine as plain XState JSON; feed it to the engine's setup() implementations to get the same machine. */
export function exportXState(definition: WorkflowDefinition): MachineJson {
  // A copy: the cached config backs the live machine and must not be edited through the export.
  return structuredClone(compile(definition).config);
}
