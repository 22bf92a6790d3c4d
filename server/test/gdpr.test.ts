// GDPR against real Postgres: a customer's export zip holds their data and attachment bytes; erasure
// leaves none of their PII in ANY text/varchar/jsonb/json/bytea/text[] column of ANY table in the public
// and pgboss schemas, search and the API find nothing, statistics are unchanged, another customer's data
// is untouched and the audit chain still verifies. Retention purges only old resolved/closed tickets.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { strFromU8, unzipSync } from 'fflate';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit, verifyAuditChain } from '../src/audit/index.ts';
import { DEFAULT_ORGANISATION_ID } from '../src/db/tables/ticketing.ts';
import { runRetention } from '../src/gdpr/index.ts';
import { WORK_QUEUE } from '../src/runtime/queues.ts';
import { approvalWorkflow, createPrincipal, json, publishViaApi, startHarness, type Harness } from './api-harness.ts';

let h: Harness;
const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const zelda = { name: 'Zelda Quixote-Hargreaves', email: 'zelda.qh@example.org', phone: '+442079460321' };
const phrase = 'my purple walrus ate invoice 8841 yesterday';
const phrase2 = 'the flamingo courier lost parcel QX-5521';
const attachmentText = 'SECRET-ATTACHMENT-BYTES of the passport scan';
const PII = [zelda.name, 'Quixote-Hargreaves', zelda.email, zelda.phone, phrase, phrase2, attachmentText, 'zelda-passport'];

let zeldaId: string;
const ticketIds: string[] = [];
let bobTicketId: string;

beforeAll(async () => {
  h = await startHarness('gdpr');
  await publishViaApi(h.app, approvalWorkflow('gdpr-approval'));
  await h.tdb.db
    .insertInto('sla_policies')
    .values({ organisation_id: DEFAULT_ORGANISATION_ID, name: 'Default', targets: JSON.stringify({ normal: { firstResponseMinutes: 60, resolutionMinutes: 480 }, high: { firstResponseMinutes: 30, resolutionMinutes: 240 } }) })
    .execute();
  const endpoint = await h.app.inject({ method: 'POST', url: '/api/webhook-endpoints', payload: { url: 'http://127.0.0.1:9/never', events: ['ticket.created', 'ticket.updated', 'message.created'] } });
  expect(endpoint.statusCode, endpoint.body).toBe(201);

  const t1 = await h.app.inject({
    method: 'POST',
    url: '/api/tickets',
    payload: {
      subject: `Walrus incident for ${zelda.name}`,
      body: `Hello, ${phrase}. Call me on ${zelda.phone}.`,
      channel: 'email',
      priority: 'high',
      tags: ['vip'],
      customer: { email: zelda.email, phone: zelda.phone, name: zelda.name, language: 'en' },
      attachments: [{ filename: 'zelda-passport.txt', contentType: 'text/plain', contentBase64: Buffer.from(attachmentText).toString('base64') }],
    },
  });
  expect(t1.statusCode, t1.body).toBe(201);
  zeldaId = json(t1).ticket.customerId;
  ticketIds.push(json(t1).ticket.id);
  const reply = (ticketId: string, payload: object) => h.app.inject({ method: 'POST', url: `/api/tickets/${ticketId}/messages`, payload });
  expect((await reply(ticketIds[0]!, { body: `Also: ${phrase2}`, authorType: 'customer', authorCustomerId: zeldaId })).statusCode).toBe(201);
  expect((await reply(ticketIds[0]!, { body: `Hi Zelda, sorry about the walrus. We wrote to ${zelda.email}.` })).statusCode).toBe(201);
  expect((await reply(ticketIds[0]!, { body: `Note: ${zelda.name} is a VIP`, visibility: 'internal' })).statusCode).toBe(201);

  const t2 = await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'Second question about the flamingo courier lost parcel', body: phrase2, customerId: zeldaId } });
  expect(t2.statusCode, t2.body).toBe(201);
  ticketIds.push(json(t2).ticket.id);
  expect((await h.app.inject({ method: 'PATCH', url: `/api/tickets/${ticketIds[1]}`, payload: { status: 'resolved' } })).statusCode).toBe(200);

  const bob = await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'Bob printer jam on floor 3', body: 'The printer jams again', customer: { email: 'bob@example.com', name: 'Bob Control' } } });
  bobTicketId = json(bob).ticket.id;

  // Copies elsewhere: a portal account, audit entries holding their email/IP, a job carrying their text.
  await createPrincipal(h.tdb.db, { role: 'customer', customerId: zeldaId, email: zelda.email });
  await recordAudit(h.tdb.db, { organisationId: DEFAULT_ORGANISATION_ID, actor: { type: 'anonymous', id: null }, action: 'auth.login_failed', after: { email: zelda.email }, ip: '198.51.100.7', userAgent: 'Zelda-Browser' });
  await recordAudit(h.tdb.db, { organisationId: DEFAULT_ORGANISATION_ID, actor: { type: 'user', id: h.admin.userId }, action: 'data.read', target: { type: 'customer', id: zeldaId }, after: { name: zelda.name } });
  await h.boss.send(WORK_QUEUE, { prompt: `Summarise for ${zelda.name}: ${phrase}`, ticketId: ticketIds[0] }, { startAfter: 3600 });
}, 120_000);
afterAll(async () => {
  await h?.close();
});

