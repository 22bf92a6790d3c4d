// Definition -> XState machine. One state per node (key = node id); behaviour referenced only as
// { type, params } so the config is plain JSON. Compiled once per definition object (WeakMap).
//
// Groups (compound states) are compiled flat: a group is not a state of its own. Its outcomes become boundary
// transitions on every member state (after the member's own, as XState gives a child's transitions priority),
// and entering it -- by an edge from outside, or by an edge that targets the group itself -- runs the group's
// entry actions (a visit of the group, its timer) on that edge. The state value therefore stays a plain node
// id for every workflow, which the server's `state` column, run history, migrations, saved test cases and the
// run inspector all rely on; see packages/engine/README.md ("Groups").
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
  /**
   * Counted in business hours (the duration's `businessHours` param): the effect says so, and the server, which
   * knows the calendars, turns it into the due instant (fireAt here stays at + durationMs, the earliest possible).
   */
  businessHours?: { calendar?: string };
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
  /** Groups by id (compound states). */
  groups: ReadonlyMap<string, GroupSpec>;
  /** member node id -> its group id */
  groupOf: ReadonlyMap<string, string>;
}

export interface GroupSpec {
  id: string;
  members: readonly string[];
  initial?: string;
  /** Ticket events that cancel the group (its `cancelled` outcome). */
  cancelOn: readonly string[];
  /** Actions run by every transition that enters the group: a new visit of the group, then its timer. */
  entry: readonly ActionJson[];
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
  const { groups, groupOf } = indexGroups(definition, nodes, timers);
  const links = linker(groups, groupOf);
  const states: Record<string, StateJson> = {};
  for (const node of definition.nodes) {
    if (node.kind === 'group') continue;
    const out = edges.get(node.id) ?? new Map<string, string>();
    const state = compileNode(node, out, timers, links.from(node.id), links.resolve);
    const group = groups.get(groupOf.get(node.id) ?? '');
    if (group && state.type !== 'final') addBoundaryTransitions(state, group, edges.get(group.id) ?? new Map(), links.from(node.id));
    states[node.id] = state;
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
  return { definition, machine, config, nodes, edges, timers, triggerId: triggers[0]!.id, groups, groupOf };
}

function indexGroups(
  definition: WorkflowDefinition,
  nodes: Map<string, WorkflowNode>,
  timers: Map<string, TimerSpec>,
): { groups: Map<string, GroupSpec>; groupOf: Map<string, string> } {
  const groupOf = new Map<string, string>();
  const members = new Map<string, string[]>();
  for (const node of definition.nodes) {
    if (node.parentId === undefined) continue;
    const parent = nodes.get(node.parentId);
    if (parent?.kind !== 'group') throw new WorkflowCompileError(`node "${node.id}": parent "${node.parentId}" is not a group node`);
    if (node.kind === 'group' || node.kind === 'trigger') throw new WorkflowCompileError(`node "${node.id}" (${node.kind}) cannot be a member of a group`);
    groupOf.set(node.id, parent.id);
    members.set(parent.id, [...(members.get(parent.id) ?? []), node.id]);
  }
  const groups = new Map<string, GroupSpec>();
  for (const node of definition.nodes) {
    if (node.kind !== 'group') continue;
    const p = node.params;
    const own = members.get(node.id) ?? [];
    if (p.initial !== undefined && !own.includes(p.initial)) {
      throw new WorkflowCompileError(`group "${node.id}": initial node "${p.initial}" is not a member of the group`);
    }
    const entry: ActionJson[] = [{ type: 'enterNode', params: { nodeId: node.id } }];
    if (p.timeout !== undefined) {
      const timerId = `${node.id}:timeout`;
      timers.set(timerId, { nodeId: node.id, timerId, outcome: 'timeout', durationMs: durationOf(node, p.timeout) });
      entry.push({ type: 'scheduleTimer', params: { nodeId: node.id, timerId, after: p.timeout } });
    }
    groups.set(node.id, { id: node.id, members: own, ...(p.initial !== undefined ? { initial: p.initial } : {}), cancelOn: p.cancelOn ?? [], entry });
  }
  return { groups, groupOf };
}

/** Builds a transition leaving `source`; bound per source node so edges into groups get the group's entry. */
export type Go = (target: string, guard: GuardJson, actions: ActionJson[]) => TransitionJson;

function linker(groups: ReadonlyMap<string, GroupSpec>, groupOf: ReadonlyMap<string, string>) {
  /** Where an edge to `declared` lands and the group entry it performs when it leaves `source` (null: the trigger's start). */
  const resolve: Resolve = (source, declared) => {
    const targetGroup = groups.get(declared);
    if (targetGroup) {
      // An edge to the group itself (re-)enters it, also from one of its members (XState's reenter on the parent).
      if (targetGroup.initial === undefined) throw new WorkflowCompileError(`an edge enters group "${declared}", which has no initial node`);
      return { target: targetGroup.initial, entry: targetGroup.entry };
    }
    const into = groups.get(groupOf.get(declared) ?? '');
    const inside = into !== undefined && source !== null && groupOf.get(source) === into.id;
    return { target: declared, entry: into && !inside ? into.entry : [] };
  };
  return {
    resolve,
    from(source: string | null): Go {
      return (declared, guard, actions) => {
        const { target, entry } = resolve(source, declared);
        // reenter: an edge back to the same node is a new visit (exit + entry), not a no-op.
        return { target, reenter: true, guard, actions: [MERGE_TICKET, ...actions, ...entry] };
      };
    },
  };
}

/** The group's outcomes as transitions of one member state, after the member's own transitions. */
function addBoundaryTransitions(state: StateJson, group: GroupSpec, out: Map<string, string>, go: Go): void {
  const on = (state.on ??= {});
  const timeout = out.get('timeout');
  const timerId = `${group.id}:timeout`;
  if (timeout !== undefined && group.entry.length > 1) {
    (on['timer.fired'] ??= []).push(
      go(timeout, { type: 'timerIs', params: { nodeId: group.id, timerId } }, [{ type: 'recordOutcome', params: { nodeId: group.id, outcome: 'timeout' } }]),
    );
  }
  const cancelled = out.get('cancelled');
  if (cancelled !== undefined && group.cancelOn.length > 0) {
    (on['ticket.event'] ??= []).push(
      go(cancelled, { type: 'ticketEventIn', params: { names: [...group.cancelOn] } }, [
        { type: 'recordOutcome', params: { nodeId: group.id, outcome: 'cancelled' } },
      ]),
    );
  }
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

type Resolve = (source: string | null, declared: string) => { target: string; entry: readonly ActionJson[] };

function compileNode(node: WorkflowNode, out: Map<string, string>, timers: Map<string, TimerSpec>, go: Go, resolve: Resolve): StateJson {
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
      if (!next) return { entry };
      const { target, entry: enterGroup } = resolve(null, next);
      return { entry, always: [{ target, actions: [...enterGroup] }] };
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
      if (p.duration) addTimer(node, `${nodeId}:elapsed`, 'elapsed', p.duration, entry, on, out, timers, go, businessOf(p));
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
    case 'group':
      throw new WorkflowCompileError(`group "${nodeId}" is not a state`); // unreachable: groups are skipped
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
    addTimer(node, `${nodeId}:escalation:${e.outcome}`, e.outcome, e.after, entry, on, out, timers, go, businessOf(e));
  }
  return Object.keys(on).length ? { entry, on } : { entry };
}

/** The business-hours option of a duration's params (wait params, an escalation), or undefined for elapsed time. */
function businessOf(p: { businessHours?: boolean; calendar?: string }): TimerSpec['businessHours'] {
  if (p.businessHours !== true) return undefined;
  return p.calendar ? { calendar: p.calendar } : {};
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
  go: Go,
  businessHours?: TimerSpec['businessHours'],
): void {
  const durationMs = durationOf(node, after);
  timers.set(timerId, { nodeId: node.id, timerId, outcome, durationMs, ...(businessHours ? { businessHours } : {}) });
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

function durationOf(node: WorkflowNode, after: string): number {
  const durationMs = parseIsoDuration(after);
  if (durationMs === null) {
    throw new WorkflowCompileError(`node "${node.id}": "${after}" is not an ISO 8601 duration of weeks to seconds (e.g. PT30S, PT4H, P2DT3H)`);
  }
  return durationMs;
}
