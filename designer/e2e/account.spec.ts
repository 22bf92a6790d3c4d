// Account features against the real server: the password reset (request on the login page, the link from
// the mail the server logged, a refused weak password, the new one, signing in with it) and API tokens on
// /account (created with a scope, usable with fetch, refused after revoking).
import { expect, test } from '@playwright/test';
import { resolve } from 'node:path';
import { ADMIN, BASE_URL, adminApi, artifactDir, mailedLink, shotDir, signIn, stamp } from './support.ts';

test('password reset: request the link, follow it from the mail, set a new password, sign in with it', async ({ page }) => {
  // A user of its own: the demo admin's password must stay as it is for the other tests.
  const email = `rita-${stamp()}@example.com`;
  const oldPassword = 'the-old-password-1';
  const newPassword = 'a-brand-new-secret-42';
  const { api, headers } = await adminApi();
  const created = await api.post('/api/users', { data: { email, name: 'Rita Reset', role: 'agent', password: oldPassword }, headers });
  expect(created.status(), await created.text()).toBe(201);

  await page.goto('/login');
  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await expect(page.getByRole('heading', { name: 'Reset your password' })).toBeVisible();
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  await expect(page.getByTestId('forgot-sent')).toContainText(`If ${email} belongs to a Flowdesk account`);

  const link = await mailedLink(email, '/reset-password');
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Choose a new password' })).toBeVisible();
  // The server's rule that the page does not check itself: not the email address.
  await page.getByLabel('New password', { exact: true }).fill(email);
  await page.getByLabel('Repeat the new password', { exact: true }).fill(email);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.locator('#reset-password-error')).toHaveText('The password must not be the email address.');
  await page.screenshot({ path: resolve(artifactDir, 'reset-password-error.png') });
  await expect(page).toHaveURL(/\/reset-password\?token=/);

  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Repeat the new password', { exact: true }).fill(newPassword);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page).toHaveURL(/\/login\?reset=1$/);
  await expect(page.getByTestId('login-notice')).toHaveText('Your password has been changed. Sign in with the new one.');

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(newPassword);
  await page.getByLabel('Password', { exact: true }).press('Enter');
  await expect(page).toHaveURL(/\/workflows$/);
  await expect(page.getByTestId('user-menu')).toContainText(email);

  // The old password is gone, and the link worked once.
  const old = await api.post('/api/auth/login', { data: { email, password: oldPassword } });
  expect(old.status()).toBe(401);
  await page.goto(link);
  await page.getByLabel('New password', { exact: true }).fill('yet-another-secret-7');
  await page.getByLabel('Repeat the new password', { exact: true }).fill('yet-another-secret-7');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByTestId('reset-link-dead')).toContainText('already used or has expired');
  await api.dispose();
});

test('API tokens on /account: create one with a scope, use it, revoke it', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });
  await signIn(page, ADMIN, '/workflows');
  await page.getByTestId('account-link').click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { name: 'Your account' })).toBeVisible();
  await expect(page.getByTestId('profile-email')).toHaveText(ADMIN.email);
  await expect(page.getByTestId('profile-role')).toHaveText('admin');
  await expect(page.getByTestId('permissions')).toContainText('workflows.publish');

  // Scopes are the admin's own permissions; the customers' "portal" is not among them.
  const tokens = page.getByTestId('api-tokens');
  await expect(tokens.locator('input[data-scope="users.manage"]')).toBeVisible();
  await expect(tokens.locator('input[data-scope="portal"]')).toHaveCount(0);

  const name = `Read-only export ${stamp()}`;
  await tokens.getByLabel('Name', { exact: true }).fill(name);
  await tokens.getByRole('checkbox', { name: /workflows\.read/ }).check();
  await tokens.getByLabel('Expires after').selectOption('30');
  await tokens.getByRole('button', { name: 'Create token' }).click();
  const shown = page.getByTestId('token-created');
  await expect(shown).toContainText('shown only once');
  const token = await page.getByTestId('token-value').inputValue();
  expect(token).toMatch(/^fdt_/);
  await page.getByTestId('token-copy').click();
  await expect(page.getByTestId('token-copy-status')).toHaveText('Copied to the clipboard.');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);

  // The second factor's setup: a QR code drawn in the browser, the secret and the otpauth URI.
  await page.getByTestId('totp-start').click();
  await expect(page.getByTestId('totp-qr')).toBeVisible();
  await expect(page.getByTestId('totp-secret')).toHaveText(/^[A-Z2-7 ]{20,}$/);
  await page.locator('.totp-uri summary').click();
  await expect(page.getByTestId('totp-uri')).toContainText('otpauth://totp/');
  // The shell scrolls inside its main area: a tall viewport, scrolled to the top, shows the page.
  await page.setViewportSize({ width: 1440, height: 1180 });
  await page.locator('.shell-main').evaluate((el) => el.scrollTo(0, 0));
  await page.waitForTimeout(300);
  await page.screenshot({ path: resolve(shotDir, 'account.png') });
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByTestId('totp').getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('totp-start')).toBeVisible();

  const row = tokens.locator('tbody tr', { hasText: name });
  await expect(row).toContainText(`${token.slice(0, 10)}…`);
  await expect(row).toContainText('workflows.read');
  await expect(row).toContainText('Never');

  // The token works for what its scope allows, and only that.
  const auth = { authorization: `Bearer ${token}` };
  const list = await fetch(`${BASE_URL}/api/workflows`, { headers: auth });
  expect(list.status).toBe(200);
  const runs = await fetch(`${BASE_URL}/api/runs`, { headers: auth });
  expect(runs.status).toBe(403);

  // Reloaded, the list says it was used, and the value is never shown again.
  await page.reload();
  await expect(row).toContainText(/just now|s ago|min ago/);
  await expect(page.getByTestId('token-value')).toHaveCount(0);

  // Revoke, after the confirmation.
  await row.getByRole('button', { name: `Revoke ${name}` }).click();
  const dialog = page.getByRole('dialog', { name: `Revoke ${name}?` });
  await expect(dialog).toBeVisible();
  await page.screenshot({ path: resolve(artifactDir, 'account-revoke.png') });
  await dialog.getByRole('button', { name: 'Revoke token' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(row).toContainText('revoked');
  await expect(row.getByRole('button')).toHaveCount(0);
  const after = await fetch(`${BASE_URL}/api/workflows`, { headers: auth });
  expect(after.status).toBe(401);
});
