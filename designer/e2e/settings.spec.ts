// The Settings area against the real server: the admin adds a user with the role agent, and invites a second
// one by mail (the logged mail's link opens the choose-a-password page); edits a
// business-hours calendar, gets the server's validation error at the Monday end time, fixes it and sees the
// new hours; sets the organisation's Anthropic API key and sees "Set" (never the value), then removes it again
// (other tests must not run AI nodes against a fake key); sees the audit chain verified with the new user in
// it. The demo agent's Settings has no Users section, and /settings/users sends them elsewhere.
import { expect, request, test } from '@playwright/test';
import { resolve } from 'node:path';
import { ADMIN, BASE_URL, adminApi, mailedLink, shotDir, signIn, stamp } from './support.ts';

const AGENT = { email: process.env.FLOWDESK_E2E_AGENT_EMAIL ?? 'agent@example.com', password: process.env.FLOWDESK_E2E_AGENT_PASSWORD ?? 'flowdesk-demo' };
const nineToFive = [['09:00', '17:00']];

test('admin: users, business hours with a validation error and its fix, the Anthropic key, the audit log', async ({ page }) => {
  const id = stamp();
  const email = `nora-${id}@example.com`;
  const { api, headers } = await adminApi();
  // A calendar and a policy to edit and to show (the demo has none of its own).
  const cal = await api.post('/api/calendars', {
    data: { name: `Support hours ${id}`, timezone: 'Europe/Berlin', weeklyHours: { mon: nineToFive, tue: nineToFive, wed: nineToFive, thu: nineToFive, fri: nineToFive }, holidays: ['2026-12-25', '2026-12-26'] },
    headers,
  });
  expect(cal.status(), await cal.text()).toBe(201);
  const calendarId = ((await cal.json()) as { calendar: { id: string } }).calendar.id;
  const policy = await api.post('/api/sla-policies', {
    data: { name: `Standard ${id}`, calendarId, targets: { urgent: { firstResponseMinutes: 30, resolutionMinutes: 240 }, normal: { firstResponseMinutes: 240, resolutionMinutes: 2400 } } },
    headers,
  });
  expect(policy.status(), await policy.text()).toBe(201);

  // /settings opens the first section the admin may see: Users.
  await signIn(page, ADMIN, '/settings/users');
  const nav = page.getByRole('navigation', { name: 'Settings' });
  await expect(nav.getByRole('link')).toHaveText([/Users/, /Teams & agents/, /SLA & business hours/, /API tokens/, /Webhooks/, /AI/, /Organisation/, /Audit log/]);
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/users$/);

  // ---- add a user with the role agent ----
  await page.getByRole('button', { name: 'Add user' }).click();
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Name (optional)').fill('Nora Newman');
  await page.getByLabel('Role', { exact: true }).selectOption('agent');
  await page.getByLabel('Initial password (optional)').fill('nora-password-2026');
  await page.getByTestId('user-create').click();
  const row = page.locator(`tr[data-user="${email}"]`);
  await expect(row).toContainText('Nora Newman');
  await expect(row.getByTestId('user-role')).toHaveValue('agent');
  await expect(row.getByTestId('user-status')).toHaveText('Active');
  await expect(row).toContainText('Never');
  await expect(page.locator('.toast').filter({ hasText: `Added ${email} as agent` })).toBeVisible();
  // The account is real: it signs in (in a context of its own: the page's cookies stay the admin's).
  const nora = await request.newContext({ baseURL: BASE_URL });
  expect((await nora.post('/api/auth/login', { data: { email, password: 'nora-password-2026' } })).status()).toBe(200);
  await nora.dispose();
  // Without a password: the invitation mail carries a link to choose one.
  const invitee = `omar-${id}@example.com`;
  await page.getByRole('button', { name: 'Add user' }).click();
  await page.getByLabel('Email', { exact: true }).fill(invitee);
  await page.getByLabel('Name (optional)').fill('Omar Okafor');
  await page.getByLabel('Role', { exact: true }).selectOption('manager');
  await expect(page.getByTestId('user-invite')).toBeChecked();
  await page.getByTestId('user-create').click();
  await expect(page.locator('.toast').filter({ hasText: `Invitation sent to ${invitee}` })).toBeVisible();
  const link = await mailedLink(invitee, '/reset-password');
  await expect(page.locator(`tr[data-user="${invitee}"]`).getByRole('button', { name: `Send an invitation to ${invitee}` })).toBeVisible();
  const reset = await page.context().newPage();
  await reset.goto(link);
  await expect(reset.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  await reset.close();
  for (const toast of await page.locator('.toast').all()) await toast.waitFor({ state: 'detached', timeout: 10_000 }).catch(() => undefined);
  await page.screenshot({ path: resolve(shotDir, 'settings-users.png') });

  // ---- the business-hours calendar: a validation error, then the fix ----
  await nav.getByRole('link', { name: /SLA & business hours/ }).click();
  await expect(page).toHaveURL(/\/settings\/sla$/);
  const calRow = page.locator(`tr[data-calendar="Support hours ${id}"]`);
  await expect(calRow).toContainText('Mon–Fri 09:00–17:00');
  await expect(page.locator(`tr[data-policy="Standard ${id}"]`)).toContainText('normal 4 h / 40 h · urgent 30 min / 4 h');
  await calRow.getByRole('button', { name: `Edit Support hours ${id}` }).click();
  const form = page.getByTestId('calendar-form');
  await expect(form.getByLabel('Name', { exact: true })).toBeFocused();
  const mondayEnd = form.getByLabel('Monday hours 1 end');
  await mondayEnd.fill('08:00');
  await form.getByTestId('bh-open-sat').check();
  await form.getByTestId('calendar-save').click();
  await expect(mondayEnd).toHaveAttribute('aria-invalid', 'true');
  await expect(form.locator(`#${await mondayEnd.getAttribute('aria-describedby')}`)).toContainText('end 08:00 must be after start 09:00');
  await expect(form.getByTestId('calendar-form-error')).toHaveText('The calendar was not saved: one problem is marked below.');
  await expect(mondayEnd).toBeFocused();
  // A taller window for the picture, so the calendar list, the form and its error show together.
  await page.setViewportSize({ width: 1440, height: 1500 });
  await page.locator('.shell-main').evaluate((el) => el.scrollTo(0, 0));
  await page.screenshot({ path: resolve(shotDir, 'settings-sla.png') });
  await page.setViewportSize({ width: 1440, height: 900 });

  await mondayEnd.fill('18:00');
  await form.getByTestId('calendar-save').click();
  await expect(form).toHaveCount(0);
  await expect(calRow).toContainText('Mon 09:00–18:00 · Tue–Sat 09:00–17:00');
  const stored = await api.get(`/api/calendars/${calendarId}`);
  expect(((await stored.json()) as { calendar: { weeklyHours: Record<string, string[][]> } }).calendar.weeklyHours).toMatchObject({ mon: [['09:00', '18:00']], sat: [['09:00', '17:00']] });

  // ---- the Anthropic API key: write-only, "Set" afterwards ----
  await nav.getByRole('link', { name: /Organisation/ }).click();
  const status = page.getByTestId('secret-status-ai.anthropic_api_key');
  try {
    await expect(status).toContainText('Not set');
    await page.getByTestId('secret-set-ai.anthropic_api_key').click();
    const value = page.getByLabel('Anthropic API key', { exact: true });
    await expect(value).toBeFocused();
    await value.fill(`sk-ant-e2e-${id}`);
    await page.getByTestId('secret-save-ai.anthropic_api_key').click();
    await expect(status).toContainText('Set');
    await expect(status).toContainText('updated just now');
    await expect(page.locator('body')).not.toContainText(`sk-ant-e2e-${id}`);
    // The API confirms it is stored, by name only.
    const secrets = (await (await api.get('/api/settings/secrets')).json()) as { secrets: { name: string }[] };
    expect(secrets.secrets.map((s) => s.name)).toContain('ai.anthropic_api_key');
    // Removing it again goes through a confirmation.
    await page.getByRole('button', { name: 'Remove Anthropic API key' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove secret' }).click();
    await expect(status).toContainText('Not set');
  } finally {
    await api.delete('/api/settings/secrets/ai.anthropic_api_key', { headers });
  }

  // ---- the audit log: verified, with the new user in it ----
  await nav.getByRole('link', { name: /Audit log/ }).click();
  await expect(page.getByTestId('audit-verify-ok')).toContainText('entries checked');
  await page.getByLabel('Action').fill('user.created');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page.locator('tr[data-action="user.created"]').filter({ hasText: email })).toHaveCount(1);
  await expect(page.locator('tr[data-action="user.created"]').filter({ hasText: invitee })).toHaveCount(1);
  await page.getByLabel('Action').fill('user.*');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page.locator('tr[data-action="user.invited"]').filter({ hasText: invitee })).toHaveCount(1);

  // The policy has no conditions: left behind it would be the first match for every later spec's tickets.
  const policyId = ((await policy.json()) as { policy: { id: string } }).policy.id;
  expect((await api.delete(`/api/sla-policies/${policyId}`, { headers })).status()).toBe(204);
  await api.delete(`/api/calendars/${calendarId}`, { headers }); // refused (409) if the test gave it to an agent: harmless
  await api.dispose();
});

test('agent: no Users section; read-only teams and SLAs; their own API tokens', async ({ page }) => {
  await signIn(page, AGENT, '/settings/agents');
  // /settings opens the first section an agent may open.
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await expect(page).toHaveURL(/\/settings\/agents$/);
  const nav = page.getByRole('navigation', { name: 'Settings' });
  await expect(nav.getByRole('link')).toHaveText([/Teams & agents/, /SLA & business hours/, /API tokens/]);
  await expect(nav.getByRole('link', { name: /Users/ })).toHaveCount(0);
  await expect(page.getByText('View only: changing agents and teams needs the directory.write permission.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add agent' })).toBeDisabled();

  // Typing the address does not open it.
  await page.goto('/settings/users');
  await expect(page).toHaveURL(/\/settings\/agents$/);
  await page.goto('/settings/audit');
  await expect(page).toHaveURL(/\/settings\/agents$/);

  await nav.getByRole('link', { name: /SLA & business hours/ }).click();
  await expect(page.getByRole('button', { name: 'New calendar' })).toBeDisabled();
  await nav.getByRole('link', { name: /API tokens/ }).click();
  await expect(page.getByRole('heading', { name: 'Your tokens' })).toBeVisible();
});
