// `pnpm --filter @flowdesk/designer test`: component tests (vitest), then the browser end-to-end run.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const designer = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const step = (args) => spawnSync(process.execPath, args, { cwd: designer, stdio: 'inherit', env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' } }).status ?? 1;

const unit = step([join(designer, 'node_modules/vitest/vitest.mjs'), 'run']);
if (unit !== 0) process.exit(unit);
process.exit(step([join(designer, 'scripts/e2e.mjs')]));
