// Helpers of the account and portal end-to-end tests: the demo users, signing in through the login page,
// an API client signed in as the admin, and the account mail the server logged instead of sending it.
import { expect, request, type APIRequestContext, type Page } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Screenshots go to docs/img when SCREENSHOTS=1 (to refresh the README's), else next to the test results. */
export const shotDir = process.env.SCREENSHOTS === '1' ? resolve(here, '../../docs/img') : resolve(here, '../test-results/screenshots');
/** Screenshots that only document a test run (never copied to docs/img). */
export const artifactDir = resolve(here, '../test-results/screenshots');
mkdirSync(shotDir, { recursive: true });
mkdirSync(artifactDir, { recursive: true });

export const BASE_URL = process.env.FLOWDESK_E2E_URL ?? 'http://127.0.0.1:3100';
export const ADMIN = { email: process.env.FLOWDESK_E2E_EMAIL ?? 'admin@example.com', password: process.env.FLOWDESK_E2E_PASSWORD ?? 'flowdesk-demo' };

/** A string unique to this run, for email addresses and names. */
export const stamp = (): string => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Opens `path` signed out, which lands on the login page; signs in there and comes back to `path`. */
export async function signIn(page: Page, who: { email: string; password: string }, path = '/workflows'): Promise<void> {
  await page.goto(path);
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByLabel('Password', { exact: true }).press('Enter');
  await expect(page).toHaveURL((url) => url.pathname + url.search === path);
}

/** An API client with the admin's session cookie; `headers` carries the CSRF token its writes need. */
export async function adminApi(): Promise<{ api: APIRequestContext; headers: Record<string, string> }> {
  const api = await request.newContext({ baseURL: BASE_URL });
  const r = await api.post('/api/auth/login', { data: ADMIN });
  expect(r.status(), await r.text()).toBe(200);
  const { csrfToken } = (await r.json()) as { csrfToken: string };
  return { api, headers: { 'x-csrf-token': csrfToken } };
}

interface LoggedMail {
  to: string;
  subject: string;
  text: string;
}

/** The account mails the server logged for `to` (FLOWDESK_SMTP_URL is unset in the e2e run; see scripts/e2e.mjs). */
function loggedMails(to: string): LoggedMail[] {
  const file = process.env.FLOWDESK_E2E_SERVER_LOG;
  if (!file) throw new Error('FLOWDESK_E2E_SERVER_LOG is not set: run the browser tests through scripts/e2e.mjs');
  const mails: LoggedMail[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes('account email not sent')) continue;
    try {
      const entry = JSON.parse(line) as Partial<LoggedMail> & { msg?: string };
      if (entry.to === to && typeof entry.text === 'string') mails.push({ to, subject: entry.subject ?? '', text: entry.text });
    } catch {
      /* a line that is not JSON (pretty logs) is not one of ours */
    }
  }
  return mails;
}

/**
 * The path (with ?token=) of the newest `/reset-password` or `/portal` link mailed to `to`, waiting for the
 * mail to be logged. The link's origin is the server's public URL; the tests open the path on their own.
 */
export async function mailedLink(to: string, path: '/reset-password' | '/portal', timeoutMs = 15_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  const pattern = new RegExp(`https?://[^\\s/]+(${path.replace('/', '\\/')}\\?token=[A-Za-z0-9_-]+)`);
  for (;;) {
    const links = loggedMails(to).flatMap((m) => pattern.exec(m.text)?.[1] ?? []);
    if (links.length > 0) return links.at(-1)!;
    if (Date.now() > end) throw new Error(`no ${path} link was mailed to ${to} within ${timeoutMs / 1000} s (is FLOWDESK_SMTP_URL unset?)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
