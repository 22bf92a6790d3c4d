// Playwright runs Debian's chromium (/usr/bin/chromium), never a browser it downloads. On a fresh machine,
// as root, install it with apt-get; otherwise explain what is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function ensureChromium(path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') {
  if (existsSync(path)) return path;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('sh', ['-c', 'command -v apt-get'], { encoding: 'utf8' }).status === 0;
  if (!root || !apt) {
    throw new Error(
      `chromium not found at ${path}. The designer's browser tests use Debian's chromium: run \`sudo apt-get install -y chromium\` ` +
        '(or set CHROMIUM_PATH to a Chromium binary), then run the tests again.',
    );
  }
  console.log('[designer e2e] chromium is missing: installing it with apt-get (one time, about a minute)…');
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'inherit', 'inherit'] });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (!existsSync(path)) throw new Error(`apt-get installed chromium but ${path} does not exist`);
  console.log(`[designer e2e] chromium installed: ${execFileSync(path, ['--version'], { encoding: 'utf8' }).trim()}`);
  return path;
}
