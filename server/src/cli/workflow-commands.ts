// `flowdesk workflow ...`: offline checks of a definition file, no database needed.
import fs from 'node:fs/promises';
import path from 'node:path';
import { validateDefinition, type ValidationIssue, type WorkflowDefinition } from '@flowdesk/schema';
import { exportXState, runTestCases } from '@flowdesk/engine';

/** An error the CLI reports as a plain message with a specific exit code (2: unusable input). */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new CliError(`cannot read ${file}: ${why}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

const formatIssue = (issue: ValidationIssue, suffix = '') => `${issue.path || '/'}: ${issue.message}${suffix}`;

/** Prints every issue as `path: message`; 1 when there are errors, else 0. */
export async function validateCommand(file: string): Promise<number> {
  const result = validateDefinition(await readJsonFile(file));
  for (const issue of result.errors) process.stdout.write(`${formatIssue(issue)}\n`);
  for (const issue of result.warnings) process.stdout.write(`${formatIssue(issue, ' (warning)')}\n`);
  const warnings = `${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'}`;
  if (!result.valid) {
    process.stdout.write(`invalid: ${result.errors.length} error${result.errors.length === 1 ? '' : 's'}, ${warnings}\n`);
    return 1;
  }
  process.stdout.write(`valid (${warnings})\n`);
  return 0;
}

/** Validates, then prints (or writes to `out`) the compiled machine as plain XState JSON. */
export async function exportXStateCommand(file: string, options: { out?: string }): Promise<number> {
  const doc = await readJsonFile(file);
  const result = validateDefinition(doc);
  if (!result.valid) {
    for (const issue of result.errors) process.stderr.write(`${formatIssue(issue)}\n`);
    process.stderr.write(`${file} is invalid; nothing exported\n`);
    return 1;
  }
  const json = `${JSON.stringify(exportXState(doc as WorkflowDefinition), null, 2)}\n`;
  if (options.out) {
    await fs.mkdir(path.dirname(path.resolve(options.out)), { recursive: true });
    await fs.writeFile(options.out, json);
    process.stderr.write(`wrote ${options.out}\n`);
  } else {
    process.stdout.write(json);
  }
  return 0;
}

/**
 * Runs the saved simulation cases (`tests`) of each definition file on the real engine. Prints one line per
 * case and the reasons of each failure; 1 when a case fails or a file is invalid, else 0.
 */
export async function testCommand(files: readonly string[]): Promise<number> {
  let failed = 0;
  let passed = 0;
  let invalid = 0;
  for (const file of files) {
    const doc = await readJsonFile(file);
    const validation = validateDefinition(doc);
    if (!validation.valid) {
      invalid++;
      for (const issue of validation.errors) process.stdout.write(`${file} ${formatIssue(issue)}\n`);
      continue;
    }
    const definition = doc as WorkflowDefinition;
    if (!definition.tests?.length) {
      process.stdout.write(`${file}: no test cases\n`);
      continue;
    }
    for (const result of await runTestCases(definition)) {
      if (result.passed) passed++;
      else failed++;
      process.stdout.write(`${result.passed ? 'ok  ' : 'FAIL'} ${definition.key}: ${result.name}\n`);
      for (const failure of result.failures) process.stdout.write(`       ${failure}\n`);
    }
  }
  process.stdout.write(`${passed} passed, ${failed} failed${invalid ? `, ${invalid} invalid file${invalid === 1 ? '' : 's'}` : ''}\n`);
  return failed > 0 || invalid > 0 ? 1 : 0;
}
