// Rows -> API objects. Only the fields the response schemas publish; dates as ISO strings.
import type { RunHistoryRow, Ticket } from '../db/types.ts';
import type { RunRow } from './repos/runs.repo.ts';
import type { VersionRow, WorkflowWithLatest } from './repos/workflows.repo.ts';
import type { HistoryEntryDto, RunDto, TicketDto, VersionSummary, WorkflowDetail, WorkflowSummary } from './schemas.ts';

export function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export function toWorkflowSummary(row: WorkflowWithLatest): WorkflowSummary {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    latestVersion: row.latest_version === null ? null : Number(row.latest_version),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function toVersionSummary(row: VersionRow): VersionSummary {
  return { id: row.id, version: row.version, note: row.note, publishedAt: iso(row.published_at) };
}

export function toWorkflowDetail(row: WorkflowWithLatest, versions: VersionRow[]): WorkflowDetail {
  return { ...toWorkflowSummary(row), draft: row.draft, versions: versions.map(toVersionSummary) };
}

export function toTicket(row: Ticket): TicketDto {
  return {
    id: row.id,
    subject: row.subject,
    body: row.body,
    status: row.status,
    priority: row.priority,
    fields: (row.fields ?? {}) as Record<string, unknown>,
    tags: row.tags,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export interface NodeInfo {
  id: string;
  kind: string;
  name: string | null;
}

/** Node id -> { kind, name } of a definition; tolerant of any JSON (definitions are validated before publishing). */
export function indexNodes(definition: unknown): Map<string, NodeInfo> {
  const index = new Map<string, NodeInfo>();
  const nodes = (definition as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return index;
  for (const node of nodes as { id?: unknown; kind?: unknown; name?: unknown }[]) {
    if (typeof node?.id !== 'string') continue;
    index.set(node.id, { id: node.id, kind: String(node.kind), name: typeof node.name === 'string' ? node.name : null });
  }
  return index;
}

export function toRun(row: RunRow, nodes: Map<string, NodeInfo> | undefined): RunDto {
  return {
    id: row.id,
    workflowId: row.workflow_id,
    workflowKey: row.workflow_key,
    workflowVersion: row.workflow_version,
    workflowVersionId: row.workflow_version_id,
    ticketId: row.ticket_id,
    status: row.status,
    state: row.state,
    currentNode: nodes?.get(row.state) ?? null,
    sequence: row.sequence,
    error: row.error,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    completedAt: row.completed_at === null ? null : iso(row.completed_at),
  };
}

export function toHistoryEntry(row: RunHistoryRow): HistoryEntryDto {
  return {
    sequence: row.sequence,
    event: row.event,
    fromState: row.from_state,
    toState: row.to_state,
    effects: row.effects,
    at: iso(row.at),
    recordedAt: iso(row.recorded_at),
  };
}
