// The property-panel builders and saved simulation cases against the real server (issue 6 items 2 and 4): a
// task's form built field by field with a live preview, the duration picker and the AI settings, then a
// simulation saved as a test case next to a stored one that fails, "Run all" in the browser, and the draft
// saved with its cases.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { resolve } from 'node:path';
import { ADMIN, adminApi, artifactDir, shotDir, signIn, stamp } from './support.ts';

const node = (page: Page, id: string): Locator => page.locator(`.vue-flow__node[data-id="${id}"]`);

function refundWorkflow(key: string) {
  return {
    schemaVersion: 1,
    key,
    name: 'Refund review',
    description: 'Refund requests: urgent ones to a manager, the rest classified and reviewed by an agent.',
    nodes: [
      { id: 'start', kind: 'trigger', name: 'Refund requested', position: { x: 0, y: 0 }, params: { event: 'manual' } },
      {
        id: 'triage', kind: 'rule', name: 'Triage', position: { x: 0, y: 168 },
        params: { rules: [{ name: 'Urgent', outcome: 'urgent', conditions: { any: [{ fact: 'ticket', path: '$.priority', operator: 'equal', value: 'urgent' }] } }], defaultOutcome: 'normal' },
      },
      { id: 'classify', kind: 'ai.classify', name: 'Classify the request', position: { x: -300, y: 336 }, params: { field: 'category', provider: 'anthropic', model: 'claude-haiku-5-5', threshold: 0.7 } },
      {
        id: 'review', kind: 'task', name: 'Agent review', position: { x: -300, y: 504 },
        params: { title: 'Review the refund', assignee: { type: 'role', role: 'agent' }, actions: [{ id: 'refund', label: 'Refund' }, { id: 'decline', label: 'Decline' }], escalations: [{ outcome: 'late', after: 'PT90M' }] },
      },
      { id: 'approve', kind: 'approval', name: 'Manager approval', position: { x: 160, y: 504 }, params: { title: 'Approve the refund', approvers: [{ type: 'role', role: 'manager' }], required: 1 } },
      { id: 'resolved', kind: 'end', name: 'Refunded', position: { x: -300, y: 760 }, params: { status: 'resolved' } },
      { id: 'closed', kind: 'end', name: 'Declined', position: { x: 160, y: 760 }, params: { status: 'closed' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'triage', outcome: 'next' },
      { id: 'e2', source: 'triage', target: 'approve', outcome: 'urgent' },
      { id: 'e3', source: 'triage', target: 'classify', outcome: 'normal' },
      { id: 'e4', source: 'classify', target: 'review', outcome: 'done' },
      { id: 'e5', source: 'classify', target: 'review', outcome: 'low_confidence' },
      { id: 'e6', source: 'review', target: 'resolved', outcome: 'refund' },
      { id: 'e7', source: 'review', target: 'closed', outcome: 'decline' },
      { id: 'e8', source: 'review', target: 'approve', outcome: 'late' },
      { id: 'e9', source: 'approve', target: 'resolved', outcome: 'approved' },
      { id: 'e10', source: 'approve', target: 'closed', outcome: 'rejected' },
    ],
    tests: [
      {
        // Written when low-confidence answers went to the manager; the workflow now sends them to an agent.
        name: 'Unsure classifications go to a manager',
        ticket: { subject: 'Money back?', priority: 'normal' },
        steps: [{ answer: 'classify', outcome: 'low_confidence' }],
        expect: { path: ['triage', 'classify', 'approve'], node: 'approve', status: 'waiting' },
      },
    ],
  };
}

test('form builder, duration picker and AI settings in the property panel; saved simulation cases run in the browser', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const key = `refund-review-${stamp()}`;
  const { api, headers } = await adminApi();
  const created = await api.post('/api/workflows', { data: { definition: refundWorkflow(key) }, headers });
  expect(created.status(), await created.text()).toBe(201);
  const { workflow } = (await created.json()) as { workflow: { id: string } };

  await signIn(page, ADMIN, `/workflows/${workflow.id}`);
  await expect(node(page, 'review')).toBeVisible();

  // ---- AI settings ----
  await node(page, 'classify').click();
  const ai = page.getByTestId('ai-settings');
  await expect(ai.getByLabel('AI provider')).toHaveValue('anthropic');
  await expect(ai).toContainText('Below this confidence the node leaves by low_confidence');
  await ai.getByTestId('threshold').fill('0.8');
  await expect(ai.locator('output').first()).toHaveText('80 %');
  await page.getByTestId('properties').screenshot({ path: resolve(artifactDir, 'ai-settings.png') });

  // ---- the task: duration picker for its escalation, then its form ----
  await node(page, 'review').click();
  const picker = page.getByTestId('duration-input').first();
  await expect(picker.locator('input[type="number"]')).toHaveValue('90');
  await expect(picker.locator('select')).toHaveValue('minutes');
  await expect(picker.getByTestId('duration-words')).toHaveText('= 1 hour 30 minutes');
  await picker.locator('select').selectOption('hours');
  await picker.locator('input[type="number"]').fill('4');
  await expect(picker.getByTestId('duration-iso')).toHaveText('PT4H');

  await page.getByLabel('Task form').selectOption('__new');
  const builder = page.getByTestId('form-builder');
  await expect(builder).toBeVisible();
  await builder.getByLabel('Form title').fill('Refund decision');
  const add = async (type: string, label: string) => {
    await builder.locator(`[data-add="${type}"]`).click();
    const count = await builder.getByTestId('form-field').count();
    await builder.getByLabel(`Label of field ${count}`).fill(label);
  };
  await add('number', 'Refund amount');
  await builder.getByLabel('Field 1 required').check();
  await add('choice', 'Refund to');
  await builder.getByLabel('Option 1 of field 2').fill('Original card');
  await builder.getByLabel('Option 2 of field 2').fill('Store credit');
  await add('boolean', 'Refund shipping too');
  await add('date', 'Refund by');
  await add('longText', 'Note to the customer');
  await builder.getByLabel('Move field 5 up').click();
  await builder.locator('.fb-toggle').first().click();
  await builder.getByLabel('Description of field 1').fill('In EUR, at most the order value');
  const preview = builder.getByRole('region', { name: 'Form preview' });
  await expect(preview.getByText('Refund amount')).toBeVisible();
  await expect(preview.locator('select option[value="Store credit"]')).toHaveCount(1);
  await expect(preview.locator('textarea')).toHaveCount(1);
  await expect(preview.locator('input[type="checkbox"]')).toHaveCount(1);
  await expect(preview.locator('input[type="date"]')).toHaveCount(1);
  await builder.locator('.fb-toggle').first().click();
  // Fields and the live preview in view.
  await builder.locator('.fb-head').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(300);
  await page.screenshot({ path: resolve(shotDir, 'form-builder.png') });

  // ---- simulate a normal ticket to the end, save it as a case ----
  await page.getByRole('tab', { name: 'Simulate' }).click();
  const sim = page.getByTestId('simulator');
  await sim.getByLabel('Sample ticket JSON').fill(JSON.stringify({ subject: 'Refund for order 1042', body: 'Charged twice.', priority: 'normal', fields: { orderValue: 129 } }, null, 2));
  await sim.getByRole('button', { name: 'Start simulation' }).click();
  await sim.locator('[data-action="result:done"]').click();
  await sim.getByLabel('Output JSON').fill('{"refundAmount": 129, "refundTo": "Original card"}');
  await sim.locator('[data-action="task:refund"]').click();
  await expect(sim.getByTestId('sim-done')).toContainText('Refunded');
  await sim.getByTestId('save-case-open').click();
  await sim.getByLabel('Test case name').fill('A normal refund is classified and refunded by an agent');
  await sim.getByTestId('save-case-confirm').click();
  await expect(sim).toContainText('Saved “A normal refund is classified and refunded by an agent”: 2 steps');

  // ---- and an urgent one waiting at the manager ----
  await sim.getByRole('button', { name: 'Reset' }).click();
  await sim.getByLabel('Sample ticket JSON').fill(JSON.stringify({ subject: 'Double charge, need it back today', priority: 'urgent' }, null, 2));
  await sim.getByRole('button', { name: 'Start simulation' }).click();
  await sim.getByTestId('save-case-open').click();
  await sim.getByLabel('Test case name').fill('Urgent refunds wait for a manager');
  await sim.getByTestId('save-case-confirm').click();

  const cases = page.getByTestId('test-cases');
  await expect(cases.getByTestId('test-case')).toHaveCount(3);
  await cases.getByTestId('run-all').click();
  await expect(cases.getByTestId('tc-summary')).toContainText('2 passed, 1 failed');
  await expect(cases.getByTestId('tc-failures')).toContainText('path: expected triage → classify → approve, got triage → classify → review');
  await sim.getByRole('button', { name: 'Reset' }).click();
  await cases.scrollIntoViewIfNeeded();
  await page.waitForTimeout(300);
  await page.screenshot({ path: resolve(shotDir, 'test-cases.png') });

  // ---- delete the outdated case; Save draft stores the form and the cases ----
  await cases.getByLabel('Delete test case Unsure classifications go to a manager').click();
  await cases.getByTestId('run-all').click();
  await expect(cases.getByTestId('tc-summary')).toContainText('2 passed');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.getByText('Draft saved')).toBeVisible();
  const saved = (await (await api.get(`/api/workflows/${workflow.id}`)).json()) as {
    workflow: { draft: { forms?: Record<string, { title?: string; schema: { properties: Record<string, unknown>; required?: string[] }; uiSchema?: { elements: { scope: string }[] } }>; tests?: { name: string }[]; nodes: { id: string; params: Record<string, unknown> }[] } };
  };
  const draft = saved.workflow.draft;
  const review = draft.nodes.find((n) => n.id === 'review')!;
  expect(review.params.form).toBe('review_form');
  expect((review.params.escalations as { after: string }[])[0]!.after).toBe('PT4H');
  expect(draft.nodes.find((n) => n.id === 'classify')!.params.threshold).toBe(0.8);
  expect(draft.forms?.review_form?.title).toBe('Refund decision');
  // The field order is the layout's (the database does not keep the order of object keys).
  expect(Object.keys(draft.forms!.review_form!.schema.properties).sort()).toEqual(['noteToTheCustomer', 'refundAmount', 'refundBy', 'refundShippingToo', 'refundTo']);
  expect(draft.forms!.review_form!.uiSchema!.elements.map((e) => e.scope)).toEqual(['refundAmount', 'refundTo', 'refundShippingToo', 'noteToTheCustomer', 'refundBy'].map((k) => `#/properties/${k}`));
  expect(draft.forms!.review_form!.schema.required).toEqual(['refundAmount']);
  expect(draft.tests?.map((t) => t.name)).toEqual(['A normal refund is classified and refunded by an agent', 'Urgent refunds wait for a manager']);
  expect(errors).toEqual([]);
});
