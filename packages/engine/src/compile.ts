// Definition -> XState machine. One state per node (key = node id); behaviour referenced only as
// { type, params } so the config is plain JSON. Compiled once per definition object (WeakMap).
import { parseIsoDuration, type Escalation, type WorkflowDefinition, type WorkflowNode } from '@flowdesk/schema';
import { workflowSetup } from './machine-setup.ts';
import { isWorkNode, nodeOutcomes } from './outcomes.ts';
import type { RunContext } from './types.ts';

export interface ActionJson {
  type: string;
  params?: Record<string, unknown>;
}
export interface GuardJson {
  type: string;
  params: Record<string, unknown>;
}
export interface TransitionJson {
  target?: string;
  reenter?: true;
  guard?: GuardJson;
  actions: ActionJson[];
}
export interface StateJson {
  entry: ActionJson[];
  on?: Record<string, TransitionJson[]>;
  always?: TransitionJson[];
  type?: 'final';
}
export interface MachineJson {
  id: string;
  initial: string;
  context: RunContext;
  entry: ActionJson[];
  states: Record<string, StateJson>;
}

export interface TimerSpec {
  nodeId: string;
  timerId: string;
  /** The outcome (edge) taken when the timer fires. */
  outcome: string;
  /** Fixed length (the schema accepts weeks..seconds only), so fireAt is simply at + durationMs. */
  durationMs: number;
}

export type WorkflowMachine = ReturnType<typeof workflowSetup.createMachine>;

export interface CompiledWorkflow {
  definition: WorkflowDefinition;
  machine: WorkflowMachine;
  config: MachineJson;
  nodes: ReadonlyMap<string, WorkflowNode>;
  /** source node id -> outcome -> target node id */
  edges: ReadonlyMap<string, ReadonlyMap<string, string>>;
  timers: ReadonlyMap<string, TimerSpec>;
  triggerId: string;
}

/** The definition cannot be turned into a machine (the schema validator reports these earlier, with pointers). */
export class WorkflowCompileError extends Error {
  override name = 'WorkflowCompileError';
}

const cache = new WeakMap<WorkflowDefinition, CompiledWorkflow>();

export function compile(definition: WorkflowDefinition): CompiledWorkflow {
  let compiled = cache.get(definition);
  if (!compiled) {
    compiled = compileUncached(definition);
    cache.set(definition, compiled);
  }
  return compiled;
}

export const emptyContext = (): RunContext => ({
  ticket: {},
  visits: {},
  results: {},
  votes: {},
  failure: null,
  endStatus: null,
});

function compileUncached(definition: WorkflowDefinition): CompiledWorkflow {
  const nodes = new Map<string, WorkflowNode>();
  for (const node of definition.nodes) {
    if (nodes.has(node.id)) throw new WorkflowCompileError(`node id "${node.id}" is used twice`);
    nodes.set(node.id, node);
  }
  const triggers = definition.nodes.filter((n) => n.kind === 'trigger');
  if (triggers.length !== 1) throw new WorkflowCompileError(`a workflow needs exactly one trigger node, found ${triggers.length}`);
  const edges = indexEdges(definition, nodes);
  const timers = new Map<string, TimerSpec>();
  const states: Record<string, StateJson> = {};
  for (const node of definition.nodes) {
    states[node.id] = compileNode(node, edges.get(node.id) ?? new Map(), timers);
  }
  const config: MachineJson = {
    id: definition.key,
    initial: triggers[0]!.id,
    context: emptyContext(),
    entry: [{ type: 'startRun' }],
    states,
  };
  // The config is typed as our JSON shape; XState's config type cannot follow a config built at runtime.
  const machine = workflowSetup.createMachine(config as never);
  return { definition, machine, config, nodes, edges, timers, triggerId: triggers[0]!.id };
}

function indexEdges(definition: WorkflowDefinition, nodes: Map<string, WorkflowNode>): Map<string, Map<string, string>> {
  const edges = new Map<string, Map<string, string>>();
  for (const edge of definition.edges) {
    const source = nodes.get(edge.source);
    if (!source) throw new WorkflowCompileError(`edge "${edge.id}" leaves unknown node "${edge.source}"`);
    if (!nodes.has(edge.target)) throw new WorkflowCompileError(`edge "${edge.id}" enters unknown node "${edge.target}"`);
    const outcomes = nodeOutcomes(source);
    if (!outcomes.includes(edge.outcome)) {
      throw new WorkflowCompileError(
        `edge "${edge.id}": node "${source.id}" (${source.kind}) has no outcome "${edge.outcome}" (outcomes: ${outcomes.join(', ') || 'none'})`,
      );
    }
    const bySource = edges.get(edge.source) ?? new Map<string, string>();
    if (bySource.has(edge.outcome)) {
      throw new WorkflowCompileError(`node "${edge.source}" has two edges for outcome "${edge.outcome}"`);
    }
    bySource.set(edge.outcome, edge.target);
    edges.set(edge.source, bySource);
  }
  return edges;
}

const MERGE_TICKET: ActionJson = { type: 'mergeTicket' };

