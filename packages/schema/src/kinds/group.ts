import type { NodeSpec, OutcomeSpec } from '../node-spec.ts';
import { duration, id, list, name, object } from '../schema-parts.ts';

/**
 * A group is a compound state: the nodes whose `parentId` names it are its members, and its outcomes are
 * boundary transitions that apply while the run is at ANY member. An edge into the group enters its
 * `initial` member; entering it from outside (or by an edge that targets the group itself) starts its timer,
 * and leaving it makes that timer stale. Groups do not nest. The engine compiles a group into boundary
 * transitions on each member, so state values stay flat node ids (see packages/engine/README.md).
 */
export const groupSpec: NodeSpec<'group'> = {
  kind: 'group',
  version: 1,
  label: 'Group',
  description: 'A compound state: a set of nodes with a shared timeout and cancel event that apply while the run is at any of them.',
  category: 'flow',
  behaviour: 'group',
  paramsSchema: object('Group parameters.', {
    initial: id('Member node entered when an edge enters the group; needed when any edge targets the group itself.'),
    timeout: duration('Leave by "timeout" when the run is still anywhere in the group this long after entering it (ISO 8601, e.g. "PT4H").'),
    cancelOn: list(
      'Leave by "cancelled" when one of these ticket events arrives while the run is anywhere in the group, e.g. "ticket.closed".',
      name('Event name.'),
      20,
      { minItems: 1, uniqueItems: true },
    ),
  }),
  defaults: { timeout: 'PT4H' },
  outcomes(params) {
    const out: OutcomeSpec[] = [];
    if (params.timeout !== undefined) out.push({ name: 'timeout', label: 'Timed out', declaredAt: '/timeout' });
    if (params.cancelOn?.length) out.push({ name: 'cancelled', label: 'Cancelled', declaredAt: '/cancelOn' });
    return out;
  },
};
