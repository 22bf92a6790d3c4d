// Settings → AI against the real server (`flowdesk start --demo`: a category model trained from the
// BANKING77 fixture, the ai-triage workflow, real workers). Through the API a ticket is classified by the
// demo workflow and an agent corrects its category (one ai_feedback row). The admin then opens Settings →
// AI, sees the category model with the correction counted, clicks "Retrain now", follows the background
// training until it succeeded, and sees the new version active and the counter back at 0; the usage card
// shows the AI calls the demo workflow made, as a chart with its table alternative.
import { expect, test } from '@playwright/test';
import { resolve } from 'node:path';
import { ADMIN, adminApi, shotDir, signIn } from './support.ts';

const PIN_TEXT = { subject: 'PIN blocked', body: 'I put the wrong pin too many times and now it is blocked. Can you help me unblock it?' };

test('admin: Settings → AI shows the models, retrains from a correction in the background, and shows usage', async ({ page }) => {
  test.setTimeout(120_000);
  const { api, headers } = await adminApi();

  // A ticket the demo workflow classifies; then an agent's correction of the AI's category.
  const created = await api.post('/api/tickets', { data: PIN_TEXT, headers });
  expect(created.status(), await created.text()).toBe(201);
  const ticketId = ((await created.json()) as { ticket: { id: string } }).ticket.id;
  let predicted: string | undefined;
  await expect
    .poll(async () => {
      const r = await api.get(`/api/tickets/${ticketId}`);
      predicted = ((await r.json()) as { ticket: { fields: Record<string, unknown> } }).ticket.fields.category as string | undefined;
      return predicted ?? null;
    }, { timeout: 45_000, message: 'the demo workflow sets the category' })
    .not.toBeNull();
  const corrected = predicted === 'card_arrival' ? 'pin_blocked' : 'card_arrival';
  const patch = await api.patch(`/api/tickets/${ticketId}`, { data: { fields: { category: corrected } }, headers });
  expect(patch.status(), await patch.text()).toBe(200);
  const before = ((await (await api.get('/api/ai/models')).json()) as { models: { field: string; feedbackSince: number; previousVersions: number }[] }).models.find((m) => m.field === 'category')!;
  expect(before.feedbackSince).toBeGreaterThanOrEqual(1);

  await signIn(page, ADMIN, '/settings/ai');
  await expect(page.getByRole('heading', { name: 'AI', level: 1 })).toBeVisible();
  const model = page.getByTestId('ai-model-classify-category');
  await expect(model).toContainText(`v${before.previousVersions + 1}`);
  await expect(model.getByTestId('ai-feedback-since')).toHaveText(String(before.feedbackSince));
  await expect(page.getByTestId('ai-provider-local')).toContainText('Ready');
  await expect(page.getByRole('link', { name: 'Settings → Organisation' })).toHaveAttribute('href', '/settings/organisation');

  // Retrain now: queued/training with progress, then succeeded, without reloading the page.
  await model.getByRole('button', { name: 'Retrain now' }).click();
  const training = page.getByTestId('ai-training-category');
  await expect(training).toBeVisible();
  await expect(training).toContainText('Succeeded', { timeout: 60_000 });
  await expect(training).toContainText(/Retrained .* from \d+ correction\(s\)/);
  await expect(page.locator('.toast').filter({ hasText: '“category” retrained' })).toBeVisible();
  await expect(model).toContainText(`v${before.previousVersions + 2}`);
  await expect(model.getByTestId('ai-feedback-since')).toHaveText('0');
  await model.getByText(/All versions/).click();
  await expect(model.locator('.ai-versions tbody tr').first()).toContainText('Active');
  await expect(model.locator('.ai-versions tbody tr').first()).toContainText('Retrained');

  // Usage: the demo workflow's AI calls are counted, charted and listed.
  const usage = page.getByTestId('ai-usage');
  await expect(usage.getByTestId('ai-usage-totals')).not.toContainText(/Calls\s*0\b/);
  await expect(usage.getByTestId('ai-usage-chart').locator('rect').first()).toBeVisible();
  await expect(usage.getByTestId('ai-usage-groups')).toContainText('local');
  await usage.getByText('Show the numbers as a table').click();
  await expect(usage.locator('.ai-chart-table tbody tr').last()).toContainText(new Date().toISOString().slice(0, 10));
  await usage.getByText('Show the numbers as a table').click();

  await page.locator('.toast').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
  // The whole page in one picture (the app scrolls inside its main area, so a tall viewport, from the top).
  await page.setViewportSize({ width: 1440, height: 1760 });
  await page.getByRole('heading', { name: 'AI', level: 1 }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: resolve(shotDir, 'settings-ai.png') });
  await api.dispose();
});
