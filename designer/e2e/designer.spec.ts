// The must-show, end to end against a real server: sign in through the login page, build trigger ->
// rule -> AI classify -> approval -> end by drag and drop, configure the rule with the condition builder, see a
// validation error and fix it, simulate to the end, publish, create a ticket through the API and follow its
// run in the inspector. Then: a wrong password, the shell (placeholders, sign out) and an agent's view.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Screenshots go to docs/img when SCREENSHOTS=1 (to refresh the README's), else next to the test results. */
const shotDir = process.env.SCREENSHOTS === '1' ? resolve(here, '../../docs/img') : resolve(here, '../test-results/screenshots');
/** Screenshots that only document a test run (never copied to docs/img). */
const artifactDir = resolve(here, '../test-results/screenshots');
mkdirSync(shotDir, { recursive: true });
mkdirSync(artifactDir, { recursive: true });

// The demo users `flowdesk start --demo` seeds (scripts/e2e.mjs passes them, overridable).
const ADMIN = { email: process.env.FLOWDESK_E2E_EMAIL ?? 'admin@example.com', password: process.env.FLOWDESK_E2E_PASSWORD ?? 'flowdesk-demo' };
const AGENT = { email: process.env.FLOWDESK_E2E_AGENT_EMAIL ?? 'agent@example.com', password: process.env.FLOWDESK_E2E_AGENT_PASSWORD ?? 'flowdesk-demo' };

