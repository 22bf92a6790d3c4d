// Kysely types of the AI tables (migrations 0007_ai, 0012_ai_provenance).
import type { Generated, Selectable } from 'kysely';
import type { JsonWithDefault, Timestamp } from '../column-types.ts';

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

export interface AiTables {
  ai_models: AiModelsTable;
  ai_feedback: AiFeedbackTable;
  ai_assign_cursors: AiAssignCursorsTable;
  ai_field_provenance: AiFieldProvenanceTable;
}

export type AiModelRow = Selectable<AiModelsTable>;
export type AiFeedbackRow = Selectable<AiFeedbackTable>;
