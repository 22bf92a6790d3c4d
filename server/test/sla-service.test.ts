// The SLA engine on a real Postgres with real pg-boss job inserts and injected time (no worker runs in this
// file: timers are "delivered" by calling the handler with the job's data, read back from pgboss.job).
// Calendar: Europe/Berlin, Mon-Fri 09:00-17:00, Whit Monday 9 June 2025 off.
import { DateTime } from 'luxon';
import { sql } from 'kysely';
import { pino } from 'pino';
import type { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBoss, type RuntimeTuning } from '../src/runtime/index.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.ts';
import { DEFAULT_ORGANISATION_ID } from '../src/db/tables/ticketing.ts';
import { applySla, getTicketSla, handleSlaTimer, onTicketChanged, SLA_QUEUE, type SlaJobData, type SlaWorkerDeps } from '../src/sla/index.ts';

const logger = pino({ level: process.env.FLOWDESK_TEST_LOG_LEVEL ?? 'silent' });
const tuning: RuntimeTuning = { effectRetryLimit: 1, effectExpireSeconds: 5, effectTimeoutMs: 2000, pollingIntervalSeconds: 0.5, superviseIntervalSeconds: 2 };
const ZONE = 'Europe/Berlin';
const H = 3_600_000;
const berlin = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).toJSDate();
const inBerlin = (d: Date | null | undefined) => (d ? DateTime.fromJSDate(d, { zone: ZONE }).toFormat("ccc yyyy-MM-dd HH:mm") : null);

let tdb: TestDatabase;
let boss: PgBoss;
let calendarId: string;
let policyId: string;
/** Events "sent" to runs by the handler; this file has no runs, so the runtime is a recorder. */
const sent: { runId: string; name: string }[] = [];
let deps: SlaWorkerDeps;

