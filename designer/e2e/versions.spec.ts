// Versions, templates, import/export and the live inspector against the real server (issue 6 items 5-7):
// a workflow with two published versions shows their visual diff and rolls back to version 1 as version 3;
// a template becomes a workflow; a workflow exports as definition JSON and XState JSON (browser downloads)
// and imports back; the run inspector follows a run over Server-Sent Events while events are sent through
// the API, without a reload.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ADMIN, adminApi, artifactDir, shotDir, signIn, stamp } from './support.ts';

const node = (page: Page, id: string): Locator => page.locator(`.vue-flow__node[data-id="${id}"]`);

type Def = Record<string, unknown> & { key: string; nodes: (Record<string, unknown> & { id: string; name?: string; params: Record<string, unknown> })[]; edges: unknown[] };

/** Version 1: triage → (urgent) approval, (normal) a cooling-off wait → approval → resolved / closed. */
function version1(key: string): Def {
  return {
    schemaVersion: 1,
    key,
    name: 'Refund approval',
    description: 'Refund requests, approved by a manager.',
    nodes: [
      { id: 'start', kind: 'trigger', name: 'Started by hand', position: { x: 0, y: 0 }, params: { event: 'manual' } },
      {
        id: 'triage', kind: 'rule', name: 'Triage', position: { x: 0, y: 168 },
        params: { rules: [{ name: 'Urgent', outcome: 'urgent', conditions: { any: [{ fact: 'ticket', path: '$.priority', operator: 'equal', value: 'urgent' }] } }], defaultOutcome: 'normal' },
      },
      { id: 'cooling', kind: 'wait', name: 'Cooling-off', position: { x: -320, y: 336 }, params: { duration: 'PT1H' } },
      { id: 'approve', kind: 'approval', name: 'Manager approval', position: { x: 0, y: 504 }, params: { title: 'Approve the refund', approvers: [{ type: 'role', role: 'manager' }], required: 1 } },
      { id: 'resolved', kind: 'end', name: 'Refunded', position: { x: -160, y: 840 }, params: { status: 'resolved' } },
      { id: 'closed', kind: 'end', name: 'Declined', position: { x: 160, y: 840 }, params: { status: 'closed' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'triage', outcome: 'next' },
      { id: 'e2', source: 'triage', target: 'approve', outcome: 'urgent' },
      { id: 'e3', source: 'triage', target: 'cooling', outcome: 'normal' },
      { id: 'e4', source: 'cooling', target: 'approve', outcome: 'elapsed' },
      { id: 'e5', source: 'approve', target: 'resolved', outcome: 'approved' },
      { id: 'e6', source: 'approve', target: 'closed', outcome: 'rejected' },
    ],
  };
}

/** Version 2: the wait is gone, an AI classification took its place, two approvals, and a reply before declining. */
function version2(key: string): Def {
  const d = version1(key);
  d.nodes = d.nodes.filter((n) => n.id !== 'cooling');
  const approve = d.nodes.find((n) => n.id === 'approve')!;
  approve.name = 'Two-person approval';
  approve.params.required = 2;
  d.nodes.push(
    { id: 'classify', kind: 'ai.classify', name: 'Classify the request', position: { x: 320, y: 336 }, params: { field: 'category', labels: ['refund', 'return'] } },
    { id: 'explain', kind: 'action', name: 'Explain the decision', position: { x: 320, y: 672 }, params: { steps: [{ type: 'reply', body: 'We cannot refund this order.' }] } },
  );
  d.edges = [
    { id: 'e1', source: 'start', target: 'triage', outcome: 'next' },
    { id: 'e2', source: 'triage', target: 'approve', outcome: 'urgent' },
    { id: 'e3', source: 'triage', target: 'classify', outcome: 'normal' },
    { id: 'e7', source: 'classify', target: 'approve', outcome: 'done' },
    { id: 'e8', source: 'classify', target: 'approve', outcome: 'low_confidence' },
    { id: 'e5', source: 'approve', target: 'resolved', outcome: 'approved' },
    { id: 'e6', source: 'approve', target: 'explain', outcome: 'rejected' },
    { id: 'e9', source: 'explain', target: 'closed', outcome: 'done' },
  ];
  return d;
}

test('versions: the visual diff of two versions, then a rollback to version 1 as version 3', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const key = `refund-approval-${stamp()}`;
  const { api, headers } = await adminApi();
  const created = await api.post('/api/workflows', { data: { definition: version1(key) }, headers });
  expect(created.status(), await created.text()).toBe(201);
  const { workflow } = (await created.json()) as { workflow: { id: string } };
  expect((await api.post(`/api/workflows/${workflow.id}/publish`, { data: { note: 'Manager approval after a cooling-off hour' }, headers })).status()).toBe(201);
  expect((await api.put(`/api/workflows/${workflow.id}/draft`, { data: { definition: version2(key) }, headers })).status()).toBe(200);
  expect((await api.post(`/api/workflows/${workflow.id}/publish`, { data: { note: 'AI classification, two approvers, explain declines' }, headers })).status()).toBe(201);

  // ---- from the designer to its versions ----
  await signIn(page, ADMIN, `/workflows/${workflow.id}`);
  await expect(page.getByText('v2 published')).toBeVisible();
  await expect(page.getByTestId('draft-indicator')).toHaveText('draft = v2');
  await page.getByRole('link', { name: 'Versions' }).click();
  await expect(page).toHaveURL(new RegExp(`/workflows/${workflow.id}/versions\\?from=1&to=2$`));
  const list = page.getByTestId('version-list');
  await expect(list.locator('li')).toHaveCount(2);
  await expect(list.locator('li').first()).toContainText('AI classification, two approvers, explain declines');
  await expect(page.getByTestId('draft-state')).toContainText('Same as the live version 2');

  // ---- the diff: on the canvas and in words ----
  await expect(node(page, 'cooling').locator('.fd-node')).toHaveClass(/diff-removed/);
  await expect(node(page, 'classify').locator('.fd-node')).toHaveClass(/diff-added/);
  await expect(node(page, 'explain').locator('.fd-node')).toHaveClass(/diff-added/);
  await expect(node(page, 'approve').locator('.fd-node')).toHaveClass(/diff-changed/);
  await expect(node(page, 'triage').locator('.fd-node')).toHaveClass(/diff-unchanged/);
  await expect(page.getByTestId('diff-tag-cooling')).toHaveText('removed');
  await expect(page.locator('.vue-flow__edge.diff-added')).toHaveCount(3);
  await expect(page.locator('.vue-flow__edge.diff-removed')).toHaveCount(3); // cooling —elapsed→, and the old targets of triage —normal→ and approve —rejected→
  await expect(page.locator('.vue-flow__edge.diff-changed')).toHaveCount(2);
  const changes = page.getByTestId('change-list');
  await expect(changes).toContainText('params.required 1 → 2');
  await expect(changes).toContainText('name "Manager approval" → "Two-person approval"');
  await expect(changes).toContainText('added: ai.classify classify (Classify the request)');
  await expect(changes).toContainText('removed: wait cooling (Cooling-off)');
  await expect(changes).toContainText('target cooling → classify');
  await page.waitForTimeout(400);
  await page.screenshot({ path: resolve(shotDir, 'diff.png') });

  // ---- roll back to version 1 ----
  await page.getByRole('button', { name: 'Roll back to version 1' }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Roll back to version 1?');
  await expect(dialog).toContainText('as version 3');
  await expect(dialog.getByTestId('rollback-runs-note')).toContainText('Running runs stay on their version');
  await dialog.getByLabel('Rollback note').fill('The AI step needs more training data');
  await dialog.getByRole('button', { name: 'Roll back to v1' }).click();
  await expect(page.getByText('Published version 3')).toBeVisible();
  await expect(list.locator('li')).toHaveCount(3);
  await expect(list.locator('li').first()).toHaveAttribute('data-version', '3');
  await expect(list.locator('li').first()).toContainText('The AI step needs more training data');
  await expect(list.locator('li').first()).toContainText('live');
  // The comparison follows: version 2 → version 3 undoes version 2.
  await expect(page).toHaveURL(/from=2&to=3$/);
  await expect(changes).toContainText('params.required 2 → 1');
  await expect(node(page, 'cooling').locator('.fd-node')).toHaveClass(/diff-added/);
  const after = (await (await api.get(`/api/workflows/${workflow.id}`)).json()) as { workflow: { latestVersion: number; draft: Def } };
  expect(after.workflow.latestVersion).toBe(3);
  expect(after.workflow.draft.nodes.map((n) => n.id).sort()).toEqual(version1(key).nodes.map((n) => n.id).sort());
  expect(errors).toEqual([]);
});

test('templates: the gallery previews a template, "Use this template" creates it, and it exports and imports back', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await signIn(page, ADMIN, '/templates');
  await expect(page.getByRole('heading', { name: 'Templates', exact: true })).toBeVisible();
  const cards = page.locator('.template-card');
  await expect(cards).toHaveCount(4);
  await page.locator('[data-template="it-incident-sla"]').click();
  const preview = page.getByTestId('template-preview');
  await expect(preview).toContainText('IT incident with SLA escalation');
  await expect(preview.locator('.vue-flow__node')).toHaveCount(13);
  await page.locator('[data-template="insurance-claim-approval"]').click();
  await expect(preview).toContainText('Insurance claim approval');
  await expect(preview.locator('.vue-flow__node')).toHaveCount(14);
  await page.waitForTimeout(400);
  await page.screenshot({ path: resolve(shotDir, 'templates.png') });

  await page.locator('[data-template="logistics-delivery-exception"]').click();
  await expect(preview).toContainText('Delivery exception');
  await preview.getByRole('button', { name: 'Use this template' }).click();
  await expect(page).toHaveURL(/\/workflows\/[0-9a-f-]{36}$/);
  await expect(page.getByLabel('Workflow name')).toHaveValue('Delivery exception');
  await expect(page.getByText('Created “Delivery exception”')).toBeVisible();
  await expect(page.locator('.vue-flow__node')).toHaveCount(17);
  await page.getByTestId('problems-tab').click();
  await expect(page.getByTestId('no-problems')).toBeVisible();
  await expect(page.getByText('never published')).toBeVisible();

  // ---- export: definition JSON and XState JSON, as browser downloads ----
  await page.getByText('Import / export').click();
  const [definitionDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('menuitem', { name: /Export definition JSON/ }).click()]);
  expect(definitionDownload.suggestedFilename()).toMatch(/^logistics-delivery-exception(-\d+)?\.workflow\.json$/);
  const exported = JSON.parse(readFileSync(await definitionDownload.path(), 'utf8')) as Def;
  expect(exported.name).toBe('Delivery exception');
  expect(exported.nodes).toHaveLength(17);
  await page.getByText('Import / export').click();
  const [xstateDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('menuitem', { name: /Export XState JSON/ }).click()]);
  expect(xstateDownload.suggestedFilename()).toMatch(/\.xstate\.json$/);
  const machine = JSON.parse(readFileSync(await xstateDownload.path(), 'utf8')) as { states: Record<string, unknown> };
  expect(Object.keys(machine.states)).toContain('reship_approval');

  // ---- import it back on the workflows page: a new workflow with a free key ----
  await page.goto('/workflows');
  await page.getByTestId('import-file').setInputFiles({ name: definitionDownload.suggestedFilename(), mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(exported)) });
  await expect(page).toHaveURL(/\/workflows\/[0-9a-f-]{36}$/);
  await expect(page.getByText(/Imported “Delivery exception”/)).toBeVisible();
  await expect(page.locator('.vue-flow__node')).toHaveCount(17);
  // An invalid file is refused with its problems.
  await page.goto('/workflows');
  const broken = { ...exported, edges: exported.edges.slice(1) };
  await page.getByTestId('import-file').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(broken)) });
  await expect(page.getByTestId('import-errors')).toContainText('broken.json cannot be imported');
  await page.screenshot({ path: resolve(artifactDir, 'import-errors.png') });
  expect(errors).toEqual([]);
});

