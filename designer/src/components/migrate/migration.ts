// The "Move runs" page's model, pure: which nodes a run can be moved to, the mapping pre-filled with identical
// node ids, the request body, and the server's problems sorted by the state they concern.
import type { NodeKind, WorkflowDefinition } from '@flowdesk/schema';
import type { ErrorDetail } from '../../api/client.ts';

export interface TargetOption {
  id: string;
  label: string;
  kind: NodeKind;
}

/** Kinds a run cannot be re-entered at (the server's rule): the trigger, and a group (a run is at one of its members). */
const NOT_A_TARGET: ReadonlySet<string> = new Set(['trigger', 'group']);

/** Nodes of the target version a run can be re-entered at. */
export function targetOptions(target: WorkflowDefinition): TargetOption[] {
  return target.nodes
    .filter((n) => !NOT_A_TARGET.has(n.kind))
    .map((n) => ({ id: n.id, kind: n.kind, label: n.name && n.name !== n.id ? `${n.name} (${n.id})` : n.id }));
}

/** The mapping the page starts with: each state that has runs goes to the node with the same id, if the target has one. */
export function defaultMapping(states: readonly string[], target: WorkflowDefinition): Record<string, string> {
  const ids = new Set(targetOptions(target).map((o) => o.id));
  const mapping: Record<string, string> = {};
  for (const state of states) if (ids.has(state)) mapping[state] = state;
  return mapping;
}

/**
 * The `mapping` sent to the server: the chosen targets only. A state left unchosen is not sent, so the server
 * applies its rule (the same id) and reports the runs there as a problem when the target lacks that node.
 */
export function mappingBody(mapping: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(mapping).filter(([, to]) => to !== ''));
}

/** Decodes one JSON pointer segment (RFC 6901). */
function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * The server's problems (preview `problems`, or a 400's details) by the state they concern: paths
 * `/body/mapping/<old node id>`. Problems about anything else (a version, the confirm count) go under ''.
 */
export function problemsByState(details: readonly ErrorDetail[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const d of details) {
    const m = /^\/body\/mapping\/(.+)$/.exec(d.path);
    const state = m ? unescapePointer(m[1]!) : '';
    // The message repeats the pointer first ("/body/mapping/x: …"); the table shows the state already.
    const text = m && d.message.startsWith(`${d.path}: `) ? d.message.slice(d.path.length + 2) : d.message;
    out.set(state, [...(out.get(state) ?? []), text]);
  }
  return out;
}

/** "3 runs" */
export function runsText(n: number): string {
  return `${n} run${n === 1 ? '' : 's'}`;
}
