// Moving running runs to a new version, in the browser against the real server (issue 6): version 1 is
// published and three runs start (two wait at the approval, one at a hold after a rejection); version 2 renames
// the approval. From the Versions page, "Move runs…" opens the migrate page: the states with their run counts,
// `hold` pre-filled (same id in version 2), `approve` left to map. The preview first reports the unmapped state
// as the server words it; mapped to `sign_off`, it counts 3 runs; after the confirmation the runs move, the
// result links to the runs, and the runs are on version 2 at their new states (the API says so too).
import { expect, test } from '@playwright/test';
import { resolve } from 'node:path';
import { ADMIN, adminApi, shotDir, signIn, stamp } from './support.ts';

type Def = Record<string, unknown> & { nodes: (Record<string, unknown> & { id: string })[]; edges: Record<string, unknown>[] };

function version1(key: string): Def {
  return {
    schemaVersion: 1,
    key,
    name: 'Refund approval',
    nodes: [
      { id: 'start', kind: 'trigger', name: 'Started by hand', position: { x: 0, y: 0 }, params: { event: 'manual' } },
      { id: 'approve', kind: 'approval', name: 'Manager approval', position: { x: 0, y: 168 }, params: { title: 'Approve the refund', approvers: [{ type: 'role', role: 'manager' }], required: 1 } },
      { id: 'hold', kind: 'wait', name: 'Waiting for the customer', position: { x: 320, y: 336 }, params: { resumeOn: ['customer.replied'] } },
      { id: 'refunded', kind: 'end', name: 'Refunded', position: { x: 0, y: 504 }, params: { status: 'resolved' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'approve', outcome: 'next' },
      { id: 'e2', source: 'approve', target: 'refunded', outcome: 'approved' },
      { id: 'e3', source: 'approve', target: 'hold', outcome: 'rejected' },
      { id: 'e4', source: 'hold', target: 'approve', outcome: 'resumed' },
    ],
  };
}

/** Version 2: the approval is now `sign_off` (a renamed state), with two approvers. */
function version2(key: string): Def {
  const d = JSON.parse(JSON.stringify(version1(key)).replaceAll('"approve"', '"sign_off"')) as Def;
  const signOff = d.nodes.find((n) => n.id === 'sign_off')!;
  signOff.name = 'Finance sign-off';
  (signOff.params as { required: number }).required = 1;
  return d;
}

test('migrate: map a renamed state, preview the counts, apply, and the runs are on version 2', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const key = `refund-migrate-${stamp()}`;
  const { api, headers } = await adminApi();
  const created = await api.post('/api/workflows', { data: { definition: version1(key) }, headers });
  expect(created.status(), await created.text()).toBe(201);
  const { workflow } = (await created.json()) as { workflow: { id: string } };
  expect((await api.post(`/api/workflows/${workflow.id}/publish`, { data: { note: 'Manager approval' }, headers })).status()).toBe(201);

  const runIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    const started = await api.post('/api/runs', { data: { workflowId: workflow.id, ticket: { subject: `Refund ${i + 1}`, priority: 'normal' } }, headers });
    expect(started.status(), await started.text()).toBe(201);
    runIds.push(((await started.json()) as { run: { id: string } }).run.id);
  }
  // One run is rejected and waits at the hold.
  const vote = await api.post(`/api/runs/${runIds[2]}/events`, { data: { type: 'approval.vote', nodeId: 'approve', approver: 'maria', decision: 'reject' }, headers });
  expect(((await vote.json()) as { run: { state: string } }).run.state).toBe('hold');

  expect((await api.put(`/api/workflows/${workflow.id}/draft`, { data: { definition: version2(key) }, headers })).status()).toBe(200);
  expect((await api.post(`/api/workflows/${workflow.id}/publish`, { data: { note: 'Finance signs off instead' }, headers })).status()).toBe(201);

  // ---- from the versions page to the migrate page ----
  await signIn(page, ADMIN, `/workflows/${workflow.id}/versions`);
  await page.getByTestId('move-runs').click();
  await expect(page).toHaveURL(new RegExp(`/workflows/${workflow.id}/migrate`));
  await expect(page.getByRole('heading', { name: 'Move running runs' })).toBeVisible();
  await expect(page.getByTestId('source-list')).toContainText('Version 1 · 3 runs');
  await expect(page.getByTestId('target-version')).toHaveValue('2');

  const table = page.getByTestId('mapping-v1');
  const approveRow = table.locator('tr[data-state="approve"]');
  const holdRow = table.locator('tr[data-state="hold"]');
  await expect(approveRow.getByTestId('state-runs')).toHaveText('2');
  await expect(holdRow.getByTestId('state-runs')).toHaveText('1');
  // Identical node ids are pre-filled; the renamed approval is not.
  await expect(holdRow.getByRole('combobox')).toHaveValue('hold');
  await expect(approveRow.getByRole('combobox')).toHaveValue('');

  // ---- preview as it is: the server names the unmapped state ----
  await page.getByTestId('preview-button').click();
  await expect(approveRow.getByTestId('row-outcome')).toContainText('2 runs are at node "approve", which version 2 does not have');
  await expect(page.getByTestId('apply-button')).toBeDisabled();

  // ---- map it, preview again: the counts ----
  await approveRow.getByRole('combobox').selectOption('sign_off');
  await page.getByTestId('preview-button').click();
  await expect(page.getByTestId('preview-v1')).toContainText('3 runs would move from version 1 to version 2');
  await expect(approveRow.getByTestId('row-outcome')).toHaveText('2 runs move to sign_off');
  await expect(holdRow.getByTestId('row-outcome')).toHaveText('1 run moves to hold');
  await expect(page.getByTestId('apply-button')).toHaveText('Move 3 runs…');
  await page.screenshot({ path: resolve(shotDir, 'designer-migrate.png'), fullPage: true });

  // ---- confirm and apply ----
  await page.getByTestId('apply-button').click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Move 3 runs to version 2?');
  await expect(dialog).toContainText('approve → sign_off');
  await dialog.getByRole('button', { name: 'Move 3 runs' }).click();
  await expect(page.getByTestId('migrate-result')).toContainText('3 runs moved from version 1 to version 2');
  await expect(page.getByTestId('migrate-empty')).toContainText('on version 2');

  // ---- the runs are on version 2 ----
  await page.getByTestId('see-runs').click();
  await expect(page).toHaveURL(new RegExp(`/runs\\?workflowId=${workflow.id}`));
  for (const id of runIds) await expect(page.locator(`tr[data-run-id="${id}"]`)).toContainText('v2');
  const states: Record<string, string> = {};
  for (const id of runIds) {
    const { run } = (await (await api.get(`/api/runs/${id}`)).json()) as { run: { workflowVersion: number; state: string } };
    expect(run.workflowVersion).toBe(2);
    states[id] = run.state;
  }
  expect(Object.values(states).sort()).toEqual(['hold', 'sign_off', 'sign_off']);
  // A migrated run is refused as a test case, with the migration named on the inspector.
  await page.goto(`/runs/${runIds[0]}`);
  await page.getByTestId('add-run-as-case').getByRole('button', { name: 'Add as test case' }).click();
  await expect(page.getByTestId('run-case-refused')).toContainText('version 1 → 2');
  expect(errors).toEqual([]);
});

