// Groups (compound states) in the designer, and outcome labels on a dense graph, against the real server:
// a group from the palette, two nodes put in it, its timeout outcome connected, the simulator fast-forwarding
// the group timer and the run leaving the group; the IT incident template's 26 edges with readable labels.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ADMIN, adminApi, artifactDir, shotDir, signIn, stamp } from './support.ts';

const node = (page: Page, id: string) => page.locator(`.vue-flow__node[data-id="${id}"]`);
const handle = (page: Page, id: string, handleId: string): Locator => page.locator(`.vue-flow__handle[data-nodeid="${id}"][data-handleid="${handleId}"]`);

/** The box of an element once the canvas stopped moving. */
async function stableBox(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  let last = await locator.boundingBox();
  for (let i = 0; i < 20; i++) {
    await locator.page().waitForTimeout(60);
    const box = await locator.boundingBox();
    if (box && last && Math.abs(box.x - last.x) < 0.5 && Math.abs(box.y - last.y) < 0.5) return box;
    last = box;
  }
  throw new Error(`${String(locator)} never stopped moving`);
}

async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 14 });
  await page.mouse.up();
}

const inside = (inner: { x: number; y: number; width: number; height: number }, outer: { x: number; y: number; width: number; height: number }): boolean =>
  inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width + 1 && inner.y + inner.height <= outer.y + outer.height + 1;

function triage(key: string): Record<string, unknown> {
  const task = (id: string, name: string, action: string, x: number, y: number) => ({
    id, kind: 'task', name, position: { x, y }, params: { title: name, assignee: { type: 'role', role: 'agent' }, actions: [{ id: action, label: action }] },
  });
  return {
    schemaVersion: 1, key, name: 'Incident work',
    nodes: [
      { id: 'start', kind: 'trigger', name: 'Ticket created', position: { x: 100, y: 0 }, params: { event: 'ticket.created' } },
      task('fix', 'Fix the incident', 'done', 100, 200),
      task('check', 'Confirm with customer', 'ok', 100, 420),
      { id: 'resolved', kind: 'end', name: 'Resolved', position: { x: 100, y: 700 }, params: { status: 'resolved' } },
      { id: 'late', kind: 'end', name: 'SLA breached', position: { x: 560, y: 700 }, params: { status: 'closed' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'fix', outcome: 'next' },
      { id: 'e2', source: 'fix', target: 'check', outcome: 'done' },
      { id: 'e3', source: 'check', target: 'resolved', outcome: 'ok' },
    ],
  };
}

test('groups: group two nodes, connect the group timeout, drag a node out and back, simulate the timer leaving the group', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const { api, headers } = await adminApi();
  const created = await api.post('/api/workflows', { data: { definition: triage(`incident-work-${stamp()}`) }, headers });
  expect(created.status(), await created.text()).toBe(201);
  const { workflow } = (await created.json()) as { workflow: { id: string } };
  await signIn(page, ADMIN, `/workflows/${workflow.id}`);
  await expect(page.locator('.vue-flow__node')).toHaveCount(5);

  // ---- select two nodes, Ctrl+G: a group drawn around them ----
  await node(page, 'fix').locator('.fd-node-name').click();
  await node(page, 'check').locator('.fd-node-name').click({ modifiers: ['Shift'] });
  await page.keyboard.press('Control+g');
  const group = page.locator('.vue-flow__node[data-id="group_1"]');
  await expect(group).toBeVisible();
  await expect(group.getByTestId('group-timeout-group_1')).toHaveText(/timeout 4 hours/);
  const groupBox = await stableBox(group);
  expect(inside(await stableBox(node(page, 'fix')), groupBox)).toBe(true);
  expect(inside(await stableBox(node(page, 'check')), groupBox)).toBe(true);
  // Its timeout outcome has no edge yet: an error on the group.
  await expect(page.getByTestId('node-badge-group_1')).toHaveText('1');

  // ---- connect the group's timeout outcome ----
  await page.getByRole('button', { name: 'Arrange' }).click();
  await page.waitForTimeout(400);
  const timeoutEdges = page.locator('.vue-flow__edge').filter({ has: page.locator('text="timeout"') });
  // Fit the view, then zoom out a step: fitted, the group's bottom-right outcome handle can sit under the
  // minimap (bottom right), and a press there pans the minimap instead of starting a connection. hover()
  // checks that nothing covers the handle; one more zoom-out step per retry.
  await page.locator('.vue-flow__controls-fitview').click();
  for (let attempt = 0; attempt < 3 && (await timeoutEdges.count()) === 0; attempt++) {
    await page.locator('.vue-flow__controls-zoomout').click();
    await page.waitForTimeout(400);
    await stableBox(handle(page, 'group_1', 'timeout'));
    const to = await stableBox(handle(page, 'late', 'in'));
    const pressed = await handle(page, 'group_1', 'timeout').hover({ timeout: 5_000 }).then(() => true, () => false);
    if (!pressed) continue;
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 14 });
    await page.mouse.up();
    await page.waitForTimeout(300);
  }
  await expect(timeoutEdges).toHaveCount(1);
  await page.getByTestId('problems-tab').click();
  await expect(page.getByTestId('no-problems')).toBeVisible();

  // ---- drag "check" out of the group, then back in ----
  const title = node(page, 'check').locator('.fd-node-name');
  let box = await stableBox(title);
  const group1 = await stableBox(group);
  await drag(page, { x: box.x + 10, y: box.y + 6 }, { x: group1.x + 10, y: group1.y + group1.height + 110 });
  await page.waitForTimeout(300);
  expect(inside(await stableBox(node(page, 'check')), await stableBox(group))).toBe(false);
  box = await stableBox(title);
  const group2 = await stableBox(group);
  await drag(page, { x: box.x + 10, y: box.y + 6 }, { x: group2.x + 60, y: group2.y + group2.height - 70 });
  await page.waitForTimeout(300);
  expect(inside(await stableBox(node(page, 'check')), await stableBox(group))).toBe(true);
  await page.getByRole('button', { name: 'Arrange' }).click();
  await page.waitForTimeout(500);
  expect(inside(await stableBox(node(page, 'check')), await stableBox(group))).toBe(true);

  await node(page, 'group_1').locator('.fd-group-name').click();
  await page.getByRole('tab', { name: 'Properties' }).click();
  await expect(page.getByLabel('Node name')).toHaveValue('Group');
  await page.waitForTimeout(400);
  await page.screenshot({ path: resolve(shotDir, 'designer-groups.png') });

  // Saved as members of the group (the API's format).
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.getByText('Draft saved')).toBeVisible();
  const saved = (await (await api.get(`/api/workflows/${workflow.id}`)).json()) as { workflow: { draft: { nodes: { id: string; parentId?: string }[] } } };
  const members = saved.workflow.draft.nodes.filter((n) => n.parentId === 'group_1').map((n) => n.id).sort();
  expect(members).toEqual(['check', 'fix']);

  // ---- simulate: the run is in the group; firing the group timer (fast-forward) leaves it ----
  await page.getByRole('tab', { name: 'Simulate' }).click();
  const sim = page.getByTestId('simulator');
  await sim.getByRole('button', { name: 'Start simulation' }).click();
  await expect(page.getByTestId('sim-status')).toContainText('Fix the incident');
  await expect(page.getByTestId('sim-group')).toHaveText('in group Group');
  await expect(group.locator('.fd-group')).toHaveClass(/is-current/);
  await expect(group.getByTestId('group-active')).toBeVisible();
  await sim.getByRole('button', { name: 'done', exact: true }).click();
  await expect(page.getByTestId('sim-status')).toContainText('Confirm with customer');
  await expect(group.locator('.fd-group')).toHaveClass(/is-current/);
  await page.screenshot({ path: resolve(artifactDir, 'groups-simulating.png') });
  await sim.getByRole('button', { name: 'Fire group timeout (Group)' }).click();
  await expect(page.getByTestId('sim-done')).toBeVisible();
  await expect(page.getByTestId('sim-status')).toContainText('SLA breached');
  await expect(group.locator('.fd-group')).not.toHaveClass(/is-current/);
  await expect(group.locator('.fd-group')).toHaveClass(/is-visited/);
  await expect(page.locator('.vue-flow__edge.is-taken').filter({ has: page.locator('text="timeout"') })).toHaveCount(1);
  await page.screenshot({ path: resolve(artifactDir, 'groups-left.png') });
  expect(errors).toEqual([]);
});


