// The first accounts of a new installation. Without them nobody could sign in: on first start an admin
// is created (password from FLOWDESK_ADMIN_PASSWORD, or a random one shown once); the demo adds fixed,
// documented demo accounts instead.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import { recordAudit } from '../audit/index.ts';
import { DEFAULT_ORGANISATION_ID } from '../db/tables/ticketing.ts';
import type { Database } from '../db/types.ts';
import { createUser } from './service.ts';

export const DEMO_PASSWORD = 'flowdesk-demo';
export const DEMO_ADMIN_EMAIL = 'admin@example.com';
export const DEMO_AGENT_EMAIL = 'agent@example.com';

export interface FirstAccounts {
  /** Lines for the start banner (credentials shown once), empty when accounts existed already. */
  banner: string[];
}

export async function ensureFirstAccounts(db: Kysely<Database>, logger: Logger, options: { demo: boolean; env?: Record<string, string | undefined> }): Promise<FirstAccounts> {
  const env = options.env ?? process.env;
  const organisationId = DEFAULT_ORGANISATION_ID;
  const admins = await db.selectFrom('users').select('id').where('organisation_id', '=', organisationId).where('role', '=', 'admin').limit(1).execute();
  if (admins.length > 0) return { banner: [] };
  const system = { type: 'system' as const, id: null };

  if (options.demo) {
    // The demo agent account is linked to the first demo agent row (skills, team), if the AI demo created one.
    const agent = await db.selectFrom('agents').select('id').where('organisation_id', '=', organisationId).orderBy('created_at').limit(1).executeTakeFirst();
    await db.transaction().execute(async (trx) => {
      const admin = await createUser(trx, { organisationId, email: DEMO_ADMIN_EMAIL, name: 'Demo Admin', role: 'admin', password: DEMO_PASSWORD });
      const agentUser = await createUser(trx, { organisationId, email: DEMO_AGENT_EMAIL, name: 'Demo Agent', role: 'agent', password: DEMO_PASSWORD, agentId: agent?.id ?? null });
      for (const user of [admin, agentUser]) await recordAudit(trx, { organisationId, actor: system, action: 'user.created', target: { type: 'user', id: user.id }, after: { email: user.email, role: user.role, reason: 'demo' } });
    });
    logger.info({ admin: DEMO_ADMIN_EMAIL, agent: DEMO_AGENT_EMAIL }, 'demo accounts created');
    return { banner: [`  Sign in (demo):       ${DEMO_ADMIN_EMAIL} / ${DEMO_PASSWORD}  (admin), ${DEMO_AGENT_EMAIL} / ${DEMO_PASSWORD}  (agent)`] };
  }

  const email = env.FLOWDESK_ADMIN_EMAIL?.trim() || 'admin@localhost';
  const given = env.FLOWDESK_ADMIN_PASSWORD?.trim();
  const password = given || randomBytes(12).toString('base64url');
  await db.transaction().execute(async (trx) => {
    const admin = await createUser(trx, { organisationId, email, name: 'Administrator', role: 'admin', password });
    await recordAudit(trx, { organisationId, actor: system, action: 'user.created', target: { type: 'user', id: admin.id }, after: { email: admin.email, role: admin.role, reason: 'first start' } });
  });
  logger.warn({ email }, 'first start: created the admin account');
  return {
    banner: given
      ? [`  Admin account:        ${email} (password from FLOWDESK_ADMIN_PASSWORD)`]
      : [`  Admin account:        ${email} / ${password}`, '                        (shown once: sign in and change it, or set FLOWDESK_ADMIN_PASSWORD before the first start)'],
  };
}
