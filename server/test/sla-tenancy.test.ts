// Calendars and SLA policies are per organisation: two organisations, each with an admin, see only their
// own rows in lists; by-id reads, replacements and deletions of the other's rows are 404 (like an unknown
// id) and change nothing; creations land in the caller's organisation; every change writes exactly one
// audit entry in the change's own transaction and the chain still verifies. The engine picks a ticket's
// policy from the ticket's organisation.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_LOCK_KEY, verifyAuditChain } from '../src/audit/index.ts';
import { DEFAULT_ORGANISATION_ID } from '../src/db/tables/ticketing.ts';
import { createPrincipal, json, startHarness, type Harness, type TestPrincipal } from './api-harness.ts';
import { waitFor } from './wait-for.ts';

let h: Harness;
let orgB: string;
let adminA: TestPrincipal;
let adminB: TestPrincipal;
let agentB: TestPrincipal;

const day = [['09:00', '17:00']];
const calendarBody = (name: string, timezone = 'Europe/Berlin') => ({
  name,
  timezone,
  weeklyHours: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: [], sun: [] },
  holidays: ['2025-12-25'],
});
const policyBody = (name: string, extra: Record<string, unknown> = {}) => ({ name, targets: { normal: { firstResponseMinutes: 60, resolutionMinutes: 480 } }, ...extra });

