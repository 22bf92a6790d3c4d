// Moving running runs to another version of their workflow (docs/api.md, docs/architecture.md "Run migration"):
// where the unfinished runs are (GET /run-counts), what a state mapping would do (POST /migrations/preview,
// changes nothing) and applying it (POST /migrations with the preview's run count as `confirm`).
import { request, type ErrorDetail } from './client.ts';

export interface VersionRunCounts {
  version: number;
  /** Unfinished runs (running, waiting, stuck) on this version. */
  runs: number;
  byState: { state: string; runs: number }[];
}

export interface MigrationRequest {
  fromVersion: number;
  toVersion: number;
  /** Old node id -> node id of toVersion; a node not listed keeps its id. */
  mapping: Record<string, string>;
}

export interface MigrationPreview {
  runs: number;
  /** `to: null`: the runs at `from` have no target (unmapped, or mapped to a node toVersion lacks). */
  byState: { from: string; to: string | null; runs: number }[];
  /** Why it cannot be applied as asked; empty: it can. Paths are /body/mapping/<old node id>. */
  problems: ErrorDetail[];
}

export interface MigrationResult {
  migrated: number;
  failed: { runId: string; error: string }[];
}

const base = (workflowId: string) => `/workflows/${encodeURIComponent(workflowId)}`;

export const migrationsApi = {
  /** Versions of the workflow that have unfinished runs, oldest first (workflows.read). */
  runCounts: (workflowId: string) => request<{ versions: VersionRunCounts[] }>('GET', `${base(workflowId)}/run-counts`).then((r) => r.versions),
  /** What moving would do; an invalid mapping is a 400 whose details point at /body/mapping/<node> (workflows.publish). */
  preview: (workflowId: string, body: MigrationRequest) => request<MigrationPreview>('POST', `${base(workflowId)}/migrations/preview`, body),
  /** Moves the runs; 409 when the count is no longer `confirm` or the mapping leaves runs without a target (workflows.publish). */
  apply: (workflowId: string, body: MigrationRequest & { confirm: number }) => request<MigrationResult>('POST', `${base(workflowId)}/migrations`, body),
};
