// Data carried by each Vue Flow node and edge of the designer canvas.
import type { OutcomeSpec, WorkflowNode } from '@flowdesk/schema';
import type { Problem } from '../../composables/useValidation.ts';

export type NodeRunState = 'current' | 'visited' | 'dimmed' | null;

export interface KindData {
  node: WorkflowNode;
  outcomes: OutcomeSpec[];
  problems: Problem[];
  runState: NodeRunState;
  readonly: boolean;
}

/** Highlight of a run (simulator or inspector) on the canvas. */
export interface RunHighlight {
  current: string | null;
  visited: Set<string>;
  /** Edge ids that were taken. */
  taken: Set<string>;
}