const as = (p: TestPrincipal) => ({ authorization: `Bearer ${p.token}` });
const call = (p: TestPrincipal, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
  h.app.inject({ method, url, headers: as(p), ...(payload === undefined ? {} : { payload: payload as object }) });

/** The SLA audit entries, oldest first. */
const slaAudit = () =>
  h.tdb.db.selectFrom('audit_log').select(['seq', 'organisation_id', 'actor_type', 'action', 'target_type', 'target_id', 'details']).where('action', 'like', 'sla.%').orderBy('seq').execute();
const snapshot = async () => ({
  calendars: await h.tdb.db.selectFrom('calendars').selectAll().orderBy('id').execute(),
  policies: await h.tdb.db.selectFrom('sla_policies').selectAll().orderBy('id').execute(),
  audit: await slaAudit(),
});

beforeAll(async () => {
  h = await startHarness('sla_tenancy');
  adminA = h.admin;
  orgB = (await h.tdb.db.insertInto('organisations').values({ slug: 'org-b', name: 'Org B' }).returning('id').executeTakeFirstOrThrow()).id;
  adminB = await createPrincipal(h.tdb.db, { role: 'admin', organisationId: orgB });
  agentB = await createPrincipal(h.tdb.db, { role: 'agent', organisationId: orgB });
}, 60_000);
afterAll(async () => h?.close());

describe('calendars and policies per organisation', () => {
  const ids = { calA: '', calB: '', polA: '', polB: '' };

  it('land in the caller’s organisation; the same names may exist in both', async () => {
    const calA = await call(adminA, 'POST', '/api/calendars', calendarBody('Office'));
    const calB = await call(adminB, 'POST', '/api/calendars', calendarBody('Office', 'America/New_York'));
    expect([calA.statusCode, calB.statusCode]).toEqual([201, 201]);
    ids.calA = json(calA).calendar.id;
    ids.calB = json(calB).calendar.id;
    expect(json(calA).calendar.organisationId).toBe(DEFAULT_ORGANISATION_ID);
    expect(json(calB).calendar.organisationId).toBe(orgB);

    const polA = await call(adminA, 'POST', '/api/sla-policies', policyBody('Standard', { calendarId: ids.calA }));
    const polB = await call(adminB, 'POST', '/api/sla-policies', policyBody('Standard', { calendarId: ids.calB }));
    expect([polA.statusCode, polB.statusCode]).toEqual([201, 201]);
    ids.polA = json(polA).policy.id;
    ids.polB = json(polB).policy.id;

    const rows = await h.tdb.db.selectFrom('calendars').select(['id', 'organisation_id']).execute();
    const policies = await h.tdb.db.selectFrom('sla_policies').select(['id', 'organisation_id', 'calendar_id']).execute();
    expect(Object.fromEntries(rows.map((r) => [r.id, r.organisation_id]))).toEqual({ [ids.calA]: DEFAULT_ORGANISATION_ID, [ids.calB]: orgB });
    expect(Object.fromEntries(policies.map((r) => [r.id, [r.organisation_id, r.calendar_id]]))).toEqual({ [ids.polA]: [DEFAULT_ORGANISATION_ID, ids.calA], [ids.polB]: [orgB, ids.calB] });
  });

  it('cannot name another organisation, in a body or a query', async () => {
    const before = await snapshot();
    const body = await call(adminB, 'POST', '/api/calendars', { ...calendarBody('Sneaky'), organisationId: DEFAULT_ORGANISATION_ID });
    expect(body.statusCode).toBe(400);
    expect(json(body).error.details.map((d: { path: string }) => d.path)).toContain('/body/organisationId');
    const policy = await call(adminB, 'POST', '/api/sla-policies', { ...policyBody('Sneaky'), organisationId: DEFAULT_ORGANISATION_ID });
    expect(policy.statusCode).toBe(400);
    const query = await call(adminB, 'GET', `/api/calendars?organisationId=${DEFAULT_ORGANISATION_ID}`);
    expect(query.statusCode).toBe(400);
    expect(json(query).error.details.map((d: { path: string }) => d.path)).toContain('/querystring/organisationId');
    expect((await call(adminB, 'GET', `/api/sla-policies?organisationId=${DEFAULT_ORGANISATION_ID}`)).statusCode).toBe(400);
    expect(await snapshot()).toEqual(before);
  });

  it('a policy cannot use another organisation’s calendar', async () => {
    const before = await snapshot();
    const create = await call(adminB, 'POST', '/api/sla-policies', policyBody('Borrowed', { calendarId: ids.calA }));
    expect(create.statusCode).toBe(400);
    expect(json(create).error.details).toEqual([{ path: '/body/calendarId', message: '/body/calendarId: no such calendar in this organisation' }]);
    const replace = await call(adminB, 'PUT', `/api/sla-policies/${ids.polB}`, policyBody('Standard', { calendarId: ids.calA }));
    expect(replace.statusCode).toBe(400);
    expect(json(replace).error.details[0].path).toBe('/body/calendarId');
    expect(await snapshot()).toEqual(before);
  });

  it('lists show only the organisation’s own rows (to every role that may read them)', async () => {
    const names = async (p: TestPrincipal, url: string, key: 'calendars' | 'policies') =>
      (json(await call(p, 'GET', url))[key] as { id: string; organisationId: string }[]).map((r) => [r.id, r.organisationId]);
    expect(await names(adminA, '/api/calendars', 'calendars')).toEqual([[ids.calA, DEFAULT_ORGANISATION_ID]]);
    expect(await names(adminB, '/api/calendars', 'calendars')).toEqual([[ids.calB, orgB]]);
    expect(await names(agentB, '/api/calendars', 'calendars')).toEqual([[ids.calB, orgB]]);
    expect(await names(adminA, '/api/sla-policies', 'policies')).toEqual([[ids.polA, DEFAULT_ORGANISATION_ID]]);
    expect(await names(adminB, '/api/sla-policies', 'policies')).toEqual([[ids.polB, orgB]]);
    expect(await names(agentB, '/api/sla-policies', 'policies')).toEqual([[ids.polB, orgB]]);
  });

  it('by-id reads, replacements and deletions of the other organisation’s rows are 404 and change nothing', async () => {
    const before = await snapshot();
    const cases: [TestPrincipal, string, string, unknown][] = [
      [adminB, 'calendars', ids.calA, calendarBody('Taken over')],
      [adminA, 'calendars', ids.calB, calendarBody('Taken over')],
      [adminB, 'sla-policies', ids.polA, policyBody('Taken over')],
      [adminA, 'sla-policies', ids.polB, policyBody('Taken over')],
    ];
    for (const [principal, collection, id, body] of cases) {
      const what = collection === 'calendars' ? 'calendar' : 'SLA policy';
      const expected = { statusCode: 404, code: 'FD_NOT_FOUND', message: `${what} "${id}" does not exist` };
      for (const [method, payload] of [['GET', undefined], ['PUT', body], ['DELETE', undefined]] as const) {
        const res = await call(principal, method, `/api/${collection}/${id}`, payload);
        expect({ method, collection, statusCode: res.statusCode, code: json(res).error?.code, message: json(res).error?.message }).toEqual({ method, collection, ...expected });
      }
      // Indistinguishable from an id that does not exist anywhere.
      const unknown = randomUUID();
      const missing = await call(principal, 'GET', `/api/${collection}/${unknown}`);
      expect([missing.statusCode, json(missing).error.message]).toEqual([404, `${what} "${unknown}" does not exist`]);
    }
    // An agent of B cannot read A's rows either.
    expect((await call(agentB, 'GET', `/api/calendars/${ids.calA}`)).statusCode).toBe(404);
    expect((await call(agentB, 'GET', `/api/sla-policies/${ids.polA}`)).statusCode).toBe(404);
    expect(await snapshot()).toEqual(before);

    // Their own rows still answer.
    expect(json(await call(adminB, 'GET', `/api/calendars/${ids.calB}`)).calendar.id).toBe(ids.calB);
    expect(json(await call(adminA, 'GET', `/api/sla-policies/${ids.polA}`)).policy.id).toBe(ids.polA);
  });
});

describe('audit of calendar and policy changes', () => {
  it('writes one entry per change, in the caller’s organisation, with only what changed; failures write none', async () => {
    const start = (await slaAudit()).length;
    const newEntries = async () => (await slaAudit()).slice(start);

    const cal = json(await call(adminB, 'POST', '/api/calendars', calendarBody('Audited')));
    const calId: string = cal.calendar.id;
    expect((await call(adminB, 'PUT', `/api/calendars/${calId}`, { ...calendarBody('Audited'), holidays: ['2025-12-25', '2025-12-26'] })).statusCode).toBe(200);
    expect((await call(adminB, 'PUT', `/api/calendars/${calId}`, { ...calendarBody('Audited'), holidays: ['2025-12-25', '2025-12-26'] })).statusCode).toBe(200); // no change: no entry
    expect((await call(adminB, 'PUT', `/api/calendars/${calId}`, calendarBody('Office'))).statusCode).toBe(409); // name taken: no entry

    const pol = json(await call(adminB, 'POST', '/api/sla-policies', policyBody('Audited', { calendarId: calId })));
    const polId: string = pol.policy.id;
    expect((await call(adminB, 'DELETE', `/api/calendars/${calId}`)).statusCode).toBe(409); // in use: no entry
    expect((await call(adminB, 'PUT', `/api/sla-policies/${polId}`, policyBody('Audited', { calendarId: null, active: false }))).statusCode).toBe(200);
    expect((await call(adminB, 'DELETE', `/api/sla-policies/${polId}`)).statusCode).toBe(204);
    expect((await call(adminB, 'DELETE', `/api/calendars/${calId}`)).statusCode).toBe(204);

    const entries = await newEntries();
    expect(entries.map((e) => [e.action, e.target_type, e.target_id])).toEqual([
      ['sla.calendar.created', 'calendar', calId],
      ['sla.calendar.updated', 'calendar', calId],
      ['sla.policy.created', 'sla_policy', polId],
      ['sla.policy.updated', 'sla_policy', polId],
      ['sla.policy.deleted', 'sla_policy', polId],
      ['sla.calendar.deleted', 'calendar', calId],
    ]);
    for (const e of entries) expect([e.organisation_id, e.actor_type]).toEqual([orgB, 'token']);
    const details = entries.map((e) => e.details as Record<string, unknown>);
    expect(details[0]).toMatchObject({ after: { name: 'Audited', timezone: 'Europe/Berlin', holidays: ['2025-12-25'], weeklyHours: { mon: day } } });
    expect(details[0]).not.toHaveProperty('before');
    expect(details[1]).toMatchObject({ before: { holidays: ['2025-12-25'] }, after: { holidays: ['2025-12-25', '2025-12-26'] } });
    expect(Object.keys(details[1]!.after as object)).toEqual(['holidays']);
    expect(details[2]).toMatchObject({ after: { name: 'Audited', calendarId: calId, active: true, position: 0, targets: { normal: { firstResponseMinutes: 60, resolutionMinutes: 480 } }, pauseStatuses: ['waiting_customer', 'on_hold'], conditions: null } });
    expect(details[3]).toEqual(expect.objectContaining({ before: { calendarId: calId, active: true }, after: { calendarId: null, active: false } }));
    expect(details[4]).toMatchObject({ before: { name: 'Audited', active: false } });
    expect(details[5]).toMatchObject({ before: { name: 'Audited', holidays: ['2025-12-25', '2025-12-26'] } });
    expect(await verifyAuditChain(h.tdb.db)).toMatchObject({ ok: true, problems: [] });
  });

  it('the entry commits with the change: while the audit chain is locked, the new calendar is not visible either', async () => {
    let release!: () => void;
    let taken!: () => void;
    const lockTaken = new Promise<void>((resolve) => (taken = resolve));
    const holder = h.tdb.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${sql.lit(AUDIT_LOCK_KEY.toString())}::bigint)`.execute(trx);
      taken();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await lockTaken;
    const pending = call(adminB, 'POST', '/api/calendars', calendarBody('Atomic'));
    try {
      // The request has inserted its calendar and now waits for the audit lock in the same transaction.
      await waitFor('the create to wait for the audit lock', async () => {
        // A bigint advisory key shows in pg_locks as classid (high 32 bits) and objid (low 32 bits).
        const waiting = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_locks
          WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND classid = ${String(AUDIT_LOCK_KEY >> 32n)}::oid AND objid = ${String(AUDIT_LOCK_KEY & 0xffffffffn)}::oid AND objsubid = 1`.execute(h.tdb.db);
        return waiting.rows[0]!.n > 0;
      });
      expect(await h.tdb.db.selectFrom('calendars').select('id').where('name', '=', 'Atomic').execute()).toEqual([]);
    } finally {
      release();
      await holder;
    }
    const res = await pending;
    expect(res.statusCode).toBe(201);
    const entry = (await slaAudit()).at(-1)!;
    expect([entry.action, entry.target_id]).toEqual(['sla.calendar.created', json(res).calendar.id]);
    expect(await verifyAuditChain(h.tdb.db)).toMatchObject({ ok: true });
  });
});

