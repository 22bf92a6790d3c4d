// The guard and action implementations every compiled workflow is bound to, once, through setup().
// Compiled configs reference them only as { type, params }, so the config stays plain JSON (exportXState).
// Effect actions are no-ops: XState returns them from transition() unexecuted and the engine turns them into
// Effect data (effects.ts); the outside world executes them.
import { assign, setup } from 'xstate';
import type { Ticket, RunContext, RunEvent, RunMigrateEvent } from './types.ts';

export interface StartInput {
  ticket: Ticket;
  at: string;
}

type NodeRef = { nodeId: string };

/** The event is for node `nodeId` at its current visit (visit optional for human events). */
function isForCurrentVisit(context: RunContext, event: RunEvent, nodeId: string): boolean {
  if (!('nodeId' in event) || event.nodeId !== nodeId) return false;
  return event.visit === undefined || event.visit === (context.visits[nodeId] ?? 0);
}

function countVotes(votes: Record<string, string>, decision: string): number {
  let n = 0;
  for (const approver in votes) if (votes[approver] === decision) n++;
  return n;
}

export const workflowSetup = setup({
  types: {
    context: {} as RunContext,
    events: {} as RunEvent | RunMigrateEvent,
    input: {} as StartInput | undefined,
  },
  guards: {
    /** effect.result for the current visit of nodeId with this outcome. */
    resultIs: ({ context, event }, p: NodeRef & { outcome: string }) =>
      event.type === 'effect.result' && isForCurrentVisit(context, event, p.nodeId) && event.outcome === p.outcome,
    /** effect.result for the current visit of nodeId (any outcome): the fallback that marks the run stuck. */
    resultFor: ({ context, event }, p: NodeRef) =>
      event.type === 'effect.result' && isForCurrentVisit(context, event, p.nodeId),
    submissionIs: ({ context, event }, p: NodeRef & { action: string }) =>
      event.type === 'task.submit' && isForCurrentVisit(context, event, p.nodeId) && event.action === p.action,
    timerIs: ({ context, event }, p: NodeRef & { timerId: string }) =>
      event.type === 'timer.fired' && isForCurrentVisit(context, event, p.nodeId) && event.timerId === p.timerId,
    /** run.migrate into nodeId (the root-level transitions of the migration machine, migrate.ts). */
    migrateTo: ({ event }, p: NodeRef) => event.type === 'run.migrate' && event.target === p.nodeId,
    ticketEventIn: ({ event }, p: { names: string[] }) => event.type === 'ticket.event' && p.names.includes(event.name),
    voteIsFor: ({ context, event }, p: NodeRef) =>
      event.type === 'approval.vote' && isForCurrentVisit(context, event, p.nodeId),
    /** This vote (replacing the approver's earlier one) brings `decision` to `threshold`. */
    voteDecides: ({ context, event }, p: NodeRef & { decision: 'approve' | 'reject'; threshold: number }) => {
      if (event.type !== 'approval.vote' || !isForCurrentVisit(context, event, p.nodeId)) return false;
      if (event.decision !== p.decision) return false;
      const votes = { ...context.votes[p.nodeId], [event.approver]: event.decision };
      return countVotes(votes, p.decision) >= p.threshold;
    },
  },
  actions: {
    // Root entry: runs once, on the xstate.init event that carries the start input.
    startRun: assign(({ event }) => ({ ticket: { ...(event as { input?: StartInput }).input?.ticket } })),
    mergeTicket: assign(({ context, event }) => (event.ticket ? { ticket: { ...context.ticket, ...event.ticket } } : {})),
    enterNode: assign(({ context }, p: NodeRef) => ({
      visits: { ...context.visits, [p.nodeId]: (context.visits[p.nodeId] ?? 0) + 1 },
    })),
    resetVotes: assign(({ context }, p: NodeRef) => ({ votes: { ...context.votes, [p.nodeId]: {} } })),
    recordResult: assign(({ context, event }, p: NodeRef) => {
      if (event.type !== 'effect.result') return {};
      const output = event.output ?? (event.error !== undefined ? { error: event.error } : null);
      return { results: { ...context.results, [p.nodeId]: output }, failure: null };
    }),
    recordFailure: assign(({ event }, p: NodeRef) => {
      if (event.type !== 'effect.result') return {};
      const error = event.error ?? `outcome "${event.outcome}" has no edge leaving node "${p.nodeId}"`;
      return { failure: { nodeId: p.nodeId, visit: event.visit, error } };
    }),
    recordSubmission: assign(({ context, event }, p: NodeRef) => {
      if (event.type !== 'task.submit') return {};
      const result = { action: event.action, data: event.data ?? {}, actor: event.actor ?? null };
      return { results: { ...context.results, [p.nodeId]: result } };
    }),
    recordVote: assign(({ context, event }, p: NodeRef) => {
      if (event.type !== 'approval.vote') return {};
      return { votes: { ...context.votes, [p.nodeId]: { ...context.votes[p.nodeId], [event.approver]: event.decision } } };
    }),
    recordOutcome: assign(({ context, event }, p: NodeRef & { outcome: string }) => ({
      results: { ...context.results, [p.nodeId]: { outcome: p.outcome, at: event.at } },
    })),
    setEndStatus: assign((_, p: { status: 'resolved' | 'closed' | 'cancelled' }) => ({ endStatus: p.status })),
    // Effect actions: data for the outside world, collected from transition()'s returned actions.
    evaluateRules: () => {},
    runAi: () => {},
    executeAction: () => {},
    openTask: () => {},
    openApproval: () => {},
    scheduleTimer: () => {},
    completeRun: () => {},
  },
});

/** Names of the actions that become effects (everything else is a context assignment). */
export const EFFECT_ACTIONS = new Set([
  'evaluateRules',
  'runAi',
  'executeAction',
  'openTask',
  'openApproval',
  'scheduleTimer',
  'completeRun',
]);
