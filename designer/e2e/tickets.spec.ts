// The agent workspace against the real server: the admin publishes a workflow whose task node carries a form
// and whose approval follows, and opens tickets through the API (one with an SLA); the demo agent signs in,
// finds the ticket in the inbox by full-text search and opens it with the keyboard, writes an internal note
// and a public reply, completes the workflow's task form (its own validation first), approves, and watches
// the run advance to its end and the ticket resolve. Screenshots: docs/img/tickets-inbox.png and
// docs/img/ticket-page.png (with SCREENSHOTS=1).
import { expect, test, type APIRequestContext } from '@playwright/test';
import { resolve } from 'node:path';
import { adminApi, shotDir, signIn, stamp } from './support.ts';

const AGENT = { email: process.env.FLOWDESK_E2E_AGENT_EMAIL ?? 'agent@example.com', password: process.env.FLOWDESK_E2E_AGENT_PASSWORD ?? 'flowdesk-demo' };

function deskWorkflow(key: string, tag: string) {
  return {
    schemaVersion: 1,
    key,
    name: 'Service desk triage',
    nodes: [
      { id: 'start', kind: 'trigger', name: 'Ticket created', position: { x: 0, y: 0 }, params: { event: 'ticket.created', conditions: { all: [{ fact: 'ticket', path: '$.tags', operator: 'contains', value: tag }] } } },
      {
        id: 'triage',
        kind: 'task',
        name: 'Triage',
        position: { x: 0, y: 140 },
        params: { title: 'Triage the request', assignee: { type: 'role', role: 'agent' }, form: 'triage_form', actions: [{ id: 'escalate', label: 'Send for approval' }, { id: 'close', label: 'Close as duplicate' }] },
      },
      { id: 'sign_off', kind: 'approval', name: 'Replacement sign-off', position: { x: 0, y: 280 }, params: { title: 'Approve a replacement unit', approvers: [{ type: 'role', role: 'agent' }], required: 1 } },
      { id: 'resolved', kind: 'end', name: 'Resolved', position: { x: -120, y: 420 }, params: { status: 'resolved' } },
      { id: 'closed', kind: 'end', name: 'Closed', position: { x: 120, y: 420 }, params: { status: 'closed' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'triage', outcome: 'next' },
      { id: 'e2', source: 'triage', target: 'sign_off', outcome: 'escalate' },
      { id: 'e3', source: 'triage', target: 'closed', outcome: 'close' },
      { id: 'e4', source: 'sign_off', target: 'resolved', outcome: 'approved' },
      { id: 'e5', source: 'sign_off', target: 'closed', outcome: 'rejected' },
    ],
    forms: {
      triage_form: {
        title: 'Triage details',
        schema: {
          type: 'object',
          required: ['category', 'serial'],
          properties: {
            category: { type: 'string', title: 'Category', enum: ['hardware', 'billing', 'shipping'] },
            serial: { type: 'string', title: 'Serial number', minLength: 4 },
            underWarranty: { type: 'boolean', title: 'Under warranty' },
          },
        },
      },
    },
  };
}

async function ok(api: APIRequestContext, method: 'post' | 'patch', url: string, data: unknown, headers: Record<string, string>) {
  const r = await api[method](url, { data, headers });
  expect(r.ok(), `${method} ${url}: ${r.status()} ${await r.text()}`).toBe(true);
  return r.json();
}

test('agent workspace: inbox search, note, reply, the workflow task form and approval, the run advances', async ({ page }) => {
  const s = stamp();
  const tag = `desk-${s}`;
  const { api, headers } = await adminApi();

  const created = await ok(api, 'post', '/api/workflows', { definition: deskWorkflow(`desk-${s}`, tag) }, headers);
  await ok(api, 'post', `/api/workflows/${created.workflow.id}/publish`, { note: 'e2e' }, headers);
  await ok(api, 'post', '/api/sla-policies', { name: `Desk ${s}`, targets: { high: { firstResponseMinutes: 240, resolutionMinutes: 2880 }, urgent: { firstResponseMinutes: 60, resolutionMinutes: 480 }, normal: { firstResponseMinutes: 480 } }, conditions: { tagsAny: [tag] }, position: -1000 }, headers);

  // A realistic inbox: a few other tickets around the one the agent works.
  const others = [
    { subject: 'Invoice shows the wrong VAT number', body: 'Our VAT id changed in March; the last two invoices still show the old one.', priority: 'normal', channel: 'email', customer: { email: `finance-${s}@northwind.example`, name: 'Nadia Finance' } },
    { subject: 'Cannot log in to the customer portal', body: 'The magic link says it expired right after I click it.', priority: 'high', channel: 'portal', customer: { email: `li-${s}@example.com`, name: 'Li Wei' } },
    { subject: 'Where is my order #88231?', body: 'Tracking has not moved for five days.', priority: 'low', channel: 'web_form', customer: { email: `sam-${s}@example.com`, name: 'Sam Porter' } },
    { subject: 'Coffee grinder makes a loud noise', body: 'Since yesterday the grinder rattles when it starts.', priority: 'urgent', channel: 'chat', customer: { phone: '+442079460958', name: 'Grace Hopper' } },
  ];
  for (const t of others) await ok(api, 'post', '/api/tickets', { ...t, tags: [tag] }, headers);
  const ticket = await ok(api, 'post', '/api/tickets', {
    subject: `Espresso machine ${s} leaks water`,
    body: 'Hello, my Barista Pro leaks water from the bottom since last week. The serial is on the back. Can you replace it?',
    priority: 'high',
    channel: 'email',
    customer: { email: `marta-${s}@example.com`, name: 'Marta Rossi' },
    tags: [tag, 'warranty'],
    attachments: [{ filename: 'leak.txt', contentType: 'text/plain', contentBase64: Buffer.from('photo description: puddle under the machine').toString('base64') }],
  }, headers);
  const ticketId = ticket.ticket.id as string;
  const run = (ticket.runs as { id: string; workflowKey: string }[]).find((r) => r.workflowKey === `desk-${s}`)!;
  expect(run, 'the desk workflow started on the ticket').toBeTruthy();

  // ---- the inbox ----
  await signIn(page, AGENT, '/tickets');
  await expect(page.getByRole('heading', { name: 'Tickets' })).toBeVisible();
  await expect(page.locator(`tr[data-ticket-id="${ticketId}"]`)).toBeVisible();
  // Views are server-side filters kept in the address (the demo's AI workflow may have assigned the tickets).
  await page.getByRole('tab', { name: 'Unassigned' }).click();
  await expect(page).toHaveURL(/view=unassigned/);
  await expect(page.locator('tbody tr, [data-testid="inbox-empty"]').first()).toBeVisible();
  for (const a of await page.locator('tbody tr .col-assignee').allTextContents()) expect(a.trim()).toBe('Unassigned');
  await page.getByRole('tab', { name: 'All' }).click();
  await page.getByLabel('Priority', { exact: true }).selectOption('high');
  await expect(page.locator('tbody tr').first()).toBeVisible();
  for (const p of await page.locator('tbody tr .prio').allTextContents()) expect(p.trim()).toBe('high');
  await page.getByLabel('Priority', { exact: true }).selectOption('');
  await page.getByLabel('Sort').selectOption('priority');
  await expect(page.locator(`tr[data-ticket-id="${ticketId}"] [data-sla="due"]`)).toContainText(/Reply in/);
  await page.waitForTimeout(300);
  await page.screenshot({ path: resolve(shotDir, 'tickets-inbox.png') });

  // Full-text search: the ticket by a word of its body; keyboard: "/" focuses the search, Enter opens the selected row.
  await page.keyboard.press('/');
  await expect(page.getByLabel('Search tickets')).toBeFocused();
  await page.keyboard.type(`leaks ${s}`);
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`q=leaks`));
  await expect(page.locator('tbody tr')).toHaveCount(1);
  await expect(page.locator('tbody tr .snippet mark').first()).toBeVisible();
  await page.getByLabel('Search tickets').blur();
  await page.keyboard.press('j');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/tickets/${ticketId}$`));

  // ---- the ticket ----
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`Espresso machine ${s} leaks water`);
  await expect(page.getByTestId('customer-card')).toContainText('Marta Rossi');
  await expect(page.getByTestId('customer-card')).toContainText(`marta-${s}@example.com`);
  const thread = page.getByRole('list', { name: 'Conversation' });
  await expect(thread.locator('[data-kind="customer"]').first()).toContainText('leaks water from the bottom');
  await expect(thread.getByRole('link', { name: 'leak.txt' })).toHaveAttribute('href', new RegExp(`/api/tickets/${ticketId}/attachments/`));

  // An internal note, then a reply.
  await page.getByRole('tab', { name: 'Internal note' }).click();
  await page.getByTestId('composer-send').click();
  await expect(page.getByRole('alert').filter({ hasText: 'Write the note first.' })).toBeVisible();
  await page.getByLabel('Internal note', { exact: true }).fill('Known issue with the 2024 gasket batch; replacement is covered.');
  await page.getByTestId('composer-send').click();
  await expect(thread.locator('[data-kind="note"]')).toContainText('gasket batch');
  await expect(thread.locator('[data-kind="note"]')).toContainText('Internal note');
  await page.getByRole('tab', { name: 'Reply' }).click();
  await page.getByLabel('Reply to the customer').fill('Hello Marta, sorry about the leak. We are arranging a replacement unit for you.');
  await page.getByTestId('composer-send').click();
  await expect(thread.locator('[data-kind="reply"]')).toContainText('arranging a replacement');

  // The workflow's task: its form, generated from the workflow definition.
  const taskCard = page.locator('article[data-kind="task"]', { hasText: 'Triage the request' });
  await expect(taskCard).toBeVisible();
  await expect(taskCard).toContainText('Triage details');
  await expect(taskCard.getByRole('link', { name: `desk-${s} v1` })).toHaveAttribute('href', `/runs/${run.id}`);
  await taskCard.locator('select').first().selectOption('hardware');
  await expect(page.locator('.toast')).toHaveCount(0, { timeout: 10_000 }); // the note/reply toasts fade after 4 s
  await page.waitForTimeout(300);
  await page.screenshot({ path: resolve(shotDir, 'ticket-page.png') });

  // The form's own validation holds the submission back: the serial number is required.
  await taskCard.getByRole('button', { name: 'Send for approval' }).click();
  await expect(taskCard.locator('.task-problems')).toContainText('Fix the');
  const serial = taskCard.locator('input[type="text"], input:not([type])').first();
  await serial.fill('BP-2024-1187');
  await serial.blur();
  await taskCard.getByRole('button', { name: 'Send for approval' }).click();
  await expect(page.locator('.toast').filter({ hasText: 'Triage: Send for approval' })).toBeVisible();

  // The run advanced to the approval.
  const approvalCard = page.locator('article[data-kind="approval"]', { hasText: 'Approve a replacement unit' });
  await expect(approvalCard).toBeVisible();
  await expect(approvalCard.getByTestId('approval-votes')).toContainText('0 of 1 approval');
  const runRow = page.locator(`li[data-run-id="${run.id}"]`);
  await expect(runRow.getByTestId('ticket-run-step')).toHaveText('at Replacement sign-off');
  await approvalCard.getByLabel('Comment on Approve a replacement unit').fill('Covered by warranty.');
  await approvalCard.getByRole('button', { name: 'Approve' }).click();

  // The run ends, the ticket is resolved.
  await expect(runRow.getByTestId('ticket-run-status')).toHaveText('completed');
  await expect(runRow.getByTestId('ticket-run-step')).toHaveText('ended at Resolved');
  await expect(approvalCard).toHaveCount(0);
  await expect(page.getByTestId('ticket-status')).toHaveText('Resolved', { timeout: 15_000 });

  // The server recorded what the agent did, as the agent.
  const history = await (await api.get(`/api/runs/${run.id}/history`)).json();
  const events = (history.history as { event: Record<string, unknown> }[]).map((h) => h.event);
  expect(events).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ type: 'task.submit', nodeId: 'triage', action: 'escalate', actor: AGENT.email, data: expect.objectContaining({ category: 'hardware', serial: 'BP-2024-1187' }) }),
      expect.objectContaining({ type: 'approval.vote', nodeId: 'sign_off', decision: 'approve', approver: AGENT.email, comment: 'Covered by warranty.' }),
    ]),
  );
  const full = await (await api.get(`/api/tickets/${ticketId}`)).json();
  expect((full.messages as { visibility: string; bodyText: string }[]).map((m) => [m.visibility, m.bodyText.slice(0, 20)])).toEqual(
    expect.arrayContaining([
      ['internal', 'Known issue with the'],
      ['public', 'Hello Marta, sorry a'],
    ]),
  );
  await api.dispose();
});
