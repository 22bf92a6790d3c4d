// Canvas performance: a 200-node workflow in the real designer, in Debian's chromium, against a real
// Flowdesk server (embedded Postgres in a temporary dir, or DATABASE_URL). Measures the time until all
// nodes are on screen, then frame times while dragging a node, panning and zooming (requestAnimationFrame
// deltas recorded in the page), and prints a table. Goal: < 16.7 ms per frame (60 fps): p95 at the vsync
// interval and no dropped frames.
// Run: `pnpm --filter @flowdesk/designer bench` (also part of the root `pnpm bench`).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config.ts';
import { ensureChromium } from './ensure-chromium.mjs';
import { freePort } from './free-port.mjs';

const designer = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(designer, '..');
const NODES = Number(process.env.BENCH_CANVAS_NODES ?? 200);
const log = (msg) => console.log(`[canvas bench] ${msg}`);

/** A valid chain of NODES nodes: trigger, alternating rule / task / wait nodes laid out on a grid, end. */
export function bigWorkflow(count) {
  const nodes = [{ id: 'start', kind: 'trigger', name: 'Ticket created', position: { x: 0, y: 0 }, params: { event: 'ticket.created' } }];
  const edges = [];
  let previous = { id: 'start', outcome: 'next' };
  for (let i = 1; i < count - 1; i++) {
    const id = `n${i}`;
    const position = { x: (i % 10) * 260, y: Math.floor(i / 10) * 160 };
    const kind = i % 3;
    if (kind === 0) {
      nodes.push({ id, kind: 'rule', name: `Check ${i}`, position, params: { rules: [{ name: 'Urgent', outcome: 'urgent', conditions: { all: [{ fact: 'ticket', path: '$.priority', operator: 'equal', value: 'urgent' }] } }], defaultOutcome: 'normal' } });
    } else if (kind === 1) {
      nodes.push({ id, kind: 'wait', name: `Wait ${i}`, position, params: { duration: 'PT1H' } });
    } else {
      nodes.push({ id, kind: 'action', name: `Tag ${i}`, position, params: { steps: [{ type: 'addTags', tags: [`step-${i}`] }] } });
    }
    edges.push({ id: `e${i}`, source: previous.id, target: id, outcome: previous.outcome });
    if (kind === 0) edges.push({ id: `e${i}u`, source: id, target: 'done', outcome: 'urgent' });
    previous = { id, outcome: kind === 0 ? 'normal' : kind === 1 ? 'elapsed' : 'done' };
  }
  nodes.push({ id: 'done', kind: 'end', name: 'Resolved', position: { x: 0, y: Math.ceil(count / 10) * 160 + 160 }, params: { status: 'resolved' } });
  edges.push({ id: 'e-last', source: previous.id, target: 'done', outcome: previous.outcome });
  return { schemaVersion: 1, key: `bench-${count}-nodes-${Date.now().toString(36)}`, name: `Benchmark: ${count} nodes`, nodes, edges };
}

function stats(deltas) {
  const sorted = [...deltas].sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  // rAF deltas are quantised to the 16.7 ms vsync; a delta above 25 ms means at least one frame was dropped.
  return { frames: sorted.length, p50: q(0.5), p95: q(0.95), max: sorted.at(-1) ?? NaN, over: sorted.filter((d) => d > 25).length };
}

async function recordFrames(page, action) {
  await page.evaluate(() => {
    window.__frames = [];
    let last = performance.now();
    const tick = (t) => {
      window.__frames.push(t - last);
      last = t;
      if (window.__recording) requestAnimationFrame(tick);
    };
    window.__recording = true;
    requestAnimationFrame(tick);
  });
  await action();
  return page.evaluate(() => {
    window.__recording = false;
    return window.__frames.slice(1);
  });
}