test('the run inspector follows a run live over Server-Sent Events while events arrive through the API', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const key = `two-step-${stamp()}`;
  const { api, headers } = await adminApi();
  const definition = {
    schemaVersion: 1,
    key,
    name: 'Two-step approval',
    nodes: [
      { id: 'start', kind: 'trigger', name: 'Started by hand', position: { x: 0, y: 0 }, params: { event: 'manual' } },
      { id: 'lead', kind: 'approval', name: 'Team lead', position: { x: 0, y: 168 }, params: { title: 'Team lead approval', approvers: [{ type: 'role', role: 'manager' }] } },
      { id: 'finance', kind: 'approval', name: 'Finance', position: { x: 0, y: 336 }, params: { title: 'Finance approval', approvers: [{ type: 'role', role: 'manager' }] } },
      { id: 'done', kind: 'end', name: 'Approved', position: { x: -160, y: 504 }, params: { status: 'resolved' } },
      { id: 'no', kind: 'end', name: 'Rejected', position: { x: 160, y: 504 }, params: { status: 'closed' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'lead', outcome: 'next' },
      { id: 'e2', source: 'lead', target: 'finance', outcome: 'approved' },
      { id: 'e3', source: 'lead', target: 'no', outcome: 'rejected' },
      { id: 'e4', source: 'finance', target: 'done', outcome: 'approved' },
      { id: 'e5', source: 'finance', target: 'no', outcome: 'rejected' },
    ],
  };
  const created = await api.post('/api/workflows', { data: { definition }, headers });
  expect(created.status(), await created.text()).toBe(201);
  const { workflow } = (await created.json()) as { workflow: { id: string } };
  expect((await api.post(`/api/workflows/${workflow.id}/publish`, { data: {}, headers })).status()).toBe(201);
  const started = await api.post('/api/runs', { data: { workflowId: workflow.id, ticket: { subject: 'Laptop purchase', priority: 'normal' } }, headers });
  expect(started.status(), await started.text()).toBe(201);
  const { run } = (await started.json()) as { run: { id: string } };

  // The stream requests the page makes.
  const streams: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes(`/api/runs/${run.id}/stream`)) streams.push(r.url());
  });
  await signIn(page, ADMIN, `/runs/${run.id}`);
  await expect(page.getByTestId('run-current')).toHaveText('Team lead', { timeout: 30_000 });
  await expect(page.getByTestId('live')).toHaveAttribute('data-mode', 'stream');
  await expect(page.getByTestId('live')).toHaveText('live');
  expect(streams.length).toBeGreaterThan(0);
  const historyCount = await page.getByTestId('run-history').locator('li').count();
  // A marker on the window: it survives only if the page is never reloaded.
  await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

  const vote = (nodeId: string) => api.post(`/api/runs/${run.id}/events`, { data: { type: 'approval.vote', nodeId, approver: 'maria', decision: 'approve' }, headers });
  expect((await vote('lead')).status()).toBe(200);
  await expect(page.getByTestId('run-current')).toHaveText('Finance', { timeout: 10_000 });
  await expect(node(page, 'finance').locator('.fd-node')).toHaveClass(/is-current/);
  await expect(node(page, 'lead').locator('.fd-node')).toHaveClass(/is-visited/);
  await expect(page.getByTestId('run-history').locator('li')).toHaveCount(historyCount + 1);
  await expect(page.locator('.vue-flow__edge.is-taken')).toHaveCount(2);

  expect((await vote('finance')).status()).toBe(200);
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 10_000 });
  await expect(page.getByTestId('run-history').locator('li')).toHaveCount(historyCount + 2);
  await expect(page.locator('.vue-flow__edge.is-taken')).toHaveCount(3);
  await expect(page.getByTestId('live')).toHaveCount(0); // the stream ended with the run
  expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
  // Live means streamed: no polling of the run's REST routes after the first load.
  expect(streams.every((u) => /since=\d+$/.test(u))).toBe(true);
  await page.screenshot({ path: resolve(artifactDir, 'inspector-live.png') });
  expect(errors).toEqual([]);
});