test('durations in business hours: the picker toggles the option with its calendar hint, the card says so', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const key = `office-hours-${stamp()}`;
  const { api, headers } = await adminApi();
  const definition = {
    schemaVersion: 1,
    key,
    name: 'Office hours',
    nodes: [
      { id: 'start', kind: 'trigger', name: 'Started by hand', position: { x: 0, y: 0 }, params: { event: 'manual' } },
      { id: 'cool', kind: 'wait', name: 'Cooling-off', position: { x: 0, y: 168 }, params: { duration: 'PT2H' } },
      { id: 'done', kind: 'end', name: 'Done', position: { x: 0, y: 336 }, params: { status: 'resolved' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'cool', outcome: 'next' },
      { id: 'e2', source: 'cool', target: 'done', outcome: 'elapsed' },
    ],
  };
  const created = await api.post('/api/workflows', { data: { definition }, headers });
  expect(created.status(), await created.text()).toBe(201);
  const { workflow } = (await created.json()) as { workflow: { id: string } };

  await signIn(page, ADMIN, `/workflows/${workflow.id}`);
  const card = page.locator('.vue-flow__node[data-id="cool"]');
  await expect(card.locator('.fd-node-summary')).toHaveText('for 2 hours');
  await card.click();
  const picker = page.getByTestId('duration-input').first();
  const box = picker.getByTestId('business-hours');
  await expect(box).not.toBeChecked();
  await box.check();
  await expect(picker.getByTestId('business-hours-hint')).toContainText("calendar of the ticket's SLA policy");
  await expect(picker.getByTestId('business-calendar')).toBeVisible();
  await expect(card.locator('.fd-node-summary')).toHaveText('for 2 hours in business hours');
  await page.screenshot({ path: resolve(shotDir, 'designer-business-hours.png') });
  // Saved with the draft: the definition carries the flag next to the duration.
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect
    .poll(async () => ((await (await api.get(`/api/workflows/${workflow.id}`)).json()) as { workflow: { draft: Def } }).workflow.draft.nodes.find((n) => n.id === 'cool')?.params)
    .toEqual({ duration: 'PT2H', businessHours: true });
  expect(errors).toEqual([]);
});
