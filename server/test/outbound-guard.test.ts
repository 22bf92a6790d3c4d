// Server-side request forgery: workflow http steps and webhook deliveries must not reach loopback,
// private, link-local (cloud metadata) or other non-public addresses unless the operator allows it.
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { guardedFetch, isNonPublicAddress, OutboundBlockedError, outboundUrlProblem } from '../src/net/outbound-guard.ts';
import { runHttpSteps, EffectError } from '../src/runtime/effects/action.ts';
import { json, startHarness, type Harness } from './api-harness.ts';

let server: Server;
let port: number;
let hits = 0;
let h: Harness;

beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++;
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  h = await startHarness('outbound_guard');
}, 60_000);
afterAll(async () => {
  await h?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

// The test config allows private outbound for the other suites' loopback receivers; here it is refused.
const allowed = process.env.FLOWDESK_ALLOW_PRIVATE_OUTBOUND;
function refusePrivate() {
  delete process.env.FLOWDESK_ALLOW_PRIVATE_OUTBOUND;
}
afterEach(() => {
  process.env.FLOWDESK_ALLOW_PRIVATE_OUTBOUND = allowed;
});

describe('non-public addresses', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['224.0.0.1', true],
    ['::1', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:10.0.0.1', true],
    ['8.8.8.8', false],
    ['172.32.0.1', false],
    ['2606:4700:4700::1111', false],
    ['::ffff:8.8.8.8', false],
  ])('%s -> %s', (address, expected) => {
    expect(isNonPublicAddress(address)).toBe(expected);
  });

  it('URLs are checked when saved', () => {
    expect(outboundUrlProblem('http://169.254.169.254/latest/meta-data', false)).toMatch(/non-public address 169.254.169.254/);
    expect(outboundUrlProblem('http://localhost:5432/', false)).toMatch(/localhost/);
    expect(outboundUrlProblem('http://[::1]:80/', false)).toMatch(/non-public/);
    expect(outboundUrlProblem('ftp://example.com/', false)).toMatch(/http or https/);
    expect(outboundUrlProblem('https://user:pw@example.com/', false)).toMatch(/credentials/);
    expect(outboundUrlProblem('https://hooks.example.com/x', false)).toBeNull();
    expect(outboundUrlProblem('http://127.0.0.1:9/', true)).toBeNull();
  });
});

describe('guarded fetch', () => {
  it('refuses an IP literal and a name that resolves to loopback, before any byte is sent', async () => {
    refusePrivate();
    await expect(guardedFetch(`http://127.0.0.1:${port}/`)).rejects.toBeInstanceOf(OutboundBlockedError);
    await expect(guardedFetch(`http://localhost:${port}/`)).rejects.toThrow(/localhost resolves to (127\.0\.0\.1|::1), which is not a public address/);
    expect(hits).toBe(0);
  });

  it('lets the operator allow private networks', async () => {
    process.env.FLOWDESK_ALLOW_PRIVATE_OUTBOUND = '1';
    const res = await guardedFetch(`http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe('ok');
    expect(hits).toBe(1);
  });

  it('makes a workflow http step to a private address a permanent error (the node’s error outcome)', async () => {
    refusePrivate();
    const error = await runHttpSteps([{ type: 'http', method: 'POST', url: `http://127.0.0.1:${port}/hook`, body: {} }], 'k', 2000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EffectError);
    expect((error as EffectError).message).toMatch(/refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1/);
    expect((error as EffectError).permanent).toBe(true);
    expect(hits).toBe(1);
  });

  it('refuses webhook endpoints on private addresses with a 400 naming the field', async () => {
    refusePrivate();
    const res = await h.app.inject({ method: 'POST', url: '/api/webhook-endpoints', payload: { url: 'http://169.254.169.254/latest', events: ['ticket.created'] } });
    expect(res.statusCode).toBe(400);
    expect(json(res).error.details).toEqual([{ path: '/body/url', message: expect.stringMatching(/non-public address/) }]);
  });
});
