// `flowdesk ai train --field <f> [--from-tickets | --csv file.csv] [--mode fast|accurate] [--organisation slug]`
// (and `--sentiment --csv file.csv`): trains a local model on the organisation's labelled tickets or a
// CSV, with progress on stderr, and stores it in ai_models, where the workers pick it up on their next
// AI node. The file-based `flowdesk ai train --train a.csv --out model.fdm` of packages/ai is unchanged.
import { parseArgs } from 'node:util';
import { readLabelledCsv, type ClassifierMode } from '@flowdesk/ai';
import { loadConfig } from '../config.ts';
import { createDatabase } from '../db/database.ts';
import { findRunningEmbeddedPostgres } from '../db/embedded.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { examplesFromTickets, trainAndStore } from './models.ts';

export interface TrainIo {
  out(line: string): void;
  err(line: string): void;
}

const stdio: TrainIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

/** True for the database-backed form of `ai train` (the one this module handles). */
export function isDatabaseTrain(args: string[]): boolean {
  return args[0] === 'train' && args.some((a) => a === '--field' || a.startsWith('--field=') || a === '--from-tickets' || (a === '--sentiment' && args.includes('--csv')));
}

export async function aiTrainCommand(args: string[], io: TrainIo = stdio, connectionString?: string): Promise<number> {
  const { values } = parseArgs({
    args: args.slice(1),
    options: {
      field: { type: 'string' },
      'from-tickets': { type: 'boolean' },
      csv: { type: 'string' },
      mode: { type: 'string' },
      organisation: { type: 'string' },
      sentiment: { type: 'boolean' },
    },
  });
  const mode = (values.mode ?? 'fast') as ClassifierMode;
  if (mode !== 'fast' && mode !== 'accurate') return usage(io, '--mode must be fast or accurate');
  const task = values.sentiment ? 'sentiment' : 'classify';
  const field = values.field ?? (task === 'sentiment' ? '' : undefined);
  if (field === undefined) return usage(io, '--field <ticket field> is required, e.g. --field category');
  if (Boolean(values.csv) === Boolean(values['from-tickets'])) return usage(io, 'give exactly one of --from-tickets and --csv <file.csv>');
  if (task === 'sentiment' && values['from-tickets']) return usage(io, 'sentiment trains from --csv only');

  let url = connectionString;
  if (!url) {
    const config = loadConfig();
    url = config.databaseUrl ?? (await findRunningEmbeddedPostgres(config.dataDir));
    if (!url) return usage(io, `no database: set DATABASE_URL, or run \`flowdesk start\` first (this command joins its embedded PostgreSQL in ${config.dataDir}/pg)`);
  }
  const database = createDatabase(url);
  try {
    await migrateToLatest(database.db);
    const slug = values.organisation ?? 'default';
    const org = await database.db.selectFrom('organisations').select('id').where('slug', '=', slug).executeTakeFirst();
    if (!org) return usage(io, `no organisation with slug "${slug}"`);
    const examples = values.csv ? await readLabelledCsv(values.csv) : await examplesFromTickets(database.db, org.id, field);
    const labels = new Set(examples.map((e) => e.label));
    io.err(`[train] ${examples.length} labelled ${values.csv ? `rows from ${values.csv}` : `tickets (fields.${field})`}, ${labels.size} labels, mode ${mode}`);
    if (labels.size < 2) return usage(io, `need examples of at least 2 labels to train (found ${labels.size}); label some tickets' fields.${field} first`);
    const started = performance.now();
    let lastStage = '';
    const stored = await trainAndStore(database.db, {
      organisationId: org.id,
      task,
      field,
      examples,
      mode,
      source: values.csv ? `csv:${values.csv}` : 'tickets',
      onProgress: (p) => {
        const key = `${p.refit}:${p.stage}`;
        if (key !== lastStage || p.step === p.total) {
          lastStage = key;
          io.err(`[train] ${p.refit ? 'refit ' : ''}${p.stage} ${p.step}/${p.total}${p.loss !== undefined ? ` loss ${p.loss.toFixed(4)}` : ''} ${(p.elapsedMs / 1000).toFixed(1)}s`);
        }
      },
    });
    const r = stored.model.report;
    io.out(
      `stored ${task} model ${stored.id} for ${task === 'sentiment' ? 'sentiment' : `field "${field}"`} (organisation ${slug}): ${r.labels} labels, ${r.examples} examples, ` +
        `validation accuracy ${r.validationAccuracy === null ? 'n/a' : r.validationAccuracy.toFixed(3)}, ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    return 0;
  } finally {
    await database.close();
  }
}

function usage(io: TrainIo, message: string, command = 'train'): number {
  io.err(`flowdesk ai ${command}: ${message}`);
  return 2;
}

/**
 * `flowdesk ai retrain [--field F] [--force] [--organisation slug]`: retrains classify models from agents'
 * corrections now (the nightly job does the same for every field with new feedback). Without --field, every
 * field with new feedback in every organisation.
 */
export async function aiRetrainCommand(args: string[], io: TrainIo = stdio, connectionString?: string): Promise<number> {
  const { values } = parseArgs({ args: args.slice(1), options: { field: { type: 'string' }, force: { type: 'boolean' }, organisation: { type: 'string' } }, allowPositionals: false });
  let url = connectionString;
  if (!url) {
    const config = loadConfig();
    url = config.databaseUrl ?? (await findRunningEmbeddedPostgres(config.dataDir));
    if (!url) return usage(io, `no database: set DATABASE_URL, or run \`flowdesk start\` first (this command joins its embedded PostgreSQL in ${config.dataDir}/pg)`, 'retrain');
  }
  const database = createDatabase(url);
  try {
    await migrateToLatest(database.db);
    const { retrainAll, retrainField } = await import('./retrain.ts');
    let results;
    if (values.field) {
      const slug = values.organisation ?? 'default';
      const org = await database.db.selectFrom('organisations').select('id').where('slug', '=', slug).executeTakeFirst();
      if (!org) return usage(io, `no organisation with slug "${slug}"`, 'retrain');
      let lastStage = '';
      results = [
        await retrainField(database.db, org.id, values.field, {
          force: values.force ?? false,
          // Synchronous here: progress on stderr, one line per stage (and at the end).
          onProgress: (p) => {
            if (p.stage === lastStage && p.fraction < 1) return;
            lastStage = p.stage;
            io.err(`[retrain] ${values.field} ${p.stage} ${Math.round(p.fraction * 100)}%`);
          },
        }),
      ];
    } else {
      results = await retrainAll(database.db);
    }
    if (results.length === 0) io.out('nothing to retrain: no field has new corrections since its model was trained');
    for (const r of results) io.out(r.retrained ? `${r.field}: retrained from ${r.newFeedback} correction(s) -> model ${r.modelId}` : `${r.field}: not retrained (${r.reason ?? 'no change'})`);
    return 0;
  } finally {
    await database.close();
  }
}