/** Every text-like and binary column of every table (partitions included) in public and pgboss. */
async function scanFor(needles: string[]): Promise<string[]> {
  const columns = await sql<{ schema: string; table: string; column: string; type: string }>`
    SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, format_type(a.atttypid, NULL) AS type
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('public', 'pgboss') AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      AND format_type(a.atttypid, NULL) IN ('text', 'character varying', 'jsonb', 'json', 'bytea', 'text[]', 'character varying[]')`.execute(h.tdb.db);
  expect(columns.rows.length).toBeGreaterThan(50);
  const hits: string[] = [];
  for (const c of columns.rows) {
    const ref = sql.ref(`${c.schema}.${c.table}.${c.column}`);
    for (const needle of needles) {
      const where =
        c.type === 'bytea'
          ? sql`position(convert_to(${needle}, 'UTF8') in ${ref}) > 0 OR position(convert_to(${needle.toLowerCase()}, 'UTF8') in ${ref}) > 0`
          : sql`${ref}::text ILIKE ${`%${needle}%`}`;
      const found = await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(`${c.schema}.${c.table}`)} WHERE ${where}`.execute(h.tdb.db);
      if (Number(found.rows[0]!.n) > 0) hits.push(`${c.schema}.${c.table}.${c.column} holds ${JSON.stringify(needle)}`);
    }
  }
  return hits;
}

async function statistics() {
  const q = async (text: string) => (await sql.raw(text).execute(h.tdb.db)).rows;
  return {
    tickets: await q('SELECT status, priority, channel, count(*)::int AS n FROM tickets GROUP BY 1, 2, 3 ORDER BY 1, 2, 3'),
    messages: await q('SELECT visibility, author_type, channel, count(*)::int AS n FROM messages GROUP BY 1, 2, 3 ORDER BY 1, 2, 3'),
    sla: await q('SELECT ticket_id, policy_id, first_response_due_at, resolution_due_at, first_response_met_at, resolution_met_at, paused_ms FROM ticket_sla ORDER BY ticket_id'),
    breaches: await q('SELECT count(*)::int AS n FROM sla_breaches'),
    runs: await q('SELECT status, state, count(*)::int AS n FROM runs GROUP BY 1, 2 ORDER BY 1, 2'),
    // Erasure adds one gdpr.erased step to unfinished runs (so cached pre-erasure snapshots go stale).
    history: await q("SELECT count(*)::int AS n FROM run_history WHERE event->>'type' IS DISTINCT FROM 'gdpr.erased'"),
    customers: await q('SELECT count(*)::int AS n FROM customers'),
    identities: await q('SELECT kind, count(*)::int AS n FROM customer_identities GROUP BY 1 ORDER BY 1'),
    timestamps: await q('SELECT id, created_at, resolved_at, status FROM tickets ORDER BY id'),
  };
}

describe('export', () => {
  it('GET /api/customers/:id/export is a zip with customer.json and the attachment bytes, audited', async () => {
    const res = await h.app.inject({ method: 'GET', url: `/api/customers/${zeldaId}/export` });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="customer-${zeldaId}.zip"`);
    const files = unzipSync(new Uint8Array(res.rawPayload));
    const names = Object.keys(files);
    expect(names).toContain('customer.json');
    const attachment = names.find((n) => n.startsWith('attachments/'))!;
    expect(attachment).toMatch(/^attachments\/[0-9a-f-]{36}-zelda-passport\.txt$/);
    expect(strFromU8(files[attachment]!)).toBe(attachmentText);
    const doc = JSON.parse(strFromU8(files['customer.json']!));
    expect(doc.customer[0]).toMatchObject({ id: zeldaId, name: zelda.name });
    expect(doc.identities.map((i: { value: string }) => i.value).sort()).toEqual([zelda.phone, zelda.email].sort());
    expect(doc.portalAccounts).toEqual([expect.objectContaining({ email: zelda.email, role: 'customer' })]);
    expect(doc.tickets).toHaveLength(2);
    const first = doc.tickets.find((t: { id: string }) => t.id === ticketIds[0]);
    expect(first.body).toContain(phrase);
    expect(first.messages.map((m: { visibility: string }) => m.visibility)).toContain('internal');
    expect(first.messages.some((m: { bodyText: string }) => m.bodyText.includes(phrase2))).toBe(true);
    expect(first.messages.flatMap((m: { attachments: { file: string }[] }) => m.attachments.map((a) => a.file))).toEqual([attachment]);
    expect(first.sla).not.toBeNull();
    expect(first.runs[0]).toMatchObject({ workflow: 'gdpr-approval', status: 'waiting' });
    expect(doc.auditEntries.some((e: { action: string }) => e.action === 'data.read')).toBe(true);
    expect(JSON.stringify(doc)).not.toContain('Bob Control');
    const audit = await h.tdb.db.selectFrom('audit_log').selectAll().where('action', '=', 'customer.exported').executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ target_type: 'customer', target_id: zeldaId, actor_type: 'token' });
  });

  it('an unknown customer is a 404; an agent may not export', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/api/customers/00000000-0000-4000-8000-000000000000/export' })).statusCode).toBe(404);
    const agent = await createPrincipal(h.tdb.db, { role: 'agent' });
    expect((await h.app.inject({ method: 'GET', url: `/api/customers/${zeldaId}/export`, headers: { authorization: `Bearer ${agent.token}` } })).statusCode).toBe(403);
  });
});

