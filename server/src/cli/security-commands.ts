// `flowdesk audit verify`, `flowdesk secrets rotate|generate-key`, `flowdesk retention run`. Database
// modules load inside the actions, so registering these commands costs nothing at startup.
import { InvalidArgumentError, type Command } from 'commander';

/** Loads the server modules only when a command runs. */
async function withDatabase<T>(work: Parameters<typeof import('./server-commands.ts').withDatabase<T>>[0]): Promise<T> {
  return (await import('./server-commands.ts')).withDatabase(work);
}

const days = (raw: string): number => {
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 36_500) throw new InvalidArgumentError('--days must be an integer from 1 to 36500');
  return n;
};

export function registerSecurityCommands(program: Command, setExitCode: (code: number) => void): void {
  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description('check the audit chain; prints the first bad seq and exits 1 when it is broken')
    .action(async () =>
      setExitCode(
        await withDatabase(async ({ database }) => {
          const { verifyAuditChain } = await import('../audit/index.ts');
          const result = await verifyAuditChain(database.db);
          if (result.ok) {
            process.stdout.write(`audit chain ok: ${result.checked} entr${result.checked === 1 ? 'y' : 'ies'} verified\n`);
            return 0;
          }
          process.stdout.write(`audit chain BROKEN: first bad seq ${result.firstBadSeq} (${result.checked} entries checked)\n`);
          for (const p of result.problems) process.stdout.write(`  seq ${p.seq}: ${p.message}\n`);
          return 1;
        }),
      ),
    );

  const secrets = program.command('secrets').description('secrets encrypted at rest (see docs/security.md)');
  secrets
    .command('rotate')
    .description('re-encrypt every stored secret under FLOWDESK_MASTER_KEY (old keys in FLOWDESK_MASTER_KEY_PREVIOUS)')
    .action(async () =>
      setExitCode(
        await withDatabase(async ({ config, logger, database }) => {
          const { loadSecretBox, rotateSecrets } = await import('../secrets/index.ts');
          const box = loadSecretBox(config, logger);
          const reports = await rotateSecrets(database.db, box);
          let total = 0;
          for (const r of reports) {
            total += r.reencrypted + r.legacyPlaintext;
            process.stdout.write(`${r.table}.${r.column}: ${r.reencrypted} re-encrypted, ${r.legacyPlaintext} plaintext encrypted, ${r.alreadyCurrent} already current\n`);
          }
          process.stdout.write(`done: ${total} secret${total === 1 ? '' : 's'} now under key ${box.currentKeyId}\n`);
          return 0;
        }),
      ),
    );
  secrets
    .command('generate-key')
    .description('print a new random master key (base64 of 32 bytes) for FLOWDESK_MASTER_KEY')
    .action(async () => {
      const { generateMasterKey } = await import('../secrets/index.ts');
      process.stdout.write(`${generateMasterKey()}\n`);
      setExitCode(0);
    });

  const retention = program.command('retention').description('the retention policy for closed tickets');
  retention
    .command('run')
    .description("purge resolved/closed tickets older than each organisation's policy (or --days N for every organisation)")
    .option('--days <n>', 'use this many days instead of the organisations’ policies', days)
    .action(async (options: { days?: number }) =>
      setExitCode(
        await withDatabase(async ({ database }) => {
          const { runRetention } = await import('../gdpr/retention.ts');
          const reports = await runRetention(database.db, options.days !== undefined ? { days: options.days } : {});
          if (reports.length === 0) process.stdout.write('no organisation has a retention policy (set one with PUT /api/settings/retention, or pass --days)\n');
          for (const r of reports) {
            process.stdout.write(
              `organisation ${r.organisationId}: ${r.tickets} tickets resolved before ${r.before} purged (${r.messages} messages, ${r.attachments} attachments, ${r.runs} runs, ${r.runHistory} history rows)\n`,
            );
          }
          return 0;
        }),
      ),
    );
}