function go(target: string, guard: GuardJson, actions: ActionJson[]): TransitionJson {
  // reenter: an edge back to the same node is a new visit (exit + entry), not a no-op.
  return { target, reenter: true, guard, actions: [MERGE_TICKET, ...actions] };
}

function compileNode(node: WorkflowNode, out: Map<string, string>, timers: Map<string, TimerSpec>): StateJson {
  const nodeId = node.id;
  const entry: ActionJson[] = [{ type: 'enterNode', params: { nodeId } }];
  const on: Record<string, TransitionJson[]> = {};

  if (isWorkNode(node)) {
    on['effect.result'] = [
      ...[...out].map(([outcome, target]) =>
        go(target, { type: 'resultIs', params: { nodeId, outcome } }, [{ type: 'recordResult', params: { nodeId } }]),
      ),
      // A result whose outcome has no edge: stay, and the run is stuck until a later result for this visit.
      { guard: { type: 'resultFor', params: { nodeId } }, actions: [MERGE_TICKET, { type: 'recordFailure', params: { nodeId } }] },
    ];
  }

  switch (node.kind) {
    case 'trigger': {
      const next = out.get('next');
      return { entry, ...(next ? { always: [{ target: next, actions: [] }] } : {}) };
    }
    case 'rule':
      entry.push({ type: 'evaluateRules', params: { nodeId, rules: node.params } });
      break;
    case 'action':
      entry.push({ type: 'executeAction', params: { nodeId, steps: node.params.steps } });
      break;
    case 'task': {
      const p = node.params;
      entry.push({
        type: 'openTask',
        params: { nodeId, title: p.title, assignee: p.assignee, ...(p.form ? { form: p.form } : {}), actions: p.actions },
      });
      on['task.submit'] = p.actions.flatMap(({ id }) => {
        const target = out.get(id);
        const guard = { type: 'submissionIs', params: { nodeId, action: id } };
        return target ? [go(target, guard, [{ type: 'recordSubmission', params: { nodeId } }])] : [];
      });
      break;
    }
    case 'approval': {
      const p = node.params;
      const required = p.required ?? 1;
      entry.push(
        { type: 'resetVotes', params: { nodeId } },
        { type: 'openApproval', params: { nodeId, title: p.title, approvers: p.approvers, required } },
      );
      const record: ActionJson = { type: 'recordVote', params: { nodeId } };
      const decide = (outcome: string, decision: string, threshold: number): TransitionJson[] => {
        const target = out.get(outcome);
        const guard = { type: 'voteDecides', params: { nodeId, decision, threshold } };
        return target ? [go(target, guard, [record, { type: 'recordOutcome', params: { nodeId, outcome } }])] : [];
      };
      on['approval.vote'] = [
        ...decide('approved', 'approve', required),
        ...decide('rejected', 'reject', p.rejectionsToReject ?? 1),
        { guard: { type: 'voteIsFor', params: { nodeId } }, actions: [MERGE_TICKET, record] },
      ];
      break;
    }
    case 'wait': {
      const p = node.params;
      if (p.duration) addTimer(node, `${nodeId}:elapsed`, 'elapsed', p.duration, entry, on, out, timers);
      const resumed = out.get('resumed');
      if (p.resumeOn?.length && resumed) {
        on['ticket.event'] = [
          go(resumed, { type: 'ticketEventIn', params: { names: p.resumeOn } }, [
            { type: 'recordOutcome', params: { nodeId, outcome: 'resumed' } },
          ]),
        ];
      }
      break;
    }
    case 'end':
      entry.push(
        { type: 'setEndStatus', params: { status: node.params.status } },
        { type: 'completeRun', params: { nodeId, status: node.params.status } },
      );
      return { type: 'final', entry };
    default:
      entry.push({ type: 'runAi', params: { nodeId, task: node.kind.slice(3), params: node.params } });
  }

  const escalations: Escalation[] | undefined =
    node.kind === 'task' || node.kind === 'approval' || node.kind === 'wait' ? node.params.escalations : undefined;
  for (const e of escalations ?? []) {
    addTimer(node, `${nodeId}:escalation:${e.outcome}`, e.outcome, e.after, entry, on, out, timers);
  }
  return Object.keys(on).length ? { entry, on } : { entry };
}

function addTimer(
  node: WorkflowNode,
  timerId: string,
  outcome: string,
  after: string,
  entry: ActionJson[],
  on: Record<string, TransitionJson[]>,
  out: Map<string, string>,
  timers: Map<string, TimerSpec>,
): void {
  const durationMs = parseIsoDuration(after);
  if (durationMs === null) {
    throw new WorkflowCompileError(`node "${node.id}": "${after}" is not an ISO 8601 duration of weeks to seconds (e.g. PT30S, PT4H, P2DT3H)`);
  }
  timers.set(timerId, { nodeId: node.id, timerId, outcome, durationMs });
  entry.push({ type: 'scheduleTimer', params: { nodeId: node.id, timerId, after } });
  const target = out.get(outcome);
  if (target) {
    (on['timer.fired'] ??= []).push(
      go(target, { type: 'timerIs', params: { nodeId: node.id, timerId } }, [
        { type: 'recordOutcome', params: { nodeId: node.id, outcome } },
      ]),
    );
  }
}
