// start() and step(): pure, synchronous, deterministic. Snapshots in and out are XState persisted snapshots
// (plain JSON); the effects are data for the outside world to execute.
import type { WorkflowDefinition } from '@flowdesk/schema';
import { createActor, type ActorScope, type SnapshotFrom } from 'xstate';
import { compile, type CompiledWorkflow, type WorkflowMachine } from './compile.ts';
import { toEffects, type ReturnedAction } from './effects.ts';
import { whyIgnored } from './relevance.ts';
import type { RunEvent, RunMigrateEvent, RunSnapshot, StepResult, Ticket } from './types.ts';

export type LiveSnapshot = SnapshotFrom<WorkflowMachine>;

// Rehydrating a persisted snapshot (machine.resolveState) is the costliest part of a step; the snapshots the
// engine returns are remembered so that feeding one straight back (advance loop, simulator) skips it.
// Snapshots are immutable values: nobody mutates them, so the remembered live snapshot stays equivalent.
const liveSnapshots = new WeakMap<WorkflowMachine, WeakMap<RunSnapshot, LiveSnapshot>>();

function remember(machine: WorkflowMachine, persisted: RunSnapshot, live: LiveSnapshot): void {
  let byMachine = liveSnapshots.get(machine);
  if (!byMachine) liveSnapshots.set(machine, (byMachine = new WeakMap()));
  byMachine.set(persisted, live);
}

function rehydrate(machine: WorkflowMachine, persisted: RunSnapshot): LiveSnapshot {
  const known = liveSnapshots.get(machine)?.get(persisted);
  if (known) return known;
  const live = machine.resolveState(persisted as Parameters<WorkflowMachine['resolveState']>[0]);
  remember(machine, persisted, live);
  return live;
}

export function persist(machine: WorkflowMachine, live: LiveSnapshot): RunSnapshot {
  const persisted = machine.getPersistedSnapshot(live) as Record<string, unknown>;
  // Drop undefined keys (output, error) so the snapshot equals its own JSON round trip.
  for (const key in persisted) if (persisted[key] === undefined) delete persisted[key];
  const snapshot = persisted as RunSnapshot;
  remember(machine, snapshot, live);
  return snapshot;
}

// xstate's transition()/initialTransition() build a fresh inert actor scope per call, and building it runs the
// machine's initial transition once more (createActor is eager): that doubled the cost of a step. We do what
// they do -- a scope whose actionExecutor only collects actions -- but build it once per machine.
// Safe because a step is synchronous and no action is ever executed.
interface Collector {
  scope: ActorScope<LiveSnapshot, RunEvent>;
  actions: ReturnedAction[];
}
const collectors = new WeakMap<WorkflowMachine, Collector>();

function collectorFor(machine: WorkflowMachine): Collector {
  let collector = collectors.get(machine);
  if (!collector) {
    const self = createActor(machine);
    const actions: ReturnedAction[] = [];
    const scope = {
      self,
      system: self.system,
      id: '',
      sessionId: '',
      logger: () => {},
      defer: () => {},
      emit: () => {},
      stopChild: () => {},
      actionExecutor: (action: ReturnedAction) => void actions.push(action),
    } as unknown as ActorScope<LiveSnapshot, RunEvent>;
    collectors.set(machine, (collector = { scope, actions }));
  }
  collector.actions.length = 0;
  return collector;
}

function initialTransition(machine: WorkflowMachine, input: { ticket: Ticket; at: string }): [LiveSnapshot, ReturnedAction[]] {
  const { scope, actions } = collectorFor(machine);
  const next = machine.getInitialSnapshot(scope, input);
  return [next, actions.splice(0)];
}

export function transition(machine: WorkflowMachine, live: LiveSnapshot, event: RunEvent | RunMigrateEvent): [LiveSnapshot, ReturnedAction[]] {
  const { scope, actions } = collectorFor(machine);
  const next = machine.transition(live, event as RunEvent, scope);
  return [next, actions.splice(0)];
}

export function stateOf(snapshot: { value: unknown }): string {
  return snapshot.value as string;
}

/** The initial snapshot for a ticket: the trigger is transient, so the run is already at the trigger's next node. */
export function start(definition: WorkflowDefinition, ticket: Ticket, at: string): StepResult {
  const compiled = compile(definition);
  const [live, actions] = initialTransition(compiled.machine, { ticket, at });
  const snapshot = persist(compiled.machine, live);
  return {
    snapshot,
    effects: toEffects(compiled, actions, snapshot.context, at),
    changed: true,
    from: null,
    to: stateOf(snapshot),
  };
}

/** Applies one event. Never throws on a stale or irrelevant event: returns changed:false with ignoredReason. */
export function step(definition: WorkflowDefinition, snapshot: RunSnapshot, event: RunEvent): StepResult {
  return stepCompiled(compile(definition), snapshot, event);
}

export function stepCompiled(compiled: CompiledWorkflow, snapshot: RunSnapshot, event: RunEvent): StepResult {
  const from = stateOf(snapshot);
  const reason = whyIgnored(compiled, from, snapshot.status, snapshot.context, event);
  if (reason !== null) return ignored(snapshot, from, reason);

  const live = rehydrate(compiled.machine, snapshot);
  const [next, actions] = transition(compiled.machine, live, event);
  if (next === live) return ignored(snapshot, from, `no transition of node "${from}" accepts this ${event.type}`);
  const persisted = persist(compiled.machine, next);
  return {
    snapshot: persisted,
    effects: toEffects(compiled, actions, persisted.context, event.at),
    changed: true,
    from,
    to: stateOf(persisted),
  };
}

function ignored(snapshot: RunSnapshot, at: string, ignoredReason: string): StepResult {
  return { snapshot, effects: [], changed: false, from: at, to: at, ignoredReason };
}
