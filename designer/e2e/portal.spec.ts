// The customer portal against the real server: a ticket arrives through the public web-form API, support
// answers it, the customer asks for a sign-in link, follows it from the mail the server logged, sees the
// request and the answer, replies, opens a new request; customers stay out of the designer, staff who open
// the portal are pointed to the designer, and an ended session goes back to the portal's sign-in.
import { expect, request, test } from '@playwright/test';
import { resolve } from 'node:path';
import { ADMIN, BASE_URL, adminApi, artifactDir, mailedLink, shotDir, signIn, stamp } from './support.ts';

test('a customer signs in with an emailed link, follows a request, replies and opens a new one', async ({ page }) => {
  const email = `pat-${stamp()}@example.com`;
  const subject = 'My blender arrived with a cracked jar';

  // ---- the request arrives through the public web form, and support answers it ----
  const anonymous = await request.newContext({ baseURL: BASE_URL });
  const intake = await anonymous.post('/api/public/tickets', {
    data: { name: 'Pat Portal', email, subject, body: 'Hello, the glass jar of my new blender (order 2291) was cracked when I opened the box. Can you send a replacement?' },
  });
  expect(intake.status(), await intake.text()).toBe(201);
  const { ticket } = (await intake.json()) as { ticket: { id: string } };
  const { api, headers } = await adminApi();
  const answer = await api.post(`/api/tickets/${ticket.id}/messages`, {
    data: { body: 'Sorry to hear that, Pat! A new jar is on its way; you should have it within three working days. Could you send us a photo of the crack for the carrier?' },
    headers,
  });
  expect(answer.status(), await answer.text()).toBe(201);
  // An internal note, which the customer must never see.
  const note = await api.post(`/api/tickets/${ticket.id}/messages`, { data: { body: 'INTERNAL: carrier claim #77', visibility: 'internal' }, headers });
  expect(note.status()).toBe(201);

  // ---- sign in by email link ----
  await page.goto('/portal');
  await expect(page.getByRole('heading', { name: 'Your support requests' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0); // no designer sidebar
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await expect(page.getByRole('heading', { name: 'Check your mail' })).toBeVisible();
  await expect(page.getByTestId('portal-check-mail')).toContainText(`If we have requests from ${email}`);
  await page.screenshot({ path: resolve(artifactDir, 'portal-check-mail.png') });

  const link = await mailedLink(email, '/portal');
  await page.goto(link);
  await expect(page).toHaveURL(/\/portal$/); // the token left the address
  await expect(page.getByRole('heading', { name: 'My requests' })).toBeVisible();
  await expect(page.getByTestId('portal-user')).toHaveText(email);
  const item = page.locator('.portal-item', { hasText: subject });
  await expect(item).toBeVisible();
  await expect(item).toContainText(/Updated/);
  await expect(item.locator('.pill')).toBeVisible();
  await page.screenshot({ path: resolve(artifactDir, 'portal-requests.png') });

  // ---- the request and its public conversation ----
  await item.getByRole('link').click();
  await expect(page).toHaveURL(new RegExp(`/portal/tickets/${ticket.id}$`));
  await expect(page.getByTestId('portal-ticket-subject')).toHaveText(subject);
  const bubbles = page.getByTestId('conversation').locator(':scope > li');
  await expect(bubbles).toHaveCount(2);
  await expect(bubbles.nth(0)).toHaveAttribute('data-from', 'you');
  await expect(bubbles.nth(1)).toHaveAttribute('data-from', 'support');
  await expect(bubbles.nth(1)).toContainText('A new jar is on its way');
  await expect(page.getByText('INTERNAL: carrier claim')).toHaveCount(0);

  await page.getByLabel('Your reply').fill('Thank you! Here is the photo: the crack runs along the handle. I will keep the box for the carrier.');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await expect(page.getByTestId('portal-reply-status')).toHaveText('Your reply was sent.');
  await expect(bubbles).toHaveCount(3);
  await expect(bubbles.nth(2)).toHaveAttribute('data-from', 'you');
  await expect(bubbles.nth(2)).toContainText('the crack runs along the handle');
  await expect(page.getByLabel('Your reply')).toHaveValue('');
  // Support sees the reply on their side.
  const thread = await api.get(`/api/tickets/${ticket.id}/messages`);
  if (thread.status() === 200) expect(await thread.text()).toContain('the crack runs along the handle');
  await page.waitForTimeout(300);
  await page.screenshot({ path: resolve(shotDir, 'portal.png') });

  // ---- phone-sized: one column, nothing wider than the screen ----
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(200);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: resolve(artifactDir, 'portal-mobile.png'), fullPage: true });
  await page.setViewportSize({ width: 1440, height: 900 });

  // ---- a new request ----
  await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'New request' }).click();
  await expect(page.getByRole('heading', { name: 'New request' })).toBeVisible();
  await page.getByLabel('Subject').fill('Invoice for order 2291');
  await page.getByLabel('How can we help?').fill('Could you send me the invoice with my company address?');
  await page.getByRole('button', { name: 'Send request' }).click();
  await expect(page).toHaveURL(/\/portal\/tickets\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('portal-ticket-subject')).toHaveText('Invoice for order 2291');
  await page.getByRole('link', { name: '← My requests' }).click();
  await expect(page.locator('.portal-item')).toHaveCount(2);

  // ---- customers are kept out of the designer ----
  await page.goto('/workflows');
  await expect(page).toHaveURL(/\/portal$/);
  await page.goto('/login');
  await expect(page).toHaveURL(/\/portal$/);

  // ---- an ended session goes back to the portal's sign-in ----
  await page.context().clearCookies();
  await page.locator('.portal-item').first().getByRole('link').click();
  await expect(page).toHaveURL(/\/portal$/);
  await expect(page.getByTestId('portal-notice')).toContainText('Your session has ended');
  await expect(page.getByLabel('Email')).toBeVisible();

  await api.dispose();
  await anonymous.dispose();
});

test('staff who open the portal are pointed to the designer', async ({ page }) => {
  await signIn(page, ADMIN, '/workflows');
  await page.goto('/portal');
  const note = page.getByTestId('portal-staff-note');
  await expect(note).toContainText('This is the customer portal');
  await expect(note).toContainText(ADMIN.email);
  await note.getByRole('link', { name: 'Open the Flowdesk designer' }).click();
  await expect(page).toHaveURL(/\/workflows$/);
});
