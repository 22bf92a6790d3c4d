// Kysely types of the AI tables (migrations 0007_ai, 0012_ai_provenance, 0014_ai_usage_trainings).
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { JsonWithDefault, NullableTimestamp, Timestamp } from '../column-types.ts';

export interface AiModelsTable {
  id: Generated<string>;
  organisation_id: string;
  task: 'classify' | 'sentiment';
  /** The ticket field a classify model predicts ('' for sentiment). */
  field: Generated<string>;
  mode: string;
  format_version: number;
  /** LocalClassifier.serialize() */
  blob: Buffer;
  metrics: JsonWithDefault<Record<string, unknown>>;
  trained_at: Timestamp;
}

export interface AiFeedbackTable {
  id: Generated<string>;
  organisation_id: string;
  ticket_id: string;
  field: string;
  predicted: string | null;
  corrected: string;
  created_at: Timestamp;
}

export interface AiAssignCursorsTable {
  organisation_id: string;
  scope: string;
  last_agent_id: string | null;
  updated_at: Timestamp;
}

/** Which ticket field an AI classify node set, and to what (migration 0012). */
export interface AiFieldProvenanceTable {
  ticket_id: string;
  field: string;
  organisation_id: string;
  value: string;
  model_id: string | null;
  run_id: string | null;
  confidence: number | null;
  set_at: Timestamp;
}

/** bigint columns: pg returns them as strings; written as numbers. */
type NullableBigIntColumn = ColumnType<string | null, number | bigint | string | null | undefined, number | bigint | string | null>;

export type AiUsageOutcome = 'ok' | 'fallback' | 'error';

/** One executed AI effect (migration 0014): what it cost and how it went. */
export interface AiUsageTable {
  id: Generated<string>;
  organisation_id: string;
  /** The effect's idempotency key: a retried effect updates its row. */
  idempotency_key: string;
  run_id: string | null;
  /** Cleared when the ticket is deleted (retention); the usage stays. */
  ticket_id: string | null;
  node_id: string;
  task: string;
  /** The provider (and model) the node asked for; tokens and cost are theirs. */
  provider: string;
  model: string | null;
  /** The provider whose answer was used (local after a fallback); null after an error. */
  answered_by: string | null;
  input_tokens: Generated<number>;
  output_tokens: Generated<number>;
  /** Micro-dollars; null = no known price. */
  cost_micro_usd: NullableBigIntColumn;
  latency_ms: Generated<number>;
  outcome: AiUsageOutcome;
  detail: string | null;
  at: Timestamp;
}

export interface AiSettingsTable {
  organisation_id: string;
  monthly_budget_micro_usd: NullableBigIntColumn;
  updated_at: Timestamp;
}

export type AiTrainingStatus = 'queued' | 'running' | 'succeeded' | 'failed';

/** A retraining job (migration 0014); one queued/running row per organisation and field. */
export interface AiTrainingsTable {
  id: Generated<string>;
  organisation_id: string;
  field: string;
  force: Generated<boolean>;
  status: ColumnType<AiTrainingStatus, AiTrainingStatus | undefined, AiTrainingStatus>;
  progress: Generated<number>;
  stage: string | null;
  base_model_id: string | null;
  model_id: string | null;
  result: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  error: string | null;
  requested_by: string | null;
  created_at: Timestamp;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
  updated_at: Timestamp;
}

export interface AiTables {
  ai_models: AiModelsTable;
  ai_feedback: AiFeedbackTable;
  ai_assign_cursors: AiAssignCursorsTable;
  ai_field_provenance: AiFieldProvenanceTable;
  ai_usage: AiUsageTable;
  ai_settings: AiSettingsTable;
  ai_trainings: AiTrainingsTable;
}



export type AiModelRow = Selectable<AiModelsTable>;
export type AiFeedbackRow = Selectable<AiFeedbackTable>;