test('edge labels: the outcome labels of a dense template do not overlap', async ({ page }) => {
  const definition = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../templates/it-incident-sla/workflow.json'), 'utf8')) as Record<string, unknown>;
  definition.key = `incident-${stamp()}`;
  const { api, headers } = await adminApi();
  const created = await api.post('/api/workflows', { data: { definition }, headers });
  expect(created.status(), await created.text()).toBe(201);
  const { workflow } = (await created.json()) as { workflow: { id: string } };

  await signIn(page, ADMIN, `/workflows/${workflow.id}`);
  await expect(page.locator('.vue-flow__node')).toHaveCount(13);
  await expect(page.locator('.vue-flow__edge')).toHaveCount(26);
  await page.waitForTimeout(600);
  await page.screenshot({ path: resolve(artifactDir, `edge-labels-${process.env.LABELS_SHOT ?? 'after'}.png`) });
  // The same, zoomed in (x1.44) on the middle of the graph, where most edges leave their nodes.
  await page.locator('.vue-flow__controls-zoomin').click();
  await page.locator('.vue-flow__controls-zoomin').click();
  await page.waitForTimeout(400);
  await page.screenshot({ path: resolve(artifactDir, `edge-labels-${process.env.LABELS_SHOT ?? 'after'}-zoomed.png`), clip: { x: 430, y: 64, width: 620, height: 836 } });
  await page.locator('.vue-flow__controls-fitview').click();
  await page.waitForTimeout(400);

  // No two label boxes intersect (measured in the page, at the fitted zoom).
  const boxes = await page.locator('.vue-flow__edge-textwrapper').evaluateAll((els) => els.map((el) => el.getBoundingClientRect().toJSON() as DOMRect));
  if (boxes.length > 0) {
    const overlaps: string[] = [];
    boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b, j) => {
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 2 && h > 2) overlaps.push(`${i}/${i + j + 1}`);
    }));
    expect(boxes).toHaveLength(26);
    expect(overlaps).toEqual([]);
  }
});
