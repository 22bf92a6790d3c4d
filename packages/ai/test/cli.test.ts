// The eval CLI end to end on the small fixture, so it cannot rot: in process and as a real process.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { aiCli } from '../src/cli.ts';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const pkg = new URL('..', import.meta.url).pathname;

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await aiCli(args, { stdout: (s) => (out += s), stderr: (s) => (err += s), tty: false });
  return { code, out, err };
}

describe('flowdesk ai eval', () => {
  it('classify: trains with progress and prints accuracy, macro-F1, per-label table, confusions, latency, size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-ai-'));
    const r = await run(['eval', '--task', 'classify', '--train', fixture('banking-mini-train.csv'), '--test', fixture('banking-mini-test.csv'), '--json', join(dir, 'r.json')]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/logistic regression epoch 12\/12 loss/);
    expect(r.out).toMatch(/^accuracy\s+0\.\d{4}$/m);
    expect(r.out).toMatch(/^macro-F1\s+0\.\d{4}$/m);
    expect(r.out).toMatch(/latency\s+p50 [\d.]+ ms\s+p99 [\d.]+ ms/);
    expect(r.out).toMatch(/card_arrival\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+10/);
    expect(r.out).toMatch(/top confusions/);
    expect(r.out).toMatch(/model\s+[\d.]+ MB serialised; memory RSS/);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(report.accuracy).toBeGreaterThan(0.85);
    expect(report.perLabel).toHaveLength(6);
  });

  it('sentiment lexicon-only and recommend with a KB', async () => {
    const s = await run(['eval', '--task', 'sentiment', '--test', fixture('sentiment-mini.csv')]);
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/lexicon only/);
    const r = await run(['eval', '--task', 'recommend', '--kb', fixture('kb.csv'), '--test', fixture('kb-queries.csv')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/recall@1\s+1\.0000/);
    expect(r.out).toMatch(/MRR\s+1\.0000/);
  });

  it('usage errors exit 2 with a message; missing files exit 1', async () => {
    expect((await run(['eval', '--task', 'nope', '--test', 'x'])).code).toBe(2);
    const missing = await run(['eval', '--task', 'classify', '--train', '/nonexistent.csv', '--test', '/nonexistent.csv']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot read \/nonexistent\.csv/);
    expect((await run(['bogus'])).code).toBe(2);
  });

  it('train + predict round trip through a model file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fd-ai-'));
    const model = join(dir, 'm.fdm');
    expect((await run(['train', '--train', fixture('banking-mini-train.csv'), '--out', model])).code).toBe(0);
    const p = await run(['predict', '--model', model, 'I', 'lost', 'my', 'card', 'yesterday']);
    expect(p.code).toBe(0);
    expect(p.out).toMatch(/^lost_or_stolen_card\t0\.\d+/);
  });

  it('runs as a process: node --import tsx src/cli.ts eval ...', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'eval', '--task', 'classify', '--train', fixture('banking-mini-train.csv'), '--test', fixture('banking-mini-test.csv')],
      { cwd: pkg },
    );
    expect(stdout).toMatch(/^accuracy\s+0\.\d{4}$/m);
  });
});
