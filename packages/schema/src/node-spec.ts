// The descriptor every node kind exports: data the validator, engine, designer palette, property
// form and docs all read (n8n-style), so no other module needs a switch over kinds.
import type { JSONSchema } from './json-schema.ts';
import type { NodeKind, NodeParamsByKind } from './types.ts';

export type NodeCategory = 'flow' | 'logic' | 'ai' | 'human' | 'action' | 'time';

/**
 * How the engine treats the node: `start` is the entry, `work` runs and leaves at once by an outcome,
 * `waiting` stays until an outside event or timer, `final` ends the run, `group` is a compound state: never
 * a state of its own, it holds member nodes and leaves by its outcomes while the run is at any of them.
 */
export type NodeBehaviour = 'start' | 'work' | 'waiting' | 'final' | 'group';

export interface OutcomeSpec {
  /** Edge outcome name. */
  name: string;
  label: string;
  /** An optional outcome may be left unconnected (e.g. `error`: the run then stops as failed). */
  optional?: boolean;
  /** JSON pointer, relative to the node's params, of the value that declared this outcome. */
  declaredAt?: string;
}

export interface NodeSpec<K extends NodeKind = NodeKind> {
  kind: K;
  /** Bumped on a breaking change of params or outcomes. */
  version: number;
  label: string;
  description: string;
  category: NodeCategory;
  /** Standalone draft-07 schema of the node's params. */
  paramsSchema: JSONSchema;
  /** Params for a node freshly dropped on the canvas; valid against paramsSchema. */
  defaults: NodeParamsByKind[K];
  behaviour: NodeBehaviour;
  /** Outcomes the node can leave by, in display order. Only called with params valid for the kind. */
  outcomes(params: NodeParamsByKind[K]): OutcomeSpec[];
}

/** The optional failure outcome of nodes that do work which can fail (rules, AI, actions). */
export const errorOutcome: OutcomeSpec = { name: 'error', label: 'Error', optional: true };

export function escalationOutcomes(escalations: { outcome: string }[] | undefined): OutcomeSpec[] {
  return (escalations ?? []).map((e, i) => ({
    name: e.outcome,
    label: `Escalated (${e.outcome})`,
    declaredAt: `/escalations/${i}/outcome`,
  }));
}
