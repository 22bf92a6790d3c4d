// The simulator: runs the real @flowdesk/engine in the browser on a sample ticket. Rule nodes are evaluated
// by advance(); every other effect waits for the user, who answers it with the events the node accepts.
import { advance, describeRun, type Effect, type RunDescription, type RunEvent, type RunSnapshot, type StepRecord } from '@flowdesk/engine';
import { nodeCatalog, outcomesOf, type WorkflowDefinition, type WorkflowNode, type WorkflowTestCase } from '@flowdesk/schema';
import { computed, ref, shallowRef, type Ref } from 'vue';
import type { RunHighlight } from '../components/designer/designer-types.ts';
import { simulationToCase } from './testCases.ts';
import { cloneJson } from './useWorkflowGraph.ts';

export const SAMPLE_TICKET = {
  subject: 'Refund for order 1042',
  body: 'I was charged twice for my order. Please refund one payment.',
  priority: 'urgent',
  status: 'open',
  channel: 'email',
  tags: ['billing'],
  fields: { category: 'billing', orderValue: 129 },
};

export interface LogEntry extends StepRecord {
  n: number;
}

/** One button of the simulator: the event it sends and how it is described. */
export interface SimAction {
  id: string;
  label: string;
  group: 'task' | 'approval' | 'timer' | 'event' | 'result';
  tone?: 'primary' | 'danger';
  /** A caveat shown with the button (business-hours timers: simulated as elapsed time). */
  note?: string;
  build: (input: { approver: string; output: unknown; at: string }) => RunEvent;
}

export function findEdgeIds(def: WorkflowDefinition, steps: readonly StepRecord[]): Set<string> {
  const trigger = def.nodes.find((n) => n.kind === 'trigger')?.id ?? null;
  const byId = new Map(def.nodes.map((n) => [n.id, n]));
  const taken = new Set<string>();
  for (const s of steps) {
    const from = s.from ?? trigger;
    if (!from || !s.changed) continue;
    const outcome = outcomeOf(s.event);
    // Groups: a step may follow an edge of the group it leaves (a boundary transition: timeout, cancelled), and
    // an edge into a group lands on the group's initial member.
    const sources = [from, byId.get(from)?.parentId];
    const parent = byId.get(byId.get(s.to)?.parentId ?? '');
    const targets = [s.to, parent?.kind === 'group' && parent.params.initial === s.to ? parent.id : undefined];
    const candidates = def.edges.filter((e) => sources.includes(e.source) && targets.includes(e.target));
    const exact = candidates.find((e) => e.outcome === outcome);
    for (const e of exact ? [exact] : candidates) taken.add(e.id);
  }
  return taken;
}

function outcomeOf(event: StepRecord['event'] | { type: string; [k: string]: unknown }): string | undefined {
  const e = event as Record<string, unknown>;
  if (e.type === 'effect.result') return e.outcome as string;
  if (e.type === 'task.submit') return e.action as string;
  if (e.type === 'approval.vote') return e.decision === 'approve' ? 'approved' : 'rejected';
  if (e.type === 'timer.fired') return String(e.timerId).split(':').at(-1);
  if (e.type === 'ticket.event') return undefined; // `resumed` (a wait) or `cancelled` (a group): the edge's ends tell
  if (e.type === 'run.start') return 'next';
  return undefined;
}

