// The demo workflow that `flowdesk start --demo` installs: the schema package's escalating-approval
// example, saved as a workflow with its draft and published as version 1. Safe to run on every start
// and from several processes at once.
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { validateDefinition } from '@flowdesk/schema';
import type { Database } from './db/types.ts';

export const DEMO_WORKFLOW_KEY = 'escalating-approval';

export interface DemoWorkflow {
  workflowId: string;
  versionId: string;
  version: number;
  /** false when the workflow was already published (by an earlier start). */
  published: boolean;
}

/** The example file, found through the workspace package so it works from any working directory. */
export function demoWorkflowFile(): string {
  // createRequire rather than import.meta.resolve, which vitest's module runner lacks.
  const entry = createRequire(import.meta.url).resolve('@flowdesk/schema');
  return path.join(path.dirname(entry), '..', 'examples', `${DEMO_WORKFLOW_KEY}.json`);
}

export async function loadDemo(db: Kysely<Database>, logger: Logger): Promise<DemoWorkflow> {
  const doc = JSON.parse(await fs.readFile(demoWorkflowFile(), 'utf8')) as { key?: string; name?: string };
  // Published versions are immutable, so never publish something the validator rejects.
  const result = validateDefinition(doc);
  if (!result.valid) {
    const lines = result.errors.map((e) => `${e.path || '/'}: ${e.message}`).join('\n  ');
    throw new Error(`the demo workflow ${demoWorkflowFile()} is invalid:\n  ${lines}`);
  }
  const key = doc.key ?? DEMO_WORKFLOW_KEY;
  const json = JSON.stringify(doc);

  const demo = await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('workflows')
      .values({ key, name: doc.name ?? key, draft: json })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const workflow = await trx.selectFrom('workflows').select('id').where('key', '=', key).executeTakeFirstOrThrow();

    const latest = () =>
      trx
        .selectFrom('workflow_versions')
        .select(['id', 'version'])
        .where('workflow_id', '=', workflow.id)
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
    const existing = await latest();
    if (existing) return { workflowId: workflow.id, versionId: existing.id, version: existing.version, published: false };

    const inserted = await trx
      .insertInto('workflow_versions')
      .values({ workflow_id: workflow.id, version: 1, definition: json, note: 'demo workflow' })
      .onConflict((oc) => oc.columns(['workflow_id', 'version']).doNothing())
      .returning(['id', 'version'])
      .executeTakeFirst();
    // No row back: another process published it concurrently.
    const version = inserted ?? (await latest());
    if (!version) throw new Error(`could not publish the demo workflow ${key}`);
    return { workflowId: workflow.id, versionId: version.id, version: version.version, published: inserted !== undefined };
  });

  logger.info({ workflow: key, version: demo.version }, demo.published ? 'demo workflow published' : 'demo workflow already present');
  return demo;
}
