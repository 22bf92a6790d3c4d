// `flowdesk user create|set-password` and `flowdesk token create`: account administration from the shell
// (the first admin on a server without a browser, tokens for scripts and benchmarks). They join the
// running embedded PostgreSQL, or use DATABASE_URL.
import { InvalidArgumentError, type Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { isPermission, permissionsOf, ROLES, type Role } from '../auth/permissions.ts';
import { DEFAULT_ORGANISATION_ID } from '../db/tables/ticketing.ts';
import { CliError } from './workflow-commands.ts';

/** Loads the server modules only when a command runs. */
async function withDatabase<T>(work: Parameters<typeof import('./server-commands.ts').withDatabase<T>>[0]): Promise<T> {
  return (await import('./server-commands.ts')).withDatabase(work);
}

const role = (raw: string): Role => {
  if (!(ROLES as readonly string[]).includes(raw)) throw new InvalidArgumentError(`--role must be one of ${ROLES.join(', ')}`);
  return raw as Role;
};

/** The password from FLOWDESK_NEW_PASSWORD (never a flag: flags end up in shell history), or a random one. */
function passwordFromEnv(): { password: string; generated: boolean } {
  const given = process.env.FLOWDESK_NEW_PASSWORD?.trim();
  return given ? { password: given, generated: false } : { password: randomBytes(12).toString('base64url'), generated: true };
}

export function registerUserCommands(program: Command, setExitCode: (code: number) => void): void {
  const user = program.command('user').description('user accounts');
  user
    .command('create')
    .description('create a staff user; the password comes from FLOWDESK_NEW_PASSWORD or is generated and printed once')
    .requiredOption('--email <address>', 'sign-in address')
    .requiredOption('--role <role>', `one of ${ROLES.filter((r) => r !== 'customer').join(', ')}`, role)
    .option('--name <name>', 'display name')
    .action(async (options: { email: string; role: Role; name?: string }) => {
      if (options.role === 'customer') throw new CliError('customer accounts are created by the portal sign-in (magic link), not here', 2);
      setExitCode(
        await withDatabase(async ({ database }) => {
          const { createUser } = await import('../auth/service.ts');
          const { recordAudit } = await import('../audit/index.ts');
          const { password, generated } = passwordFromEnv();
          const created = await database.db.transaction().execute(async (trx) => {
            const row = await createUser(trx, { organisationId: DEFAULT_ORGANISATION_ID, email: options.email, name: options.name ?? null, role: options.role, password });
            await recordAudit(trx, { organisationId: DEFAULT_ORGANISATION_ID, actor: { type: 'system', id: null }, action: 'user.created', target: { type: 'user', id: row.id }, after: { email: row.email, role: row.role, via: 'cli' } });
            return row;
          });
          process.stdout.write(`created ${created.role} ${created.email}${generated ? ` with password ${password}` : ''}\n`);
          return 0;
        }),
      );
    });
  user
    .command('set-password')
    .description('set a user’s password (FLOWDESK_NEW_PASSWORD or generated), clear a lockout and end their sessions')
    .requiredOption('--email <address>', 'sign-in address')
    .action(async (options: { email: string }) => {
      setExitCode(
        await withDatabase(async ({ database }) => {
          const { hashPassword, passwordProblem } = await import('../auth/passwords.ts');
          const { revokeUserSessions } = await import('../auth/sessions.ts');
          const { recordAudit } = await import('../audit/index.ts');
          const email = options.email.trim().toLowerCase();
          const { password, generated } = passwordFromEnv();
          const problem = passwordProblem(password, email);
          if (problem) throw new CliError(`FLOWDESK_NEW_PASSWORD ${problem}`, 2);
          const row = await database.db.selectFrom('users').select(['id', 'organisation_id']).where('email', '=', email).where('role', '<>', 'customer').executeTakeFirst();
          if (!row) throw new CliError(`no staff user ${email}`, 1);
          await database.db.transaction().execute(async (trx) => {
            await trx.updateTable('users').set({ password_hash: await hashPassword(password), failed_logins: 0, locked_until: null, updated_at: new Date() }).where('id', '=', row.id).execute();
            await revokeUserSessions(trx, row.id);
            await recordAudit(trx, { organisationId: row.organisation_id, actor: { type: 'system', id: null }, action: 'auth.password_set', target: { type: 'user', id: row.id }, after: { via: 'cli' } });
          });
          process.stdout.write(`password of ${email} set${generated ? ` to ${password}` : ''}; their sessions were ended\n`);
          return 0;
        }),
      );
    });

  const token = program.command('token').description('personal API tokens');
  token
    .command('create')
    .description('create an API token for a user and print it (the only time it is shown)')
    .requiredOption('--email <address>', 'the owner')
    .option('--name <name>', 'label shown in token lists', 'cli')
    .option('--scopes <list>', 'comma-separated permissions (default: all of the owner’s role)')
    .option('--days <n>', 'expiry in days (default 90)', (raw) => {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 1 || n > 365) throw new InvalidArgumentError('--days must be an integer from 1 to 365');
      return n;
    })
    .action(async (options: { email: string; name: string; scopes?: string; days?: number }) => {
      setExitCode(
        await withDatabase(async ({ database }) => {
          const { newApiToken } = await import('../auth/tokens.ts');
          const { recordAudit } = await import('../audit/index.ts');
          const email = options.email.trim().toLowerCase();
          const owner = await database.db.selectFrom('users').selectAll().where('email', '=', email).where('role', '<>', 'customer').where('disabled', '=', false).executeTakeFirst();
          if (!owner) throw new CliError(`no active staff user ${email}`, 1);
          const allowed = permissionsOf(owner.role);
          const scopes = options.scopes ? options.scopes.split(',').map((s) => s.trim()).filter(Boolean) : allowed;
          const bad = scopes.filter((s) => !isPermission(s) || !allowed.includes(s));
          if (bad.length > 0) throw new CliError(`--scopes: ${bad.join(', ')} ${bad.length === 1 ? 'is' : 'are'} not a permission of the ${owner.role} role (${allowed.join(', ')})`, 2);
          const { token: value, prefix, hash } = newApiToken();
          const expiresAt = new Date(Date.now() + (options.days ?? 90) * 86_400_000);
          await database.db.transaction().execute(async (trx) => {
            const row = await trx.insertInto('api_tokens').values({ user_id: owner.id, name: options.name, prefix, token_hash: hash, scopes, expires_at: expiresAt }).returning('id').executeTakeFirstOrThrow();
            await recordAudit(trx, { organisationId: owner.organisation_id, actor: { type: 'system', id: null }, action: 'token.created', target: { type: 'api_token', id: row.id }, after: { owner: owner.id, scopes, via: 'cli' } });
          });
          process.stdout.write(`${value}\n`);
          return 0;
        }),
      );
    });
}