export function useSimulator(definition: Ref<WorkflowDefinition>) {
  const ticketText = ref(JSON.stringify(SAMPLE_TICKET, null, 2));
  const ticketError = ref<string | null>(null);
  const running = shallowRef<WorkflowDefinition | null>(null);
  const snapshot = shallowRef<RunSnapshot | null>(null);
  const log = ref<LogEntry[]>([]);
  const effects = shallowRef<Effect[]>([]);
  const message = ref<string | null>(null);
  const busy = ref(false);
  /** Simulated clock: starts at the real time, jumps forward when a timer is fired. */
  const clock = ref(Date.now());
  /** The ticket the run started with and the events the user sent that the run accepted: a saved case's steps. */
  const startTicket = shallowRef<Record<string, unknown> | null>(null);
  const sent = shallowRef<RunEvent[]>([]);

  /** Saved cases are not part of what runs: adding one does not make the simulation stale. */
  const runnable = (def: WorkflowDefinition | null): string => {
    if (!def) return '';
    const { tests: _tests, ...rest } = def;
    return JSON.stringify(rest);
  };
  const stale = computed(() => running.value !== null && runnable(running.value) !== runnable(definition.value));
  const status = computed<RunDescription | null>(() => {
    if (!running.value || !snapshot.value) return null;
    try {
      return describeRun(running.value, snapshot.value);
    } catch {
      return null;
    }
  });
  const currentNode = computed<WorkflowNode | null>(() => running.value?.nodes.find((n) => n.id === status.value?.nodeId) ?? null);
  const visit = computed(() => (status.value ? (snapshot.value?.context.visits[status.value.nodeId] ?? 1) : 0));
  const allEffects = computed(() => log.value.flatMap((s) => s.effects));

  function push(steps: StepRecord[]): void {
    for (const s of steps) log.value.push({ ...s, n: log.value.length + 1 });
  }

  function parseTicket(): Record<string, unknown> | null {
    try {
      const t = JSON.parse(ticketText.value) as unknown;
      if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new Error('the sample ticket must be a JSON object');
      ticketError.value = null;
      return t as Record<string, unknown>;
    } catch (err) {
      ticketError.value = (err as Error).message;
      return null;
    }
  }

  async function start(): Promise<void> {
    const ticket = parseTicket();
    if (!ticket) return;
    reset();
    const def = cloneJson(definition.value);
    busy.value = true;
    try {
      const result = await advance(def, null, { start: { ticket, at: new Date(clock.value).toISOString() } });
      running.value = def;
      startTicket.value = ticket;
      snapshot.value = result.snapshot;
      effects.value = result.effects;
      push(result.steps);
    } catch (err) {
      message.value = `The run could not start: ${(err as Error).message}`;
    } finally {
      busy.value = false;
    }
  }

  async function send(event: RunEvent): Promise<boolean> {
    if (!running.value || !snapshot.value) return false;
    busy.value = true;
    message.value = null;
    try {
      const at = Date.parse(event.at);
      if (at > clock.value) clock.value = at;
      const result = await advance(running.value, snapshot.value, { event });
      if (result.ignoredReason) {
        message.value = `Ignored: ${result.ignoredReason}`;
        return false;
      }
      snapshot.value = result.snapshot;
      effects.value = result.effects;
      push(result.steps);
      sent.value = [...sent.value, event];
      return true;
    } catch (err) {
      message.value = (err as Error).message;
      return false;
    } finally {
      busy.value = false;
    }
  }

  function reset(): void {
    running.value = null;
    snapshot.value = null;
    log.value = [];
    effects.value = [];
    message.value = null;
    clock.value = Date.now();
    startTicket.value = null;
    sent.value = [];
  }

  /** The simulation so far as a saved case: its ticket, the steps taken, and where it is now as the expectation. */
  function toTestCase(name: string): WorkflowTestCase | null {
    if (!running.value || !snapshot.value || !startTicket.value) return null;
    return simulationToCase(
      {
        definition: running.value,
        ticket: startTicket.value,
        events: sent.value,
        log: log.value,
        node: status.value?.nodeId ?? null,
        status: status.value?.status ?? null,
        endStatus: snapshot.value.context.endStatus ?? null,
      },
      name,
    );
  }

  /** The events the current node accepts, as buttons. */
  const actions = computed<SimAction[]>(() => {
    const node = currentNode.value;
    const st = status.value;
    if (!node || !st || st.status === 'completed') return [];
    const v = visit.value;
    const list: SimAction[] = [];
    const params = node.params as Record<string, unknown>;
    const behaviour = nodeCatalog[node.kind].behaviour;
    if (node.kind === 'task') {
      for (const a of (params.actions as { id: string; label: string }[]) ?? []) {
        list.push({ id: `task:${a.id}`, label: a.label, group: 'task', tone: 'primary', build: ({ at, output }) => ({ type: 'task.submit', nodeId: node.id, visit: v, action: a.id, actor: 'simulator', at, ...(output && typeof output === 'object' ? { data: output as Record<string, unknown> } : {}) }) });
      }
    }
    if (node.kind === 'approval') {
      list.push({ id: 'vote:approve', label: 'Approve', group: 'approval', tone: 'primary', build: ({ approver, at }) => ({ type: 'approval.vote', nodeId: node.id, visit: v, approver, decision: 'approve', at }) });
      list.push({ id: 'vote:reject', label: 'Reject', group: 'approval', tone: 'danger', build: ({ approver, at }) => ({ type: 'approval.vote', nodeId: node.id, visit: v, approver, decision: 'reject', at }) });
    }
    if (node.kind === 'wait') {
      for (const name of (params.resumeOn as string[] | undefined) ?? []) {
        list.push({ id: `event:${name}`, label: `Ticket event ${name}`, group: 'event', build: ({ at }) => ({ type: 'ticket.event', name, at }) });
      }
    }
    // Timers scheduled for this visit: fire them now (fast-forward the clock to their time).
    for (const e of allEffects.value) {
      if (e.type === 'timer.schedule' && e.nodeId === node.id && e.visit === v) {
        const base = e.timerId.endsWith(':elapsed') ? 'Fire timer: elapsed' : `Fire escalation: ${e.timerId.split(':').at(-1)}`;
        // The simulator has no calendars: a business-hours timer fires at its start + duration of elapsed time
        // (the engine's fireAt); the server counts the duration in the calendar (docs/sla.md).
        const bh = e.businessHours;
        const label = bh ? `${base} (business hours)` : base;
        const note = bh ? `Counted in business hours${bh.calendar ? ` (calendar ${bh.calendar})` : ''} on the server; simulated here as elapsed time.` : undefined;
        list.push({ id: `timer:${e.timerId}`, label, group: 'timer', ...(note ? { note } : {}), build: () => ({ type: 'timer.fired', nodeId: node.id, visit: v, timerId: e.timerId, at: e.fireAt }) });
      }
    }
    // The group the node is in: its cancel events and its timer (scheduled when the run entered the group).
    const group = running.value?.nodes.find((n) => n.id === node.parentId && n.kind === 'group');
    if (group?.kind === 'group') {
      const groupLabel = group.name ?? group.id;
      for (const name of group.params.cancelOn ?? []) {
        if (list.some((a) => a.id === `event:${name}`)) continue; // the member takes it itself (it wins)
        list.push({ id: `event:${name}`, label: `Ticket event ${name} (cancels ${groupLabel})`, group: 'event', tone: 'danger', build: ({ at }) => ({ type: 'ticket.event', name, at }) });
      }
      const gv = snapshot.value?.context.visits[group.id] ?? 0;
      for (const e of allEffects.value) {
        if (e.type === 'timer.schedule' && e.nodeId === group.id && e.visit === gv) {
          list.push({ id: `timer:${e.timerId}`, label: `Fire group timeout (${groupLabel})`, group: 'timer', build: () => ({ type: 'timer.fired', nodeId: group.id, visit: gv, timerId: e.timerId, at: e.fireAt }) });
        }
      }
    }
    // Work nodes (AI, actions) wait for their effect's result: answer with any declared outcome.
    if (behaviour === 'work' && node.kind !== 'rule') {
      let outcomes: string[] = [];
      try {
        outcomes = outcomesOf(node).map((o) => o.name);
      } catch {
        outcomes = [];
      }
      for (const o of outcomes) {
        list.push({ id: `result:${o}`, label: `Result: ${o}`, group: 'result', tone: o === 'error' ? 'danger' : undefined, build: ({ at, output }) => ({ type: 'effect.result', nodeId: node.id, visit: v, outcome: o, at, ...(output !== undefined ? { output } : {}), ...(o === 'error' ? { error: 'simulated failure' } : {}) }) });
      }
    }
    return list;
  });

  const highlight = computed<RunHighlight | null>(() => {
    if (!running.value || !snapshot.value) return null;
    const visited = new Set<string>();
    const trigger = running.value.nodes.find((n) => n.kind === 'trigger');
    if (trigger) visited.add(trigger.id);
    for (const s of log.value) {
      if (s.from) visited.add(s.from);
      visited.add(s.to);
    }
    return { current: status.value?.status === 'completed' ? null : (status.value?.nodeId ?? null), visited, taken: findEdgeIds(running.value, log.value) };
  });

  return { definition, ticketText, ticketError, running, snapshot, log, effects, message, busy, clock, stale, status, currentNode, visit, actions, highlight, startTicket, sent, start, send, reset, toTestCase };
}

export type Simulator = ReturnType<typeof useSimulator>;
