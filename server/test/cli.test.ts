import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(serverDir, 'bin', 'flowdesk.js');
const example = path.resolve(serverDir, '..', 'packages', 'schema', 'examples', 'escalating-approval.json');

/** Runs the real CLI with the Node that runs the tests. */
function flowdesk(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: serverDir, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('flowdesk workflow', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowdesk-cli-'));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('test: runs the saved simulation cases; a failing case prints why and exits 1', async () => {
    const ok = await flowdesk('workflow', 'test', example);
    expect(ok.stdout).toContain('ok   escalating-approval: urgent tickets go straight to the manager');
    expect(ok.stdout).toMatch(/^3 passed, 0 failed$/m);
    expect(ok.code).toBe(0);
    const definition = JSON.parse(await fs.readFile(example, 'utf8'));
    definition.tests[0].expect.endStatus = 'closed';
    const file = path.join(dir, 'failing-case.json');
    await fs.writeFile(file, JSON.stringify(definition));
    const bad = await flowdesk('workflow', 'test', file);
    expect(bad.stdout).toContain('FAIL escalating-approval: urgent tickets go straight to the manager');
    expect(bad.stdout).toContain('end status: expected closed, got resolved');
    expect(bad.stdout).toMatch(/^2 passed, 1 failed$/m);
    expect(bad.code).toBe(1);
  });

  it('validate: the example is valid (exit 0)', async () => {
    const r = await flowdesk('workflow', 'validate', example);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^valid \(\d+ warnings?\)\n$/);
    expect(r.code).toBe(0);
  });

  it('validate: a broken definition prints `pointer: message` and exits 1', async () => {
    const doc = JSON.parse(await fs.readFile(example, 'utf8'));
    doc.edges[1].target = 'nowhere';
    delete doc.nodes[0].position;
    const file = path.join(dir, 'broken.json');
    await fs.writeFile(file, JSON.stringify(doc));
    const r = await flowdesk('workflow', 'validate', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^\/edges\/1\/target: .+$/m);
    expect(r.stdout).toMatch(/^\/nodes\/0\/position: .+$/m);
    expect(r.stdout).toMatch(/^invalid: \d+ errors?/m);
  });

  it('validate: a missing file or bad JSON is a clear message and exit 2', async () => {
    const missing = await flowdesk('workflow', 'validate', path.join(dir, 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.json: no such file/);
    const file = path.join(dir, 'bad.json');
    await fs.writeFile(file, '{"nodes": [');
    const bad = await flowdesk('workflow', 'validate', file);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.json is not valid JSON/);
    expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('export-xstate prints the machine as JSON, or writes it with --out', async () => {
    const r = await flowdesk('workflow', 'export-xstate', example);
    expect(r.code).toBe(0);
    const machine = JSON.parse(r.stdout);
    expect(machine).toMatchObject({ id: 'escalating-approval', initial: expect.any(String) });
    expect(Object.keys(machine.states)).toEqual(expect.arrayContaining(['triage', 'manager_approval', 'resolved']));

    const out = path.join(dir, 'machine.json');
    const w = await flowdesk('workflow', 'export-xstate', example, '--out', out);
    expect(w.code).toBe(0);
    expect(JSON.parse(await fs.readFile(out, 'utf8'))).toEqual(machine);
  });

  it('export-xstate refuses an invalid definition (exit 1)', async () => {
    const file = path.join(dir, 'invalid.json');
    await fs.writeFile(file, JSON.stringify({ schemaVersion: 1, key: 'x', nodes: [], edges: [] }));
    const r = await flowdesk('workflow', 'export-xstate', file);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/invalid; nothing exported/);
  });

  it('bad configuration names the variable and exits 2', async () => {
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, 'migrate'], { cwd: serverDir, env: { ...process.env, PORT: 'eighty' } }, (error, _out, stderr) =>
        resolve({ code: error && typeof error.code === 'number' ? error.code : 0, stderr }));
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PORT must be an integer from 0 to 65535; got "eighty"/);
  });
});