describe('the SLA engine', () => {
  it('picks a ticket’s policy from the ticket’s organisation', async () => {
    const orgC = (await h.tdb.db.insertInto('organisations').values({ slug: 'org-c', name: 'Org C' }).returning('id').executeTakeFirstOrThrow()).id;
    const adminC = await createPrincipal(h.tdb.db, { role: 'admin', organisationId: orgC });
    // A catch-all policy tried first in A (position -10); B has its "Standard" policy; C has none.
    const polA = json(await call(adminA, 'POST', '/api/sla-policies', policyBody('Catch-all A', { position: -10 })));
    expect(polA.policy.organisationId).toBe(DEFAULT_ORGANISATION_ID);
    const polB = (json(await call(adminB, 'GET', '/api/sla-policies')).policies as { id: string; name: string }[]).find((p) => p.name === 'Standard')!;

    const ticketIn = async (p: TestPrincipal) => {
      const res = await call(p, 'POST', '/api/tickets', { subject: 'Where is my order?', priority: 'normal' });
      expect(res.statusCode).toBe(201);
      return json(res).ticket.id as string;
    };
    const slaOf = async (p: TestPrincipal, ticketId: string) => json(await call(p, 'GET', `/api/tickets/${ticketId}/sla`)).sla;

    const tA = await ticketIn(adminA);
    const tB = await ticketIn(adminB);
    const tC = await ticketIn(adminC);
    expect((await slaOf(adminA, tA)).policy).toEqual({ id: polA.policy.id, name: 'Catch-all A' });
    expect((await slaOf(adminB, tB)).policy).toEqual({ id: polB.id, name: 'Standard' });
    // B's policy counts in B's calendar (New York), not A's.
    expect((await slaOf(adminB, tB)).calendar).toMatchObject({ timezone: 'America/New_York' });
    expect(await slaOf(adminC, tC)).toBeNull();
    const rows = await h.tdb.db.selectFrom('ticket_sla').select(['ticket_id', 'policy_id']).where('ticket_id', 'in', [tA, tB, tC]).execute();
    expect(Object.fromEntries(rows.map((r) => [r.ticket_id, r.policy_id]))).toEqual({ [tA]: polA.policy.id, [tB]: polB.id });
    // And another organisation's ticket SLA is a 404.
    expect((await call(adminA, 'GET', `/api/tickets/${tB}/sla`)).statusCode).toBe(404);
  });
});