describe('erase', () => {
  it('refuses without the right confirmation, for unknown customers, and for non-admins; nothing changes', async () => {
    const wrong = await h.app.inject({ method: 'POST', url: `/api/customers/${zeldaId}/erase`, payload: { confirm: '00000000-0000-4000-8000-000000000000' } });
    expect(wrong.statusCode).toBe(400);
    expect(json(wrong).error.details[0].path).toBe('/body/confirm');
    const missing = await h.app.inject({ method: 'POST', url: `/api/customers/${zeldaId}/erase`, payload: {} });
    expect(json(missing).error.details[0].path).toBe('/body/confirm');
    const extra = await h.app.inject({ method: 'POST', url: `/api/customers/${zeldaId}/erase`, payload: { confirm: zeldaId, soft: true } });
    expect(json(extra).error.details[0].path).toBe('/body/soft');
    const ghost = '00000000-0000-4000-8000-000000000000';
    expect((await h.app.inject({ method: 'POST', url: `/api/customers/${ghost}/erase`, payload: { confirm: ghost } })).statusCode).toBe(404);
    const manager = await createPrincipal(h.tdb.db, { role: 'manager' });
    expect((await h.app.inject({ method: 'POST', url: `/api/customers/${zeldaId}/erase`, payload: { confirm: zeldaId }, headers: { authorization: `Bearer ${manager.token}` } })).statusCode).toBe(403);
    expect(await scanFor([zelda.email])).not.toEqual([]);
  });

  it('after erasure no PII is left in any table, search and the API find nothing, statistics are unchanged', async () => {
    const before = await scanFor(PII);
    // The set-up really spread their data around (otherwise the scan below proves nothing).
    for (const where of ['public.tickets.subject', 'public.messages.body_text', 'public.attachments.content', 'public.runs.snapshot', 'public.webhook_deliveries.payload', 'pgboss.job.data', 'public.audit_log.details', 'public.users.email', 'public.customer_identities.value', 'public.tickets.customer_facts']) {
      expect(before.some((hit) => hit.startsWith(`${where} `)), where).toBe(true);
    }
    const stats = await statistics();
    expect(json(await h.app.inject({ method: 'GET', url: '/api/tickets/search?q=walrus' })).hits.length).toBeGreaterThan(0);
    expect(json(await h.app.inject({ method: 'GET', url: '/api/customers?q=zelda' })).customers).toHaveLength(1);
    const bobBefore = await h.tdb.db.selectFrom('tickets').select(['subject', 'body', 'customer_facts']).where('id', '=', bobTicketId).executeTakeFirstOrThrow();

    const res = await h.app.inject({ method: 'POST', url: `/api/customers/${zeldaId}/erase`, payload: { confirm: zeldaId } });
    expect(res.statusCode, res.body).toBe(200);
    expect(json(res).erased).toMatchObject({ customers: 1, identities: 2, tickets: 2, messages: 5, attachmentsDeleted: 1, portalUsers: 1, runs: 2 });
    expect(json(res).erased.copiesScrubbed).toBeGreaterThan(0);
    expect(json(res).erased.auditRedacted).toBeGreaterThanOrEqual(2);

    expect(await scanFor(PII)).toEqual([]);
    expect(await statistics()).toEqual(stats);
    const marks = await sql<{ n: number }>`SELECT count(*)::int AS n FROM run_history h JOIN runs r ON r.id = h.run_id
      WHERE r.ticket_id = ANY(${ticketIds}::uuid[]) AND h.event->>'type' = 'gdpr.erased' AND h.sequence = r.sequence`.execute(h.tdb.db);
    expect(marks.rows[0]!.n).toBe(await h.tdb.db.selectFrom('runs').select('id').where('ticket_id', 'in', ticketIds).where('status', '<>', 'completed').execute().then((r) => r.length));
    expect(await h.tdb.db.selectFrom('tickets').select(['subject', 'body', 'customer_facts']).where('id', '=', bobTicketId).executeTakeFirstOrThrow()).toEqual(bobBefore);
    expect((await scanFor(['Bob Control', 'bob@example.com', 'printer jam'])).length).toBeGreaterThan(0);

    for (const q of ['walrus', 'flamingo', 'Quixote', '8841', 'zelda']) {
      const found = await h.app.inject({ method: 'GET', url: `/api/tickets/search?q=${encodeURIComponent(q)}` });
      expect(found.statusCode).toBe(200);
      expect(json(found).hits, q).toEqual([]);
    }
    for (const q of ['zelda', 'Quixote', '+44207946', 'zelda.qh@example.org']) {
      const found = await h.app.inject({ method: 'GET', url: `/api/customers?q=${encodeURIComponent(q)}` });
      expect(json(found).customers, q).toEqual([]);
    }
    const ticket = json(await h.app.inject({ method: 'GET', url: `/api/tickets/${ticketIds[0]}` }));
    expect(ticket.ticket).toMatchObject({ subject: '[erased]', status: 'open', priority: 'high', channel: 'email' });
    expect(ticket.messages.every((m: { bodyText: string; attachments: unknown[] }) => m.bodyText === '[erased]' && m.attachments.length === 0)).toBe(true);
    const customer = json(await h.app.inject({ method: 'GET', url: `/api/customers/${zeldaId}` }));
    expect(customer.customer.name).toBeNull();
    expect(customer.tickets).toHaveLength(2);
    // The portal account can no longer sign in.
    const user = await h.tdb.db.selectFrom('users').selectAll().where('customer_id', '=', zeldaId).executeTakeFirstOrThrow();
    expect(user).toMatchObject({ disabled: true, name: null, password_hash: null });

    const chain = await verifyAuditChain(h.tdb.db);
    expect(chain).toMatchObject({ ok: true, firstBadSeq: null });
    const entry = await h.tdb.db.selectFrom('audit_log').selectAll().where('action', '=', 'customer.erased').executeTakeFirstOrThrow();
    expect(entry).toMatchObject({ target_type: 'customer', target_id: zeldaId });
    expect((await h.tdb.db.selectFrom('audit_log').select('seq').where('redacted_at', 'is not', null).execute()).length).toBe(json(res).erased.auditRedacted);
  });

  it('erasing again is harmless and the export then holds nothing identifying', async () => {
    const again = await h.app.inject({ method: 'POST', url: `/api/customers/${zeldaId}/erase`, payload: { confirm: zeldaId } });
    expect(again.statusCode, again.body).toBe(200);
    const zip = unzipSync(new Uint8Array((await h.app.inject({ method: 'GET', url: `/api/customers/${zeldaId}/export` })).rawPayload));
    const text = strFromU8(zip['customer.json']!);
    for (const needle of PII) expect(text.toLowerCase()).not.toContain(needle.toLowerCase());
    expect((await verifyAuditChain(h.tdb.db)).ok).toBe(true);
  });
});

