#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step): tsx handles the .ts imports.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli.ts');
const code = await main(process.argv);
// Long-running commands (start, worker) keep the event loop alive and exit through their signal handlers.
process.exitCode = code;