beforeAll(async () => {
  tdb = await createTestDatabase('sla_service');
  boss = await createBoss(tdb.connectionString, logger, tuning);
  deps = {
    db: tdb.db,
    logger,
    sendEvent: async (runId, event) => {
      sent.push({ runId, name: (event as { name: string }).name });
      return { applied: true };
    },
  };
  const cal = await tdb.db
    .insertInto('calendars')
    .values({
      organisation_id: DEFAULT_ORGANISATION_ID,
      name: 'Berlin office',
      timezone: ZONE,
      weekly_hours: JSON.stringify({ mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']] }),
      holidays: ['2025-06-09'],
      created_at: new Date(),
      updated_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  calendarId = cal.id;
  const policy = await tdb.db
    .insertInto('sla_policies')
    .values({
      organisation_id: DEFAULT_ORGANISATION_ID,
      name: 'Standard',
      calendar_id: calendarId,
      position: 10,
      targets: JSON.stringify({
        normal: { firstResponseMinutes: 120, resolutionMinutes: 240 },
        urgent: { firstResponseMinutes: 30, resolutionMinutes: 60 },
        low: { resolutionMinutes: 2400 },
      }),
      created_at: new Date(),
      updated_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  policyId = policy.id;
}, 60_000);

afterAll(async () => {
  await boss?.stop({ graceful: false });
  await tdb?.drop();
});

async function newTicket(createdAt: Date, extra: { priority?: string; status?: string; tags?: string[] } = {}) {
  return tdb.db
    .insertInto('tickets')
    .values({ subject: 'Printer on fire', body: '', priority: extra.priority ?? 'normal', status: extra.status ?? 'open', tags: extra.tags ?? [], created_at: createdAt, updated_at: createdAt })
    .returning('id')
    .executeTakeFirstOrThrow();
}

async function jobs(ticketId: string) {
  const result = await sql<{ data: SlaJobData; start_after: Date }>`
    select data, start_after from pgboss.job where name = ${SLA_QUEUE} and data->>'ticketId' = ${ticketId} order by created_on, (data->>'version')::int, data->>'metric'`.execute(tdb.db);
  return result.rows;
}
const jobOf = async (ticketId: string, metric: string, version?: number) => {
  const all = (await jobs(ticketId)).filter((j) => j.data.metric === metric && (version === undefined || j.data.version === version));
  const job = all.at(-1);
  if (!job) throw new Error(`no ${metric} job v${version} for ${ticketId}`);
  return job;
};
const slaRow = (ticketId: string) => tdb.db.selectFrom('ticket_sla').selectAll().where('ticket_id', '=', ticketId).executeTakeFirstOrThrow();
const breaches = (ticketId: string) => tdb.db.selectFrom('sla_breaches').selectAll().where('ticket_id', '=', ticketId).execute();

async function change(ticketId: string, set: { status?: string; priority?: string; first_responded_at?: Date }, now: Date) {
  return tdb.db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('tickets').select(['status', 'priority']).where('id', '=', ticketId).executeTakeFirstOrThrow();
    await trx.updateTable('tickets').set({ ...set, updated_at: now }).where('id', '=', ticketId).execute();
    return onTicketChanged(trx, boss, ticketId, { previousStatus: before.status, previousPriority: before.priority }, now);
  });
}

describe('due times in business hours', () => {
  it('Friday 16:00 + 4 business hours with Monday a holiday is due Tuesday 12:00; timers are pg-boss jobs at the due times', async () => {
    const created = berlin('2025-06-06T16:00');
    const { id } = await newTicket(created);
    const row = await applySla(tdb.db, boss, id, created);
    expect(row?.policy_id).toBe(policyId);
    expect(inBerlin(row!.resolution_due_at)).toBe('Tue 2025-06-10 12:00');
    expect(inBerlin(row!.first_response_due_at)).toBe('Tue 2025-06-10 10:00');
    const scheduled = await jobs(id);
    expect(scheduled.map((j) => [j.data.metric, j.data.version, inBerlin(j.start_after)])).toEqual([
      ['first_response', 1, 'Tue 2025-06-10 10:00'],
      ['resolution', 1, 'Tue 2025-06-10 12:00'],
    ]);
    // Calling it again changes nothing: no new version, no new jobs.
    const again = await applySla(tdb.db, boss, id, berlin('2025-06-06T16:05'));
    expect(again?.version).toBe(1);
    expect(await jobs(id)).toHaveLength(2);
  });

  it('a rolled-back transaction leaves neither SLA state nor timers', async () => {
    const created = berlin('2025-06-06T16:00');
    const { id } = await newTicket(created);
    await expect(
      tdb.db.transaction().execute(async (trx) => {
        await applySla(trx, boss, id, created);
        throw new Error('ticket creation failed later');
      }),
    ).rejects.toThrow('ticket creation failed later');
    expect(await tdb.db.selectFrom('ticket_sla').select('ticket_id').where('ticket_id', '=', id).executeTakeFirst()).toBeUndefined();
    expect(await jobs(id)).toHaveLength(0);
  });

  it('a priority without targets gets no timers for the missing metric; no active policy means no SLA', async () => {
    const low = await newTicket(berlin('2025-06-16T09:00'), { priority: 'low' });
    const row = await applySla(tdb.db, boss, low.id, berlin('2025-06-16T09:00'));
    expect(row?.first_response_due_at).toBeNull();
    expect(inBerlin(row!.resolution_due_at)).toBe('Fri 2025-06-20 17:00'); // 2400 min = 40 h = one working week
    expect((await jobs(low.id)).map((j) => j.data.metric)).toEqual(['resolution']);

    const org = await tdb.db.insertInto('organisations').values({ slug: 'no-sla', name: 'No SLA', created_at: new Date() }).returning('id').executeTakeFirstOrThrow();
    const other = await tdb.db.insertInto('tickets').values({ subject: 'x', body: '', organisation_id: org.id, created_at: new Date(), updated_at: new Date() }).returning('id').executeTakeFirstOrThrow();
    expect(await applySla(tdb.db, boss, other.id, new Date())).toBeNull();
    expect(await getTicketSla(tdb.db, other.id, new Date())).toBeNull();
  });

  it('the first active policy whose conditions match wins', async () => {
    const vip = await tdb.db
      .insertInto('sla_policies')
      .values({
        organisation_id: DEFAULT_ORGANISATION_ID,
        name: 'VIP',
        calendar_id: null,
        position: 0,
        targets: JSON.stringify({ normal: { firstResponseMinutes: 15, resolutionMinutes: 60 } }),
        conditions: JSON.stringify({ tagsAny: ['vip'] }),
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    try {
      const created = berlin('2025-06-07T10:00'); // Saturday: the VIP policy has no calendar, so clocks run 24/7
      const { id } = await newTicket(created, { tags: ['vip'] });
      const row = await applySla(tdb.db, boss, id, created);
      expect(row?.policy_id).toBe(vip.id);
      expect(inBerlin(row!.resolution_due_at)).toBe('Sat 2025-06-07 11:00');
      const plain = await newTicket(created);
      expect((await applySla(tdb.db, boss, plain.id, created))?.policy_id).toBe(policyId);
    } finally {
      await tdb.db.updateTable('sla_policies').set({ active: false }).where('id', '=', vip.id).execute();
    }
  });
});

describe('changes', () => {
  it('a priority change to urgent recomputes the due times; the old timer is ignored when it fires', async () => {
    const created = berlin('2025-06-06T16:00');
    const { id } = await newTicket(created);
    await applySla(tdb.db, boss, id, created);
    const oldTimer = await jobOf(id, 'resolution', 1);

    const row = await change(id, { priority: 'urgent' }, berlin('2025-06-06T16:10'));
    expect(row?.version).toBe(2);
    expect(inBerlin(row!.first_response_due_at)).toBe('Fri 2025-06-06 16:30');
    expect(inBerlin(row!.resolution_due_at)).toBe('Fri 2025-06-06 17:00');
    const newTimer = await jobOf(id, 'resolution', 2);
    expect(inBerlin(newTimer.start_after)).toBe('Fri 2025-06-06 17:00');

    // The new timer fires at Friday 17:00: breach recorded at the due time, not the wall clock.
    const fired = await handleSlaTimer(deps, newTimer.data);
    expect(fired).toMatchObject({ breached: true, recorded: true });
    // The old one fires on Tuesday: stale.
    const stale = await handleSlaTimer(deps, oldTimer.data);
    expect(stale).toMatchObject({ breached: false, recorded: false });
    expect(stale.ignoredReason).toMatch(/stale timer/);
    const recorded = await breaches(id);
    expect(recorded.map((b) => [b.metric, inBerlin(b.breached_at), b.policy_id])).toEqual([['resolution', 'Fri 2025-06-06 17:00', policyId]]);
    expect(inBerlin((await slaRow(id)).resolution_breached_at)).toBe('Fri 2025-06-06 17:00');
  });

  it('waiting_customer pauses: no breach while paused, and the due time moves out by the paused business time', async () => {
    const created = berlin('2025-06-16T09:00'); // Monday
    const { id } = await newTicket(created);
    const first = await applySla(tdb.db, boss, id, created);
    expect(inBerlin(first!.resolution_due_at)).toBe('Mon 2025-06-16 13:00');
    const beforePause = await jobOf(id, 'resolution', 1);

    const paused = await change(id, { status: 'waiting_customer' }, berlin('2025-06-16T10:00'));
    expect(inBerlin(paused!.paused_since)).toBe('Mon 2025-06-16 10:00');
    expect(paused!.version).toBe(2);
    expect((await jobs(id)).filter((j) => j.data.version === 2)).toHaveLength(0); // nothing armed while paused

    // The pre-pause timer fires at 13:00 while paused: stale. Even a timer of the current version is refused.
    expect((await handleSlaTimer(deps, beforePause.data)).breached).toBe(false);
    const sameVersion = { ...beforePause.data, version: 2 };
    expect(await handleSlaTimer(deps, sameVersion)).toMatchObject({ breached: false, ignoredReason: 'the SLA clock is paused' });
    expect(await breaches(id)).toHaveLength(0);

    const view = await getTicketSla(tdb.db, id, berlin('2025-06-17T09:30'));
    expect(view?.paused).toBe(true);
    expect(view?.resolution.status).toBe('paused');
    expect(view?.resolution.remainingBusinessMs).toBe(3 * H); // frozen at the pause

    // The customer answers Tuesday 10:00: paused Mon 10-17 + Tue 9-10 = 8 business hours.
    const resumed = await change(id, { status: 'open' }, berlin('2025-06-17T10:00'));
    expect(resumed!.paused_since).toBeNull();
    expect(Number(resumed!.paused_ms)).toBe(8 * H);
    expect(inBerlin(resumed!.resolution_due_at)).toBe('Tue 2025-06-17 13:00');
    const rearmed = await jobOf(id, 'resolution', 3);
    expect(inBerlin(rearmed.start_after)).toBe('Tue 2025-06-17 13:00');
    const live = await getTicketSla(tdb.db, id, berlin('2025-06-17T12:00'));
    expect(live?.resolution).toMatchObject({ status: 'running', remainingBusinessMs: 1 * H });
  });

  it('a breach is recorded once even if the job is delivered twice, or twice at once', async () => {
    const created = berlin('2025-06-16T09:00');
    const { id } = await newTicket(created);
    await applySla(tdb.db, boss, id, created);
    const timer = await jobOf(id, 'first_response', 1);
    const [a, b] = await Promise.all([handleSlaTimer(deps, timer.data), handleSlaTimer(deps, timer.data)]);
    expect([a.recorded, b.recorded].sort()).toEqual([false, true]);
    const third = await handleSlaTimer(deps, timer.data);
    expect(third).toMatchObject({ breached: true, recorded: false });
    expect((await breaches(id)).map((x) => x.metric)).toEqual(['first_response']);
    // The table is append-only.
    await expect(sql`update sla_breaches set metric = 'resolution' where ticket_id = ${id}`.execute(tdb.db)).rejects.toThrow(/append-only/);
    // A priority change later does not re-arm a breached metric.
    await change(id, { priority: 'urgent' }, berlin('2025-06-16T12:00'));
    expect((await jobs(id)).filter((j) => j.data.version === 2).map((j) => j.data.metric)).toEqual(['resolution']);
    const view = await getTicketSla(tdb.db, id, berlin('2025-06-16T12:00'));
    expect(view?.firstResponse.status).toBe('breached');
    expect(view?.breaches).toHaveLength(1);
  });

  it('first response and resolution are met; a reopened ticket does not count the time it spent resolved', async () => {
    const created = berlin('2025-06-16T09:00');
    const { id } = await newTicket(created);
    await applySla(tdb.db, boss, id, created);
    const frTimer = await jobOf(id, 'first_response', 1);

    const responded = await change(id, { first_responded_at: berlin('2025-06-16T09:30') }, berlin('2025-06-16T09:30'));
    expect(inBerlin(responded!.first_response_met_at)).toBe('Mon 2025-06-16 09:30');
    expect((await jobs(id)).filter((j) => j.data.version === 2).map((j) => j.data.metric)).toEqual(['resolution']);
    expect((await handleSlaTimer(deps, { ...frTimer.data, version: 2 })).ignoredReason).toMatch(/already met/);

    const resolved = await change(id, { status: 'resolved' }, berlin('2025-06-16T11:00'));
    expect(inBerlin(resolved!.resolution_met_at)).toBe('Mon 2025-06-16 11:00');
    expect((await jobs(id)).filter((j) => j.data.version === 3)).toHaveLength(0);
    const viewResolved = await getTicketSla(tdb.db, id, berlin('2025-06-16T12:00'));
    expect(viewResolved?.firstResponse.status).toBe('met');
    expect(viewResolved?.resolution.status).toBe('met');

    // Reopened Tuesday 09:00: Mon 11-17 = 6 business hours resolved; 2 h were used, 2 h remain -> Tue 11:00.
    const reopened = await change(id, { status: 'open' }, berlin('2025-06-17T09:00'));
    expect(reopened!.resolution_met_at).toBeNull();
    expect(Number(reopened!.paused_ms)).toBe(6 * H);
    expect(inBerlin(reopened!.resolution_due_at)).toBe('Tue 2025-06-17 11:00');
    expect(inBerlin((await jobOf(id, 'resolution', 4)).start_after)).toBe('Tue 2025-06-17 11:00');
  });

  it('a ticket created in a pause status starts paused; an irrelevant change writes nothing', async () => {
    const created = berlin('2025-06-16T09:00');
    const { id } = await newTicket(created, { status: 'on_hold' });
    const row = await applySla(tdb.db, boss, id, created);
    expect(inBerlin(row!.paused_since)).toBe('Mon 2025-06-16 09:00');
    expect(await jobs(id)).toHaveLength(0);
    const same = await change(id, { status: 'waiting_customer' }, berlin('2025-06-16T10:00'));
    expect(same!.version).toBe(row!.version);
    expect(inBerlin(same!.paused_since)).toBe('Mon 2025-06-16 09:00');
  });

  it('unknown tickets are a 404', async () => {
    await expect(applySla(tdb.db, boss, '00000000-0000-4000-8000-00000000dead', new Date())).rejects.toMatchObject({ statusCode: 404 });
  });
});
