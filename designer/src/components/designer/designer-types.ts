// Data carried by each Vue Flow node and edge of the designer canvas.
import type { OutcomeSpec, WorkflowNode } from '@flowdesk/schema';
import type { Problem } from '../../composables/useValidation.ts';
import type { DiffStatus } from '../../composables/workflowDiff.ts';

export type NodeRunState = 'current' | 'visited' | 'dimmed' | null;

export interface KindData {
  node: WorkflowNode;
  outcomes: OutcomeSpec[];
  problems: Problem[];
  runState: NodeRunState;
  readonly: boolean;
  /** Set on the versions page: how the node differs between the two versions compared. */
  diffState?: DiffStatus | null;
}

/** Data of an outcome edge (DesignerEdge): its lane among the edges leaving the same node, and how many there are. */
export interface OutcomeEdgeData {
  lane: number;
  lanes: number;
}

/** Highlight of a run (simulator or inspector) on the canvas. */
export interface RunHighlight {
  current: string | null;
  visited: Set<string>;
  /** Edge ids that were taken. */
  taken: Set<string>;
}

/** A version comparison on the canvas (see composables/workflowDiff.ts). */
export interface DiffHighlight {
  nodeStatus: Map<string, DiffStatus>;
  edgeStatus: Map<string, DiffStatus>;
  extraOutcomes: Map<string, string[]>;
}