describe('retention', () => {
  it('settings: GET/PUT /api/settings/retention, validated and audited', async () => {
    expect(json(await h.app.inject({ method: 'GET', url: '/api/settings/retention' }))).toEqual({ closedTicketDays: null });
    const bad = await h.app.inject({ method: 'PUT', url: '/api/settings/retention', payload: { closedTicketDays: 0 } });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error.details[0].path).toBe('/body/closedTicketDays');
    const ok = await h.app.inject({ method: 'PUT', url: '/api/settings/retention', payload: { closedTicketDays: 30 } });
    expect(json(ok)).toEqual({ closedTicketDays: 30 });
    const audit = await h.tdb.db.selectFrom('audit_log').selectAll().where('action', '=', 'settings.changed').where('target_type', '=', 'retention').executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ before: { closedTicketDays: null }, after: { closedTicketDays: 30 } });
  });

  it('purges resolved/closed tickets older than the policy with their messages, runs and history; keeps the rest', async () => {
    const make = async (subject: string) => json(await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject, body: 'x', customer: { email: `${subject}@example.com` } } })).ticket.id as string;
    const oldClosed = await make('old-closed');
    const recentClosed = await make('recent-closed');
    const oldOpen = await make('old-open');
    await h.app.inject({ method: 'POST', url: `/api/tickets/${oldClosed}/messages`, payload: { body: 'reply', attachments: [{ filename: 'a.txt', contentType: 'text/plain', contentBase64: 'aGk=' }] } });
    for (const id of [oldClosed, recentClosed]) expect((await h.app.inject({ method: 'PATCH', url: `/api/tickets/${id}`, payload: { status: 'closed' } })).statusCode).toBe(200);
    await sql`UPDATE tickets SET resolved_at = now() - interval '40 days', created_at = now() - interval '50 days' WHERE id = ${oldClosed}::uuid`.execute(h.tdb.db);
    await sql`UPDATE tickets SET created_at = now() - interval '50 days' WHERE id = ${oldOpen}::uuid`.execute(h.tdb.db);
    const runIds = (await h.tdb.db.selectFrom('runs').select('id').where('ticket_id', '=', oldClosed).execute()).map((r) => r.id);
    expect(runIds.length).toBeGreaterThan(0);
    const totalBefore = Number((await sql<{ n: string }>`SELECT count(*)::text AS n FROM tickets`.execute(h.tdb.db)).rows[0]!.n);

    const reports = await runRetention(h.tdb.db);
    expect(reports).toEqual([expect.objectContaining({ organisationId: DEFAULT_ORGANISATION_ID, days: 30, tickets: 1, messages: 2, attachments: 1, runs: runIds.length })]);
    expect(await h.tdb.db.selectFrom('tickets').select('id').where('id', 'in', [oldClosed, recentClosed, oldOpen]).execute()).toHaveLength(2);
    expect(await h.tdb.db.selectFrom('messages').select('id').where('ticket_id', '=', oldClosed).execute()).toEqual([]);
    expect(await h.tdb.db.selectFrom('run_history').select('run_id').where('run_id', 'in', runIds).execute()).toEqual([]);
    expect(Number((await sql<{ n: string }>`SELECT count(*)::text AS n FROM tickets`.execute(h.tdb.db)).rows[0]!.n)).toBe(totalBefore - 1);
    // The history stays append-only outside retention, and the purge itself is in the (valid) audit chain.
    await expect(sql`DELETE FROM run_history`.execute(h.tdb.db)).rejects.toThrow(/append-only/);
    expect(await h.tdb.db.selectFrom('audit_log').select('action').where('action', '=', 'retention.purged').execute()).toHaveLength(1);
    expect((await verifyAuditChain(h.tdb.db)).ok).toBe(true);
  });

  it('`flowdesk retention run --days N` purges with N days for every organisation', async () => {
    const id = json(await h.app.inject({ method: 'POST', url: '/api/tickets', payload: { subject: 'cli-old', body: 'x' } })).ticket.id as string;
    await h.app.inject({ method: 'PATCH', url: `/api/tickets/${id}`, payload: { status: 'resolved' } });
    await sql`UPDATE tickets SET resolved_at = now() - interval '10 days' WHERE id = ${id}::uuid`.execute(h.tdb.db);
    const run = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [path.join(serverDir, 'bin', 'flowdesk.js'), 'retention', 'run', ...args], { cwd: serverDir, timeout: 60_000, env: { ...process.env, DATABASE_URL: h.tdb.connectionString, LOG_LEVEL: 'silent' } }, (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
        ),
      );
    const bad = await run('--days', 'zero');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--days must be an integer/);
    const r = await run('--days', '7');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`organisation ${DEFAULT_ORGANISATION_ID}: 1 tickets resolved before`));
    expect(await h.tdb.db.selectFrom('tickets').select('id').where('id', '=', id).execute()).toEqual([]);
  }, 120_000);
});
