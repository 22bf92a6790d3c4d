// Workflow lifecycle over HTTP against a real Postgres: create -> validate -> edit -> publish twice ->
// versions are immutable (the database itself refuses UPDATE) -> read a version; plus concurrent publishes.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalWorkflow, json, startHarness, tableCounts, type Harness } from './api-harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('api_workflows');
}, 60_000);
afterAll(async () => {
  await h?.close();
});

describe('workflow lifecycle', () => {
  it('creates a draft, validates, edits, publishes twice, and serves immutable versions', async () => {
    const definition = approvalWorkflow('lifecycle');

    const validated = await h.app.inject({ method: 'POST', url: '/api/workflows/validate', payload: { definition } });
    expect(validated.statusCode).toBe(200);
    expect(json(validated)).toMatchObject({ valid: true, errors: [] });

    const created = await h.app.inject({ method: 'POST', url: '/api/workflows', payload: { definition } });
    expect(created.statusCode).toBe(201);
    const workflow = json(created).workflow;
    expect(workflow).toMatchObject({ key: 'lifecycle', name: 'Simple approval', latestVersion: null, versions: [] });
    expect(workflow.draft).toEqual(definition);
    expect(new Date(workflow.createdAt).toISOString()).toBe(workflow.createdAt);

    const dup = await h.app.inject({ method: 'POST', url: '/api/workflows', payload: { definition } });
    expect(dup.statusCode).toBe(409);
    expect(json(dup).error).toMatchObject({ code: 'FD_CONFLICT', details: [{ path: '/body/definition/key' }] });

    const v1 = await h.app.inject({ method: 'POST', url: `/api/workflows/${workflow.id}/publish`, payload: { note: 'first' } });
    expect(v1.statusCode).toBe(201);
    expect(json(v1).version).toMatchObject({ version: 1, note: 'first' });

    // Edit the draft: publishing again makes version 2, version 1 keeps the old definition.
    const edited = { ...definition, name: 'Simple approval, renamed' };
    const put = await h.app.inject({ method: 'PUT', url: `/api/workflows/${workflow.id}/draft`, payload: { definition: edited } });
    expect(put.statusCode).toBe(200);
    expect(json(put).workflow).toMatchObject({ name: 'Simple approval, renamed', latestVersion: 1 });

    // Publish without a body at all (note is optional).
    const v2 = await h.app.inject({ method: 'POST', url: `/api/workflows/${workflow.id}/publish` });
    expect(v2.statusCode).toBe(201);
    expect(json(v2).version).toMatchObject({ version: 2, note: null });

    const got = await h.app.inject({ method: 'GET', url: `/api/workflows/${workflow.id}` });
    expect(got.statusCode).toBe(200);
    expect(json(got).workflow.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(json(got).workflow.latestVersion).toBe(2);

    const list = await h.app.inject({ method: 'GET', url: '/api/workflows' });
    expect(list.statusCode).toBe(200);
    expect(json(list).workflows).toContainEqual(expect.objectContaining({ id: workflow.id, key: 'lifecycle', latestVersion: 2 }));
    expect(json(list).workflows[0]).not.toHaveProperty('draft');

    const version1 = await h.app.inject({ method: 'GET', url: `/api/workflows/${workflow.id}/versions/1` });
    expect(version1.statusCode).toBe(200);
    expect(json(version1).version).toMatchObject({ version: 1, key: 'lifecycle', workflowId: workflow.id, definition });
    const version2 = await h.app.inject({ method: 'GET', url: `/api/workflows/${workflow.id}/versions/2` });
    expect(json(version2).version.definition.name).toBe('Simple approval, renamed');

    // The database refuses to change a published version, whoever asks.
    await expect(
      sql`update workflow_versions set note = 'tampered' where workflow_id = ${workflow.id}`.execute(h.tdb.db),
    ).rejects.toThrow(/append-only/);
    await expect(sql`delete from workflow_versions where workflow_id = ${workflow.id}`.execute(h.tdb.db)).rejects.toThrow(/append-only/);
    const again = await h.app.inject({ method: 'GET', url: `/api/workflows/${workflow.id}/versions/1` });
    expect(json(again).version).toMatchObject({ note: 'first', definition });

    const missing = await h.app.inject({ method: 'GET', url: `/api/workflows/${workflow.id}/versions/3` });
    expect(missing.statusCode).toBe(404);
    expect(json(missing).error.code).toBe('FD_NOT_FOUND');
  });

  it('rolls back by publishing an earlier version again as a new version; runs keep theirs; audited', async () => {
    const definition = approvalWorkflow('rollback');
    const id = json(await h.app.inject({ method: 'POST', url: '/api/workflows', payload: { definition } })).workflow.id as string;
    await h.app.inject({ method: 'POST', url: `/api/workflows/${id}/publish`, payload: { note: 'good' } });
    const broken = { ...definition, name: 'Broken change' };
    await h.app.inject({ method: 'PUT', url: `/api/workflows/${id}/draft`, payload: { definition: broken } });
    const v2 = json(await h.app.inject({ method: 'POST', url: `/api/workflows/${id}/publish`, payload: { note: 'bad' } })).version;
    const run = json(await h.app.inject({ method: 'POST', url: '/api/runs', payload: { workflowVersionId: v2.id } })).run;

    const missing = await h.app.inject({ method: 'POST', url: `/api/workflows/${id}/rollback`, payload: { version: 9 } });
    expect(missing.statusCode).toBe(404);
    expect(json(missing).error.details[0].path).toBe('/body/version');

    const res = await h.app.inject({ method: 'POST', url: `/api/workflows/${id}/rollback`, payload: { version: 1 } });
    expect(res.statusCode, res.body).toBe(201);
    expect(json(res).version).toMatchObject({ version: 3, note: 'Rollback to version 1' });
    const v3 = json(await h.app.inject({ method: 'GET', url: `/api/workflows/${id}/versions/3` })).version;
    expect(v3.definition).toEqual(definition);
    expect(json(await h.app.inject({ method: 'GET', url: `/api/workflows/${id}` })).workflow.draft).toEqual(definition);
    expect(json(await h.app.inject({ method: 'GET', url: `/api/runs/${run.id}` })).run.workflowVersion).toBe(2);
    const audit = await h.tdb.db.selectFrom('audit_log').select(['action', 'details']).where('target_id', '=', id).orderBy('seq').execute();
    expect(audit.map((a) => a.action)).toEqual(['workflow.published', 'workflow.published', 'workflow.rolled_back']);
  });

  it('numbers concurrent publishes 1..n without duplicates or 5xx', async () => {
    const created = await h.app.inject({ method: 'POST', url: '/api/workflows', payload: { definition: approvalWorkflow('concurrent') } });
    const id = json(created).workflow.id as string;
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => h.app.inject({ method: 'POST', url: `/api/workflows/${id}/publish`, payload: { note: `n${i}` } })),
    );
    for (const res of responses) expect(res.statusCode).toBe(201);
    const versions = responses.map((res) => json(res).version.version as number).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const rows = await h.tdb.db.selectFrom('workflow_versions').select('version').where('workflow_id', '=', id).execute();
    expect(rows.length).toBe(12);
  });

  it('refuses invalid definitions with every error as a pointer, and writes nothing', async () => {
    const before = await tableCounts(h);
    const bad = approvalWorkflow('broken') as unknown as { nodes: Record<string, unknown>[]; edges: Record<string, unknown>[] };
    bad.nodes[1]!.kind = 'teleport';
    bad.edges.push({ id: 'e9', source: 'approve', target: 'nowhere', outcome: 'approved' });

    const validated = await h.app.inject({ method: 'POST', url: '/api/workflows/validate', payload: { definition: bad } });
    expect(validated.statusCode).toBe(200);
    const result = json(validated);
    expect(result.valid).toBe(false);
    expect(result.errors.map((e: { path: string }) => e.path)).toContain('/nodes/1/kind');

    const created = await h.app.inject({ method: 'POST', url: '/api/workflows', payload: { definition: bad } });
    expect(created.statusCode).toBe(400);
    const error = json(created).error;
    expect(error.code).toBe('FD_INVALID_INPUT');
    const paths = error.details.map((d: { path: string }) => d.path);
    expect(paths).toContain('/body/definition/nodes/1/kind');
    expect(error.details.find((d: { path: string }) => d.path === '/body/definition/nodes/1/kind').message).toMatch(/^\/body\/definition\/nodes\/1\/kind: /);
    expect(result.errors.length).toBe(error.details.length);

    // Not even an object: the validation service answers, creation refuses.
    const scalar = await h.app.inject({ method: 'POST', url: '/api/workflows/validate', payload: { definition: 42 } });
    expect(scalar.statusCode).toBe(200);
    expect(json(scalar).valid).toBe(false);
    const missing = await h.app.inject({ method: 'POST', url: '/api/workflows/validate', payload: {} });
    expect(missing.statusCode).toBe(400);
    expect(json(missing).error.details).toEqual([{ path: '/body/definition', message: '/body/definition: is required' }]);

    const extra = await h.app.inject({ method: 'POST', url: '/api/workflows', payload: { definition: approvalWorkflow('x'), draft: true } });
    expect(extra.statusCode).toBe(400);
    expect(json(extra).error.details[0].path).toBe('/body/draft');

    expect(await tableCounts(h)).toEqual(before);
  });

  it('keeps the key of a workflow when the draft is replaced', async () => {
    const created = await h.app.inject({ method: 'POST', url: '/api/workflows', payload: { definition: approvalWorkflow('keyed') } });
    const id = json(created).workflow.id as string;
    const before = await tableCounts(h);
    const draftBefore = (await h.tdb.db.selectFrom('workflows').select('draft').where('id', '=', id).executeTakeFirstOrThrow()).draft;

    const renamed = await h.app.inject({ method: 'PUT', url: `/api/workflows/${id}/draft`, payload: { definition: approvalWorkflow('other-key') } });
    expect(renamed.statusCode).toBe(400);
    expect(json(renamed).error).toMatchObject({ code: 'FD_INVALID_INPUT', details: [{ path: '/body/definition/key' }] });

    const invalid = approvalWorkflow('keyed') as unknown as { nodes: Record<string, unknown>[] };
    invalid.nodes[0]!.kind = 'nope';
    const bad = await h.app.inject({ method: 'PUT', url: `/api/workflows/${id}/draft`, payload: { definition: invalid } });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error.details.map((d: { path: string }) => d.path)).toContain('/body/definition/nodes/0/kind');

    const unknown = await h.app.inject({
      method: 'PUT',
      url: '/api/workflows/00000000-0000-4000-8000-000000000000/draft',
      payload: { definition: approvalWorkflow('keyed') },
    });
    expect(unknown.statusCode).toBe(404);
    const publishUnknown = await h.app.inject({ method: 'POST', url: '/api/workflows/00000000-0000-4000-8000-000000000000/publish', payload: {} });
    expect(publishUnknown.statusCode).toBe(404);

    expect(await tableCounts(h)).toEqual(before);
    const draftAfter = (await h.tdb.db.selectFrom('workflows').select('draft').where('id', '=', id).executeTakeFirstOrThrow()).draft;
    expect(draftAfter).toEqual(draftBefore);
  });
});