/** Opens `path` signed out, which lands on the login page; signs in there (Enter submits) and comes back to `path`. */
async function signIn(page: Page, who: { email: string; password: string }, path = '/workflows'): Promise<void> {
  await page.goto(path);
  await expect(page).toHaveURL(/\/login\?next=/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByLabel('Password', { exact: true }).press('Enter');
  await expect(page).toHaveURL((url) => url.pathname + url.search === path);
  await expect(page.getByTestId('user-menu')).toContainText(who.email);
}

/** API calls made with the browser's session cookie need the CSRF token, which the fd_csrf cookie carries. */
async function csrfHeaders(page: Page): Promise<Record<string, string>> {
  const csrf = (await page.context().cookies()).find((c) => c.name === 'fd_csrf')?.value;
  expect(csrf, 'the fd_csrf cookie after signing in').toBeTruthy();
  return { 'x-csrf-token': csrf! };
}

const node = (page: Page, id: string): Locator => page.locator(`.vue-flow__node[data-id="${id}"]`);
const handle = (page: Page, id: string, handleId: string): Locator =>
  page.locator(`.vue-flow__handle[data-nodeid="${id}"][data-handleid="${handleId}"]`);

async function dropKind(page: Page, kind: string, x: number, y: number): Promise<void> {
  await page.locator(`.palette-item[data-kind="${kind}"]`).dragTo(page.locator('.vue-flow'), { targetPosition: { x, y } });
}

/** The box of a handle once the canvas stopped moving (panning to a node is animated). */
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

async function connect(page: Page, source: string, outcome: string, target: string): Promise<void> {
  const from = await stableBox(handle(page, source, outcome));
  const to = await stableBox(handle(page, target, 'in'));
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
  await page.mouse.up();
  await expect(page.locator(`.vue-flow__edge[data-id]`).filter({ has: page.locator(`text="${outcome}"`) }).first()).toBeAttached();
}

test('build, validate, simulate, publish and inspect a workflow', async ({ page }) => {
  const key = `refund-triage-${Date.now().toString(36)}`;
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // ---- sign in as the demo admin ----
  await signIn(page, ADMIN, '/workflows');
  await expect(page.getByTestId('user-role')).toContainText('admin');

  // ---- a new workflow ----
  await expect(page.getByRole('heading', { name: 'Workflows' })).toBeVisible();
  await page.getByRole('button', { name: 'New workflow' }).click();
  await expect(page).toHaveURL(/\/workflows\/new$/);
  await expect(page.getByText('Start with a trigger')).toBeVisible();
  await page.getByLabel('Workflow name').fill('Refund triage');
  await page.getByLabel('Workflow key').fill(key);
  await page.getByLabel('Workflow key').press('Tab');

  // ---- drag the five nodes in ----
  await dropKind(page, 'trigger', 330, 70);
  await dropKind(page, 'rule', 330, 215);
  await dropKind(page, 'ai.classify', 170, 370);
  await dropKind(page, 'approval', 330, 530);
  await dropKind(page, 'end', 330, 700);
  await expect(page.locator('.vue-flow__node')).toHaveCount(5);
  for (const id of ['trigger_1', 'rule_1', 'classify_1', 'approval_1', 'end_1']) await expect(node(page, id)).toBeVisible();

  // Nothing is connected yet: errors on the nodes, publishing refused.
  await expect(page.getByTestId('node-badge-approval_1')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Publish' })).toBeDisabled();

  // ---- the rule, through the condition builder ----
  await node(page, 'rule_1').click();
  const props = page.getByTestId('properties');
  await props.getByLabel('Node name').fill('Triage by priority');
  await props.getByRole('button', { name: '+ Add rule' }).click();
  const rule = props.getByTestId('rule-card').first();
  await rule.getByLabel('Rule name').fill('High or urgent');
  await rule.getByLabel('Rule name').press('Tab');
  await rule.getByLabel('Rule outcome').fill('urgent');
  await rule.getByLabel('Rule outcome').press('Tab');
  await rule.getByLabel('Field').selectOption({ label: 'Priority' });
  await rule.getByLabel('Operator').selectOption('in');
  await rule.getByLabel('Value').fill('high, urgent');
  await rule.getByLabel('Value').press('Tab');
  await props.getByLabel('Default outcome').fill('normal');
  await props.getByLabel('Default outcome').press('Tab');
  await expect(handle(page, 'rule_1', 'urgent')).toBeAttached();
  await expect(handle(page, 'rule_1', 'normal')).toBeAttached();

  // ---- connect every outcome but one ----
  await connect(page, 'trigger_1', 'next', 'rule_1');
  await connect(page, 'rule_1', 'urgent', 'approval_1');
  await connect(page, 'rule_1', 'normal', 'classify_1');
  await connect(page, 'classify_1', 'done', 'approval_1');
  await connect(page, 'classify_1', 'low_confidence', 'approval_1');
  await connect(page, 'classify_1', 'error', 'approval_1');
  await connect(page, 'approval_1', 'approved', 'end_1');

  // ---- the validation error, then its fix ----
  await page.getByTestId('problems-tab').click();
  const problems = page.getByTestId('problems');
  await expect(problems).toContainText('rejected');
  await expect(page.getByTestId('node-badge-approval_1')).toHaveText('1');
  await expect(page.getByRole('button', { name: 'Publish' })).toBeDisabled();
  await problems.getByRole('button').first().click(); // selects the node with the problem
  await expect(page.getByTestId('properties')).toContainText('Approval');
  await connect(page, 'approval_1', 'rejected', 'end_1');
  await page.getByTestId('problems-tab').click();
  await expect(page.getByTestId('no-problems')).toBeVisible();
  await expect(page.getByTestId('node-badge-approval_1')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Publish' })).toBeEnabled();

  // Undo / redo of the last connection.
  await page.locator('.vue-flow__pane').click({ position: { x: 600, y: 120 } });
  await page.keyboard.press('Control+z');
  await expect(page.getByRole('button', { name: 'Publish' })).toBeDisabled();
  await page.keyboard.press('Control+y');
  await expect(page.getByRole('button', { name: 'Publish' })).toBeEnabled();

  await page.getByRole('button', { name: 'Arrange' }).click();
  await node(page, 'rule_1').click();
  await page.getByRole('tab', { name: 'Properties' }).click();
  await page.waitForTimeout(400);
  await page.screenshot({ path: resolve(shotDir, 'designer.png') });

  // ---- simulate: a normal-priority ticket goes through the AI step ----
  await page.getByRole('tab', { name: 'Simulate' }).click();
  const sim = page.getByTestId('simulator');
  await sim.getByLabel('Sample ticket JSON').fill(JSON.stringify({ subject: 'Charged twice for order 1042', body: 'Please refund one payment.', priority: 'normal', tags: ['billing'] }, null, 2));
  await sim.getByRole('button', { name: 'Start simulation' }).click();
  await expect(page.getByTestId('sim-status')).toContainText('AI classify');
  await expect(node(page, 'classify_1').locator('.fd-node')).toHaveClass(/is-current/);
  await sim.getByLabel('Output JSON').fill('{"label":"billing","confidence":0.93}');
  await sim.getByRole('button', { name: 'Result: done' }).click();
  await expect(page.getByTestId('sim-status')).toContainText('Approval');
  await expect(node(page, 'approval_1').locator('.fd-node')).toHaveClass(/is-current/);
  await page.screenshot({ path: resolve(shotDir, 'simulator.png') });
  await sim.getByRole('button', { name: 'Approve', exact: true }).click();
  await expect(page.getByTestId('sim-done')).toContainText('resolved');
  await expect(page.getByTestId('sim-log').locator('li')).toHaveCount(4);
  await expect(page.locator('.vue-flow__edge.is-taken')).toHaveCount(4);

  // ---- publish ----
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByLabel('Publish note').fill('First version: AI triage for normal tickets');
  await page.getByRole('button', { name: 'Publish version 1' }).click();
  await expect(page.getByText('Published version 1')).toBeVisible();
  await expect(page).toHaveURL(/\/workflows\/[0-9a-f-]{36}$/);
  await expect(page.getByText('v1 published')).toBeVisible();

  // ---- a ticket through the API starts a run on the published version ----
  // page.request shares the browser's cookies: the call is made as the signed-in admin.
  const created = await page.request.post('/api/tickets', { data: { subject: 'Refund for order 77', body: 'Charged twice', priority: 'normal' }, headers: await csrfHeaders(page) });
  expect(created.status()).toBe(201);
  const { runs } = (await created.json()) as { runs: { id: string; workflowKey: string }[] };
  const run = runs.find((r) => r.workflowKey === key);
  expect(run, `a run of ${key} among ${JSON.stringify(runs)}`).toBeTruthy();

  // ---- the inspector: the run appears, its path is highlighted, updates live ----
  await page.goto('/runs');
  await expect(page.locator(`tr[data-run-id="${run!.id}"]`)).toBeVisible();
  await page.locator(`tr[data-run-id="${run!.id}"]`).click();
  await expect(page).toHaveURL(new RegExp(`/runs/${run!.id}$`));
  // The server's workers run the rule and the AI step (answered by its provider, or by the error outcome
  // while no provider is configured): the run then waits at the approval.
  await expect(page.getByTestId('run-current')).toHaveText('Approval', { timeout: 30_000 });
  await expect(node(page, 'approval_1').locator('.fd-node')).toHaveClass(/is-current/);
  for (const id of ['trigger_1', 'rule_1', 'classify_1']) await expect(node(page, id).locator('.fd-node')).toHaveClass(/is-visited/);
  await expect(page.locator('.vue-flow__edge.is-taken')).toHaveCount(3);
  await expect(page.getByTestId('run-history').locator('li')).toHaveCount(3);

  // An approval through the API: the inspector follows by itself.
  const vote = await page.request.post(`/api/runs/${run!.id}/events`, {
    data: { type: 'approval.vote', nodeId: 'approval_1', approver: 'maria', decision: 'approve' },
    headers: await csrfHeaders(page),
  });
  expect(vote.status()).toBe(200);
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 10_000 });
  await expect(page.locator('.vue-flow__edge.is-taken')).toHaveCount(4);
  await page.waitForTimeout(300);
  await page.screenshot({ path: resolve(shotDir, 'inspector.png') });

  expect(errors).toEqual([]);
});

test('the login page: a wrong password is refused with a message, the right one goes where the user was going', async ({ page }) => {
  await page.goto('/runs');
  await expect(page).toHaveURL(/\/login\?next=/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByLabel('Email')).toBeFocused();
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.waitForTimeout(200);
  await page.screenshot({ path: resolve(shotDir, 'login.png') });

  await page.getByLabel('Password', { exact: true }).fill(`${ADMIN.password}-wrong`);
  await page.getByLabel('Password', { exact: true }).press('Enter');
  await expect(page.getByTestId('login-error')).toHaveText('The email address or password is incorrect.');
  await expect(page).toHaveURL(/\/login\?next=/);
  await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');
  await expect(page.getByLabel('Password', { exact: true })).toBeFocused();
  expect((await page.context().cookies()).some((c) => c.name === 'fd_session')).toBe(false);
  await page.screenshot({ path: resolve(artifactDir, 'login-error.png') });

  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/runs$/);
  await expect(page.getByRole('heading', { name: 'Runs', exact: true })).toBeVisible();
});

