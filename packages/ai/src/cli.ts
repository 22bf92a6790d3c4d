// `flowdesk ai ...` (also `node --import tsx packages/ai/src/cli.ts ...`):
//   eval     --task classify|sentiment|recommend --train a.csv --test b.csv [--kb kb.csv] [--mode fast|accurate]
//            [--validation F] [--seed 1] [--lexicon] [--json report.json] [--max-labels N]
//   train    --train a.csv --out model.fdm [--mode fast|accurate] [--validation F] [--seed 1] [--sentiment]
//   predict  --model model.fdm <text...>
import { readFile, writeFile } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LocalClassifier } from './local/classifier/model.ts';
import { evalClassification, evalRecommend } from './eval/run.ts';
import type { EvalOptions, Output } from './eval/run.ts';
import { readLabelledCsv } from './eval/csv.ts';

const USAGE = `usage: flowdesk ai <command> [options]

commands:
  eval     --task classify|sentiment|recommend --test b.csv [--train a.csv] [--kb kb.csv]
           [--mode fast|accurate] [--validation F] [--seed 1] [--lexicon] [--json out.json] [--max-labels N]
           Trains on --train (any text,label CSV; --validation: fraction held out for calibration,
           default 0.1 fast / 0.05 accurate), measures on --test: accuracy, macro-F1, per-label
           table, top confusions, latency p50/p99, training time, model size, memory. Sentiment without
           --train (or with --lexicon) measures the untrained AFINN lexicon. Recommend: --kb has columns
           id,title,body and --test labels are article ids (recall@1/3/10, MRR).
  train    --train a.csv --out model.fdm [--mode fast|accurate] [--validation F] [--seed 1] [--sentiment]
           Trains a classifier and writes the model blob.
  predict  --model model.fdm <text...>
           Prints the label, calibrated confidence and runner-ups.
`;

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Whether stderr is a terminal (progress lines are then rewritten in place). */
  tty?: boolean;
}

const defaultIo: CliIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  tty: process.stderr.isTTY === true,
};

function output(io: CliIo): Output {
  let pending = false;
  return {
    out: (line) => {
      if (pending) io.stderr('\n');
      pending = false;
      io.stdout(`${line}\n`);
    },
    progress: (line, transient) => {
      if (io.tty) {
        io.stderr(`\r\x1b[2K${line}${transient ? '' : '\n'}`);
        pending = transient;
      } else if (!transient) io.stderr(`${line}\n`);
    },
  };
}

class UsageError extends Error {}

function num(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`${name} must be a number from ${min} to ${max}`);
  return n;
}

function mode(raw: string | undefined): 'fast' | 'accurate' {
  if (raw === undefined || raw === 'fast' || raw === 'accurate') return raw ?? 'fast';
  throw new UsageError('--mode must be fast or accurate');
}

/** Runs `flowdesk ai <args>`; resolves to the exit code (0 ok, 1 failure, 2 usage). */
export async function aiCli(args: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const [command, ...rest] = args;
  const o = output(io);
  try {
    if (!command || command === 'help' || command === '--help' || command === '-h') {
      io.stdout(USAGE);
      return command ? 0 : 2;
    }
    if (command === 'eval') {
      const { values } = parseArgs({
        args: rest,
        options: {
          task: { type: 'string' },
          train: { type: 'string' },
          test: { type: 'string' },
          kb: { type: 'string' },
          mode: { type: 'string' },
          validation: { type: 'string' },
          seed: { type: 'string' },
          lexicon: { type: 'boolean' },
          json: { type: 'string' },
          'max-labels': { type: 'string' },
        },
        strict: true,
      });
      const task = values.task ?? 'classify';
      if (task !== 'classify' && task !== 'sentiment' && task !== 'recommend') throw new UsageError('--task must be classify, sentiment or recommend');
      if (!values.test) throw new UsageError('--test <file.csv> is required');
      if (task === 'classify' && !values.train) throw new UsageError('--train <file.csv> is required for --task classify');
      const options: EvalOptions = {
        task,
        train: values.train,
        test: values.test,
        kb: values.kb,
        mode: mode(values.mode),
        validation: values.validation === undefined ? undefined : num(values.validation, '--validation', 0.1, 0, 0.5),
        seed: num(values.seed, '--seed', 1, 0, 2 ** 31),
        lexicon: values.lexicon,
        maxLabels: values['max-labels'] === undefined ? undefined : num(values['max-labels'], '--max-labels', 0, 1, 100000),
      };
      const report = task === 'recommend' ? await evalRecommend(options, o) : await evalClassification(options, o);
      if (values.json) await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    if (command === 'train') {
      const { values } = parseArgs({
        args: rest,
        options: { train: { type: 'string' }, out: { type: 'string' }, mode: { type: 'string' }, validation: { type: 'string' }, seed: { type: 'string' }, sentiment: { type: 'boolean' } },
        strict: true,
      });
      if (!values.train || !values.out) throw new UsageError('--train <file.csv> and --out <model file> are required');
      const rows = await readLabelledCsv(values.train);
      const started = performance.now();
      const progress = (line: string, transient: boolean) => o.progress(line, transient);
      const model = await LocalClassifier.train(rows, {
        mode: mode(values.mode),
        validation: values.validation === undefined ? undefined : num(values.validation, '--validation', 0.1, 0, 0.5),
        seed: num(values.seed, '--seed', 1, 0, 2 ** 31),
        lexiconFeatures: values.sentiment === true,
        onProgress: (p) => progress(`[train] ${p.refit ? 'refit ' : ''}${p.stage} ${p.step}/${p.total}${p.loss !== undefined ? ` loss ${p.loss.toFixed(4)}` : ''} ${(p.elapsedMs / 1000).toFixed(1)}s`, p.stage !== 'lr'),
      });
      const blob = model.serialize();
      await writeFile(values.out, blob);
      const r = model.report;
      o.out(`trained ${r.labels} labels on ${r.examples} rows in ${((performance.now() - started) / 1000).toFixed(1)} s (${r.mode})`);
      if (r.validationAccuracy !== null) o.out(`validation accuracy ${r.validationAccuracy.toFixed(4)}, ECE ${r.eceBefore?.toFixed(4)} -> ${r.eceAfter?.toFixed(4)} (T=${r.temperature.toFixed(2)})`);
      o.out(`wrote ${values.out} (${(blob.length / 1e6).toFixed(2)} MB)`);
      return 0;
    }
    if (command === 'predict') {
      const { values, positionals } = parseArgs({ args: rest, options: { model: { type: 'string' } }, allowPositionals: true, strict: true });
      if (!values.model || positionals.length === 0) throw new UsageError('--model <file> and a text are required');
      const model = LocalClassifier.deserialize(new Uint8Array(await readFile(values.model)));
      const p = await model.predict(positionals.join(' '));
      o.out(`${p.label}\t${p.confidence.toFixed(3)}`);
      for (const r of p.ranking.slice(1)) o.out(`  ${r.label}\t${r.probability.toFixed(3)}`);
      return 0;
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (err) {
    const usage = err instanceof UsageError || (err instanceof TypeError && 'code' in err && String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'));
    io.stderr(`flowdesk ai: ${err instanceof Error ? err.message : String(err)}\n${usage ? `\n${USAGE}` : ''}`);
    return usage ? 2 : 1;
  }
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();
if (invokedDirectly) {
  process.exitCode = await aiCli(process.argv.slice(2));
}
