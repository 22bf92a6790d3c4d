// The real Flowdesk server for the channel benchmarks, wired the way `flowdesk start` wires it
// (server/src/cli/server-commands.ts): one pool (default size) shared by Kysely and the runtime's fast path,
// pg-boss, the Runtime, buildApp listening on 127.0.0.1 with a random port, and optionally the SMTP
// intake. Workers are not started: like the durable benchmark, we measure the write path a request takes
// (the ticket, its message and its workflow run are written in the request's transaction). The logger
// writes at `info` (the production default) to /dev/null, so log serialisation is paid as in production.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { PgBoss } from 'pg-boss';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { createBoss, createDatabase, migrateToLatest, Runtime, type DatabaseHandle } from '@flowdesk/server';
import { buildApp } from '../../server/src/api/app.ts';
import { permissionsOf } from '../../server/src/auth/permissions.ts';
import { newApiToken } from '../../server/src/auth/tokens.ts';
import { createSmtpIntake, type SmtpIntake } from '../../server/src/channels/email/index.ts';
import { DEFAULT_ORGANISATION_ID } from '../../server/src/db/tables/ticketing.ts';

export const POOL_SIZE = 10; // createDatabase's default, as `flowdesk start` uses it

export interface Stack {
  url: string;
  database: DatabaseHandle;
  boss: PgBoss;
  runtime: Runtime;
  app: FastifyInstance;
  port: number;
  /** Bearer token of an admin user. */
  token: string;
  intake: SmtpIntake | null;
  close(): Promise<void>;
}

export const OUR_ADDRESS = 'support@desk.bench';

export async function startStack(url: string, options: { smtp?: boolean } = {}): Promise<Stack> {
  const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
  const database = createDatabase(url, { max: POOL_SIZE, logger });
  await migrateToLatest(database.db, logger);
  const boss = await createBoss(url, logger);
  const runtime = new Runtime({ db: database.db, pool: database.pool, boss, logger });
  const token = await createAdminToken(database);
  const app = await buildApp({ db: database.db, runtime, logger });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const intake = options.smtp
    ? await createSmtpIntake({ ctx: { db: database.db, runtime, logger }, host: '127.0.0.1', port: 0, email: { domain: 'desk.bench', fromAddress: OUR_ADDRESS, fromName: 'Flowdesk Support', smtpUrl: undefined } })
    : null;
  return {
    url,
    database,
    boss,
    runtime,
    app,
    port,
    token,
    intake,
    async close() {
      await intake?.close();
      await app.close();
      await boss.stop({ graceful: false }).catch(() => {});
      await database.close();
    },
  };
}

/** An admin user with an API token, made as server/test/api-harness.ts's createPrincipal makes one. */
async function createAdminToken(database: DatabaseHandle): Promise<string> {
  const user = await database.db
    .insertInto('users')
    .values({ organisation_id: DEFAULT_ORGANISATION_ID, email: 'bench-admin@desk.bench', role: 'admin', agent_id: null, customer_id: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const { token, prefix, hash } = newApiToken();
  await database.db.insertInto('api_tokens').values({ user_id: user.id, name: 'bench', prefix, token_hash: hash, scopes: permissionsOf('admin') }).execute();
  return token;
}

/** Creates and publishes a workflow over HTTP, as a user of the API does. */
export async function publish(stack: Stack, definition: WorkflowDefinition): Promise<string> {
  const headers = { authorization: `Bearer ${stack.token}`, 'content-type': 'application/json' };
  const base = `http://127.0.0.1:${stack.port}/api/workflows`;
  const created = await fetch(base, { method: 'POST', headers, body: JSON.stringify({ definition }) });
  if (created.status !== 201) throw new Error(`creating workflow ${definition.key}: ${created.status} ${await created.text()}`);
  const workflowId = ((await created.json()) as { workflow: { id: string } }).workflow.id;
  const published = await fetch(`${base}/${workflowId}/publish`, { method: 'POST', headers, body: '{}' });
  if (published.status !== 201) throw new Error(`publishing workflow ${definition.key}: ${published.status} ${await published.text()}`);
  return ((await published.json()) as { version: { id: string } }).version.id;
}

/** API tickets: trigger(ticket.created, channel = api) -> approval (a human task) -> resolved | closed. */
export function apiTriageWorkflow(): WorkflowDefinition {
  return {
    schemaVersion: 1,
    key: 'bench-api-approval',
    name: 'API tickets need approval',
    nodes: [
      { id: 'start', kind: 'trigger', name: 'API ticket', position: { x: 0, y: 0 }, params: { event: 'ticket.created', conditions: { all: [{ fact: 'ticket', path: '$.channel', operator: 'equal', value: 'api' }] } } },
      { id: 'approve', kind: 'approval', name: 'Manager approval', position: { x: 0, y: 120 }, params: { title: 'Approve the request', approvers: [{ type: 'role', role: 'manager' }], required: 1 } },
      { id: 'done', kind: 'end', name: 'Resolved', position: { x: -100, y: 240 }, params: { status: 'resolved' } },
      { id: 'no', kind: 'end', name: 'Rejected', position: { x: 100, y: 240 }, params: { status: 'closed' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'approve', outcome: 'next' },
      { id: 'e2', source: 'approve', target: 'done', outcome: 'approved' },
      { id: 'e3', source: 'approve', target: 'no', outcome: 'rejected' },
    ],
  } as unknown as WorkflowDefinition;
}

/** Email tickets: trigger(ticket.created, channel = email) -> wait for the customer's reply -> resolved. */
export function emailWaitWorkflow(): WorkflowDefinition {
  return {
    schemaVersion: 1,
    key: 'bench-email-wait',
    name: 'Email tickets wait for the customer',
    nodes: [
      { id: 'start', kind: 'trigger', name: 'Email ticket', position: { x: 0, y: 0 }, params: { event: 'ticket.created', conditions: { all: [{ fact: 'ticket', path: '$.channel', operator: 'equal', value: 'email' }] } } },
      { id: 'wait', kind: 'wait', name: 'Customer answers', position: { x: 0, y: 120 }, params: { resumeOn: ['customer.replied'] } },
      { id: 'done', kind: 'end', name: 'Resolved', position: { x: 0, y: 240 }, params: { status: 'resolved' } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'wait', outcome: 'next' },
      { id: 'e2', source: 'wait', target: 'done', outcome: 'resumed' },
    ],
  } as unknown as WorkflowDefinition;
}
