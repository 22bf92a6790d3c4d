// Cheap entry point for the server's `flowdesk ai` command: loads the AI package only when it runs.
import type { CliIo } from './cli.ts';

export async function aiCli(args: readonly string[], io?: CliIo): Promise<number> {
  const { aiCli: run } = await import('./cli.ts');
  return run(args, io);
}
