// Kysely types of the AI tables (migration 0007_ai).
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

export interface AiTables {
  ai_models: AiModelsTable;
  ai_feedback: AiFeedbackTable;
  ai_assign_cursors: AiAssignCursorsTable;
}

export type AiModelRow = Selectable<AiModelsTable>;
export type AiFeedbackRow = Selectable<AiFeedbackTable>;
