// Published versions never change (a database trigger refuses it), so a process may cache them forever.
// Keeping the same object per version also keeps the engine's compiled-machine cache warm.
import type { Kysely } from 'kysely';
import type { WorkflowDefinition } from '@flowdesk/schema';
import type { Database } from '../db/types.ts';
import { notFound } from '../errors.ts';

export class DefinitionCache {
  readonly #byVersionId = new Map<string, WorkflowDefinition>();

  async get(db: Kysely<Database>, versionId: string): Promise<WorkflowDefinition> {
    const cached = this.#byVersionId.get(versionId);
    if (cached) return cached;
    const row = await db.selectFrom('workflow_versions').select('definition').where('id', '=', versionId).executeTakeFirst();
    if (!row) throw notFound('workflow version', versionId);
    const definition = row.definition as WorkflowDefinition;
    this.#byVersionId.set(versionId, definition);
    return definition;
  }
}
