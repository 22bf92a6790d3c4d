// The designer's end-to-end run: chromium present, designer built, a real Flowdesk server (embedded Postgres
// in a temporary data dir, or DATABASE_URL when set) serving it on a free port, Playwright against it, then
// everything stopped again. Extra arguments go to `playwright test`.
// The tests sign in through the login page as the demo users `flowdesk start --demo` seeds (admin and agent,
// password flowdesk-demo; FLOWDESK_E2E_EMAIL / _PASSWORD / _AGENT_EMAIL / _AGENT_PASSWORD override them).
// Before Playwright starts, one POST /api/auth/login checks that the server can sign the admin in at all, so a
// server without authentication fails here in a second, with the reason, instead of in every test.
// The server's stdout and stderr go to a log file (FLOWDESK_E2E_SERVER_LOG for the tests): without
// FLOWDESK_SMTP_URL the server logs account mail (password-reset and portal sign-in links) instead of sending
// it, and the tests read the links from there. A file, not a pipe: Playwright runs under spawnSync, which
// blocks this process, so nothing would drain a pipe meanwhile.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureChromium } from './ensure-chromium.mjs';
import { freePort } from './free-port.mjs';

const designer = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(designer, '..');
const log = (msg) => console.log(`[designer e2e] ${msg}`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: designer, stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

async function waitForHealth(url, server, timeoutMs = 90_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (server.exitCode !== null) throw new Error(`the Flowdesk server exited early (code ${server.exitCode})`);
    try {
      const r = await fetch(`${url}/api/health`);
      if (r.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the Flowdesk server did not answer ${url}/api/health within ${timeoutMs / 1000} s`);
}

const users = {
  FLOWDESK_E2E_EMAIL: process.env.FLOWDESK_E2E_EMAIL ?? 'admin@example.com',
  FLOWDESK_E2E_PASSWORD: process.env.FLOWDESK_E2E_PASSWORD ?? 'flowdesk-demo',
  FLOWDESK_E2E_AGENT_EMAIL: process.env.FLOWDESK_E2E_AGENT_EMAIL ?? 'agent@example.com',
  FLOWDESK_E2E_AGENT_PASSWORD: process.env.FLOWDESK_E2E_AGENT_PASSWORD ?? 'flowdesk-demo',
};

/** The demo admin must be able to sign in: the browser tests start on the login page. */
async function checkLogin(url) {
  const r = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: users.FLOWDESK_E2E_EMAIL, password: users.FLOWDESK_E2E_PASSWORD }),
  });
  if (r.ok) return;
  const body = await r.text();
  if (r.status === 404) {
    throw new Error('the server has no POST /api/auth/login (authentication, issue 5, is not in this server yet): the designer e2e signs in through it');
  }
  throw new Error(`the demo admin ${users.FLOWDESK_E2E_EMAIL} could not sign in (HTTP ${r.status}: ${body.slice(0, 300)}); check the credentials in the \`flowdesk start --demo\` banner`);
}

function stop(server) {
  return new Promise((res) => {
    if (server.exitCode !== null || server.signalCode !== null) return res();
    const kill = setTimeout(() => server.kill('SIGKILL'), 15_000);
    server.once('exit', () => {
      clearTimeout(kill);
      res();
    });
    server.kill('SIGTERM');
  });
}

const started = Date.now();
const chromium = ensureChromium();
log('building the designer (vite build)');
run(process.execPath, [join(designer, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn']);

const port = await freePort();
const dataDir = process.env.DATABASE_URL ? null : mkdtempSync(join(tmpdir(), 'flowdesk-designer-e2e-'));
// As root the embedded Postgres runs as user "postgres", which must be able to enter the data dir.
if (dataDir) chmodSync(dataDir, 0o755);
const url = `http://127.0.0.1:${port}`;
log(`starting the server on ${url} (${process.env.DATABASE_URL ? 'DATABASE_URL' : `embedded Postgres in ${dataDir}`})`);
const logDir = mkdtempSync(join(tmpdir(), 'flowdesk-designer-e2e-log-'));
const serverLog = join(logDir, 'server.log');
const logFd = openSync(serverLog, 'a');
const { FLOWDESK_SMTP_URL: _smtp, ...env } = process.env; // account mail must be logged, not sent
const server = spawn(process.execPath, [join(root, 'server/bin/flowdesk.js'), 'start', '--demo'], {
  cwd: root,
  env: { ...env, PORT: String(port), HOST: '127.0.0.1', ...(dataDir ? { FLOWDESK_DATA_DIR: dataDir } : {}), LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  stdio: ['ignore', logFd, logFd],
});
closeSync(logFd);
const serverOutput = () => {
  try {
    return readFileSync(serverLog, 'utf8');
  } catch {
    return '';
  }
};

let code = 1;
try {
  await waitForHealth(url, server);
  await checkLogin(url);
  log(`server up after ${((Date.now() - started) / 1000).toFixed(1)} s; running Playwright`);
  const r = spawnSync(process.execPath, [join(designer, 'node_modules/@playwright/test/cli.js'), 'test', ...process.argv.slice(2)], {
    cwd: designer,
    stdio: 'inherit',
    env: { ...process.env, ...users, FLOWDESK_E2E_URL: url, FLOWDESK_E2E_SERVER_LOG: serverLog, CHROMIUM_PATH: chromium, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
  });
  code = r.status ?? 1;
} catch (err) {
  console.error(`[designer e2e] ${err.message}`);
  console.error(serverOutput().slice(-4000));
} finally {
  await stop(server);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s (exit ${code})`);
}
const tail = code !== 0 ? serverOutput().slice(-3000) : '';
if (tail) console.error(`[designer e2e] server output (tail):\n${tail}`);
rmSync(logDir, { recursive: true, force: true });
process.exit(code);
