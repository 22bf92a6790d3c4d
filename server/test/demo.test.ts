import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateDefinition } from '@flowdesk/schema';
import { loadDemo } from '../src/demo.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';

describe('loadDemo', () => {
  let t: TestDatabase;
  const logger = pino({ level: 'silent' });
  beforeAll(async () => {
    t = await createTestDatabase('demo');
  });
  afterAll(() => t?.drop());

  it('publishes version 1 of escalating-approval once, however often and concurrently it runs', async () => {
    const results = await Promise.all([loadDemo(t.db, logger), loadDemo(t.db, logger), loadDemo(t.db, logger)]);
    const again = await loadDemo(t.db, logger);
    for (const r of [...results, again]) {
      expect(r).toMatchObject({ workflowId: results[0]!.workflowId, versionId: results[0]!.versionId, version: 1 });
    }
    expect(results.filter((r) => r.published)).toHaveLength(1);
    expect(again.published).toBe(false);

    const workflows = await t.db.selectFrom('workflows').selectAll().execute();
    expect(workflows).toHaveLength(1);
    expect(workflows[0]).toMatchObject({ key: 'escalating-approval', name: 'Escalating approval' });
    const versions = await t.db.selectFrom('workflow_versions').selectAll().execute();
    expect(versions).toHaveLength(1);
    expect(versions[0]!.definition).toEqual(workflows[0]!.draft);
    expect(validateDefinition(versions[0]!.definition).valid).toBe(true);
  });
});