const chromiumPath = ensureChromium();
if (!process.env.BENCH_CANVAS_SKIP_BUILD) {
  log('building the designer (vite build)');
  const build = spawnSync(process.execPath, [join(designer, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: designer, stdio: 'inherit' });
  if (build.status !== 0) process.exit(1);
}
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const dataDir = process.env.DATABASE_URL ? null : mkdtempSync(join(tmpdir(), 'flowdesk-canvas-bench-'));
if (dataDir) chmodSync(dataDir, 0o755);
const server = spawn(process.execPath, [join(root, 'server/bin/flowdesk.js'), 'start', '--demo'], {
  cwd: root,
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...(dataDir ? { FLOWDESK_DATA_DIR: dataDir } : {}), LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
let browser;
let code = 1;
try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (i > 300 || server.exitCode !== null) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 300));
  }
  const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@example.com', password: 'flowdesk-demo' }) });
  if (!login.ok) throw new Error(`demo sign-in failed: ${login.status}`);
  const { csrfToken } = await login.json();
  const cookies = login.headers.getSetCookie().map((c) => c.split(';')[0]);
  const created = await fetch(`${url}/api/workflows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: cookies.join('; '), 'x-csrf-token': csrfToken },
    body: JSON.stringify({ definition: bigWorkflow(NODES) }),
  });
  if (created.status !== 201) throw new Error(`creating the ${NODES}-node workflow failed: ${created.status} ${(await created.text()).slice(0, 300)}`);
  const workflowId = (await created.json()).workflow.id;

  browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  await context.addCookies(cookies.map((c) => ({ name: c.split('=')[0], value: c.slice(c.indexOf('=') + 1), url })));
  const page = await context.newPage();
  const t0 = Date.now();
  await page.goto(`${url}/workflows/${workflowId}`);
  await page.locator('.vue-flow__node').nth(NODES - 1).waitFor({ state: 'attached', timeout: 60_000 });
  const openMs = Date.now() - t0;
  const rendered = await page.locator('.vue-flow__node').count();

  const rows = [];
  const node = page.locator('.vue-flow__node[data-id="n1"]');
  const box = await node.boundingBox();
  rows.push({ what: `drag a node (60 moves)`, ...stats(await recordFrames(page, async () => {
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 0; i < 60; i++) await page.mouse.move(box.x + box.width / 2 + i * 4, box.y + box.height / 2 + i * 2);
    await page.mouse.up();
  })) });
  const pane = await page.locator('.vue-flow__pane').boundingBox();
  rows.push({ what: 'pan the canvas (60 moves)', ...stats(await recordFrames(page, async () => {
    await page.mouse.move(pane.x + pane.width - 40, pane.y + pane.height - 40);
    await page.mouse.down();
    for (let i = 0; i < 60; i++) await page.mouse.move(pane.x + pane.width - 40 - i * 6, pane.y + pane.height - 40 - i * 3);
    await page.mouse.up();
  })) });
  rows.push({ what: 'zoom (20 wheel steps)', ...stats(await recordFrames(page, async () => {
    await page.mouse.move(pane.x + pane.width / 2, pane.y + pane.height / 2);
    for (let i = 0; i < 20; i++) {
      await page.mouse.wheel(0, i < 10 ? -120 : 120);
      await page.waitForTimeout(16);
    }
  })) });
  rows.push({ what: 'idle (1 s)', ...stats(await recordFrames(page, () => page.waitForTimeout(1000))) });

  console.log(`\nDesigner canvas, ${NODES} nodes (${rendered} rendered), chromium ${browser.version()} headless, opened in ${openMs} ms\n`);
  console.log('| interaction | frames | p50 ms | p95 ms | max ms | dropped (> 25 ms) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.what} | ${r.frames} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.max.toFixed(1)} | ${r.over} (${((100 * r.over) / Math.max(1, r.frames)).toFixed(0)} %) |`);
  console.log('');
  code = 0;
} catch (err) {
  console.error(`[canvas bench] ${err.message}`);
} finally {
  await browser?.close();
  server.kill('SIGTERM');
  await new Promise((r) => (server.exitCode !== null ? r() : server.once('exit', r)));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
process.exit(code);