test('the shell: placeholders are honest, unknown workflows say so, sign out ends the session', async ({ page }) => {
  await signIn(page, ADMIN, '/tickets');
  await expect(page.getByRole('heading', { name: 'Tickets' })).toBeVisible();
  await expect(page.getByRole('search')).toBeVisible(); // the inbox (e2e/tickets.spec.ts drives it)
  await page.goto('/no-such-page');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await page.goto('/workflows/00000000-0000-4000-8000-000000000000');
  await expect(page.getByText('This workflow does not exist.')).toBeVisible();
  await expect(page.getByRole('alert')).toContainText('Could not open the workflow');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/workflows');
  await expect(page).toHaveURL(/\/login\?next=/);
  // The old session cookie no longer works for the API either.
  const r = await page.request.get('/api/workflows');
  expect(r.status()).toBe(401);
});

test('a session that ends mid-use sends the user to the login page, and back after signing in again', async ({ page }) => {
  await signIn(page, ADMIN, '/workflows');
  await expect(page.getByRole('heading', { name: 'Workflows' })).toBeVisible();
  // The session is gone (expired, revoked): the next API call answers 401.
  await page.context().clearCookies();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runs' }).click();
  await expect(page).toHaveURL(/\/login\?next=(\/|%2F)runs$/);
  await expect(page.getByTestId('login-notice')).toHaveText('Your session has ended. Sign in again to continue.');
  await expect(page.locator('.toast')).toHaveCount(0); // the 401 is explained on the login page, not toasted
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByLabel('Password', { exact: true }).press('Enter');
  await expect(page).toHaveURL(/\/runs$/);
  await expect(page.getByRole('heading', { name: 'Runs', exact: true })).toBeVisible();
});

test("an agent sees the workflows but cannot create or publish them, and is told why", async ({ page }) => {
  await signIn(page, AGENT, '/workflows');
  await expect(page.getByTestId('user-role')).toContainText('agent');
  const create = page.getByRole('button', { name: 'New workflow' }).first();
  await expect(create).toBeDisabled();
  await expect(create).toHaveAttribute('title', /needs the workflows\.write permission/);
  await page.goto('/workflows/new');
  await expect(page.getByTestId('view-only')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Publish' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Publish' })).toHaveAttribute('title', /needs the workflows\.publish permission/);
  // The server agrees: publishing with the agent's session and a valid CSRF token is a 403 naming the permission.
  const list = await page.request.get('/api/workflows');
  expect(list.status()).toBe(200);
  const [first] = ((await list.json()) as { workflows: { id: string }[] }).workflows;
  expect(first, 'the demo workflow').toBeTruthy();
  const r = await page.request.post(`/api/workflows/${first!.id}/publish`, { data: {}, headers: await csrfHeaders(page) });
  expect(r.status()).toBe(403);
  expect(((await r.json()) as { error: { code: string } }).error.code).toBe('FD_FORBIDDEN');
});
