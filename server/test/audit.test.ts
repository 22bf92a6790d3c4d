// The audit log: a hash chain that detects a changed, inserted or deleted row (as the database superuser,
// bypassing the append-only trigger), stays one valid chain under concurrent writers, refuses ordinary
// UPDATE/DELETE/TRUNCATE, and is readable and verifiable through the API and the CLI.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit, verifyAuditChain } from '../src/audit/index.ts';
import { DEFAULT_ORGANISATION_ID } from '../src/db/tables/ticketing.ts';
import { createPrincipal, json, startHarness, type Harness } from './api-harness.ts';

let h: Harness;
const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

beforeAll(async () => {
  h = await startHarness('audit');
}, 60_000);
afterAll(async () => {
  await h?.close();
});

const db = () => h.tdb.db;

/** Runs `work` with triggers off (session_replication_role = replica): what a superuser attacker can do. */
async function asSuperuser(work: string) {
  await db().transaction().execute(async (trx) => {
    await sql`SET LOCAL session_replication_role = replica`.execute(trx);
    await sql.raw(work).execute(trx);
  });
}

async function entries(n: number, prefix = 'test') {
  for (let i = 0; i < n; i++) {
    await recordAudit(db(), {
      organisationId: DEFAULT_ORGANISATION_ID,
      actor: { type: 'user', id: h.admin.userId },
      action: `${prefix}.action`,
      target: { type: 'thing', id: `t-${i}` },
      before: { value: i, nested: { b: 2, a: [1, 'x'] } },
      after: { value: i + 1, note: 'ünïcødé "quoted" \\ back' },
      ip: '192.0.2.1',
      userAgent: 'vitest',
    });
  }
}

async function maxSeq(): Promise<number> {
  const row = await db().selectFrom('audit_log').select(sql<string>`max(seq)`.as('m')).executeTakeFirstOrThrow();
  return Number(row.m ?? 0);
}

describe('hash chain', () => {
  it('verifies a fresh chain, with canonical hashing that survives the jsonb round trip', async () => {
    await entries(6);
    const result = await verifyAuditChain(db());
    expect(result).toEqual({ ok: true, checked: await maxSeq(), firstBadSeq: null, problems: [] });
  });

  // `bad`: where verification first notices (a moved seq leaves a gap, noticed at the row after it).
  const tamperings: { field: string; set: string; bad?: number }[] = [
    { field: 'at', set: `at = at + interval '1 second'` },
    { field: 'organisation_id', set: `organisation_id = (SELECT id FROM organisations WHERE slug = 'other-org')` },
    { field: 'actor_type', set: `actor_type = 'system'` },
    { field: 'actor_id', set: `actor_id = 'someone-else'` },
    { field: 'action', set: `action = 'innocent.action'` },
    { field: 'target_type', set: `target_type = 'other'` },
    { field: 'target_id', set: `target_id = NULL` },
    { field: 'details', set: `details = jsonb_set(details, '{after,value}', '999')` },
    { field: 'details_sha256', set: `details_sha256 = repeat('a', 64)` },
    { field: 'prev_hash', set: `prev_hash = repeat('b', 64)` },
    { field: 'hash', set: `hash = repeat('c', 64)` },
    { field: 'seq', set: `seq = seq + 1000`, bad: 4 },
    { field: 'redacted_at (a fake redaction)', set: `redacted_at = now(), details = '{"after":{"value":0}}'` },
  ];

  it.each(tamperings)('detects a change of $field with the right seq', async ({ field, set, bad }) => {
    await db().insertInto('organisations').values({ slug: 'other-org', name: 'Other' }).onConflict((oc) => oc.column('slug').doNothing()).execute();
    const target = 3;
    const original = await db().selectFrom('audit_log').selectAll().where('seq', '=', String(target)).executeTakeFirstOrThrow();
    await asSuperuser(`UPDATE audit_log SET ${set} WHERE seq = ${target}`);
    try {
      const result = await verifyAuditChain(db());
      expect(result.ok, field).toBe(false);
      expect(result.firstBadSeq, field).toBe(bad ?? target);
      expect(result.problems.length).toBeGreaterThan(0);
    } finally {
      // Put the row back exactly: the chain verifies again.
      await asSuperuser(`DELETE FROM audit_log WHERE hash = '${original.hash}' OR seq IN (${target}, ${target + 1000})`);
      await db().transaction().execute(async (trx) => {
        await sql`SET LOCAL session_replication_role = replica`.execute(trx);
        await trx.insertInto('audit_log').values({ ...original, details: JSON.stringify(original.details) } as never).execute();
      });
    }
    expect((await verifyAuditChain(db())).ok).toBe(true);
  });

  it('detects a deleted middle row (at the row after the gap)', async () => {
    const original = await db().selectFrom('audit_log').selectAll().where('seq', '=', '4').executeTakeFirstOrThrow();
    await asSuperuser('DELETE FROM audit_log WHERE seq = 4');
    const result = await verifyAuditChain(db());
    expect(result.ok).toBe(false);
    expect(result.firstBadSeq).toBe(5);
    expect(result.problems.map((p) => p.message).join('\n')).toMatch(/1 row\(s\) missing/);
    await db().transaction().execute(async (trx) => {
      await sql`SET LOCAL session_replication_role = replica`.execute(trx);
      await trx.insertInto('audit_log').values({ ...original, details: JSON.stringify(original.details) } as never).execute();
    });
    expect((await verifyAuditChain(db())).ok).toBe(true);
  });

  it('detects a deleted last-but-not-only row range and an inserted forged row', async () => {
    const last = await maxSeq();
    await asSuperuser(
      `INSERT INTO audit_log (seq, at, organisation_id, actor_type, actor_id, action, details, details_sha256, prev_hash, hash)
       SELECT ${last + 1}, now(), organisation_id, 'system', null, 'forged', '{}', repeat('d', 64), hash, repeat('e', 64) FROM audit_log WHERE seq = ${last}`,
    );
    const result = await verifyAuditChain(db());
    expect(result.firstBadSeq).toBe(last + 1);
    await asSuperuser(`DELETE FROM audit_log WHERE seq = ${last + 1}`);
    expect((await verifyAuditChain(db())).ok).toBe(true);
  });

  it('50 concurrent writers produce one valid, contiguous chain', async () => {
    const before = await maxSeq();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        recordAudit(db(), { organisationId: DEFAULT_ORGANISATION_ID, actor: { type: 'system', id: null }, action: 'concurrent.write', target: { type: 'n', id: String(i) } }),
      ),
    );
    const rows = await db().selectFrom('audit_log').select('seq').where('seq', '>', String(before)).orderBy('seq').execute();
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 50 }, (_, i) => before + 1 + i));
    const result = await verifyAuditChain(db());
    expect(result.ok).toBe(true);
    expect(result.checked).toBe(before + 50);
  });

  it('an entry written in a transaction that rolls back leaves no gap', async () => {
    await expect(
      db().transaction().execute(async (trx) => {
        await recordAudit(trx, { organisationId: DEFAULT_ORGANISATION_ID, actor: { type: 'system', id: null }, action: 'rolled.back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await entries(1, 'after-rollback');
    expect((await verifyAuditChain(db())).ok).toBe(true);
  });
});

describe('append-only trigger', () => {
  it('refuses UPDATE, DELETE and TRUNCATE', async () => {
    await expect(sql`UPDATE audit_log SET action = 'x' WHERE seq = 1`.execute(db())).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(sql`DELETE FROM audit_log WHERE seq = 1`.execute(db())).rejects.toThrow(/append-only: DELETE refused/);
    await expect(sql`TRUNCATE audit_log`.execute(db())).rejects.toThrow(/append-only: TRUNCATE refused/);
    // A redaction outside an erasure transaction is refused too, and so is one that touches a chained column.
    await expect(sql`UPDATE audit_log SET details = '{}', redacted_at = now() WHERE seq = 1`.execute(db())).rejects.toThrow(/append-only/);
    await expect(
      db().transaction().execute(async (trx) => {
        await sql`SELECT set_config('flowdesk.erasure', 'on', true)`.execute(trx);
        await sql`UPDATE audit_log SET details = '{}', redacted_at = now(), action = 'x' WHERE seq = 1`.execute(trx);
      }),
    ).rejects.toThrow(/append-only/);
    expect((await verifyAuditChain(db())).ok).toBe(true);
  });

  it('still refuses changes to run history outside erasure/retention (0009 replaced the function)', async () => {
    await expect(sql`DELETE FROM run_history`.execute(db())).resolves.toBeDefined(); // no rows: nothing to refuse
    await expect(sql`UPDATE workflow_versions SET note = 'x'`.execute(db())).resolves.toBeDefined();
  });
});

describe('routes', () => {
  it('GET /api/audit lists newest first with filters and a keyset cursor', async () => {
    const first = await h.app.inject({ method: 'GET', url: '/api/audit?limit=2&action=test.*' });
    expect(first.statusCode).toBe(200);
    const page1 = json(first);
    expect(page1.entries).toHaveLength(2);
    expect(page1.entries[0].seq).toBeGreaterThan(page1.entries[1].seq);
    expect(page1.entries[0]).toMatchObject({ action: 'test.action', actor: { type: 'user', id: h.admin.userId }, target: { type: 'thing' }, details: { ip: '192.0.2.1', userAgent: 'vitest' } });
    const second = json(await h.app.inject({ method: 'GET', url: `/api/audit?limit=2&action=test.*&cursor=${page1.nextCursor}` }));
    expect(second.entries[0].seq).toBeLessThan(page1.entries[1].seq);
    const byTarget = json(await h.app.inject({ method: 'GET', url: '/api/audit?targetType=thing&targetId=t-2&actorType=user' }));
    expect(byTarget.entries.length).toBeGreaterThan(0);
    expect(byTarget.entries.every((e: { target: { id: string } }) => e.target.id === 't-2')).toBe(true);
    const exact = json(await h.app.inject({ method: 'GET', url: '/api/audit?action=concurrent.write&limit=200' }));
    expect(exact.entries).toHaveLength(50);
  });

  it('rejects bad filters and forged cursors with a pointer', async () => {
    const bad = await h.app.inject({ method: 'GET', url: '/api/audit?actorType=robot' });
    expect(bad.statusCode).toBe(400);
    expect(json(bad).error.details[0].path).toBe('/querystring/actorType');
    const forged = await h.app.inject({ method: 'GET', url: '/api/audit?cursor=bm9wZQ' });
    expect(forged.statusCode).toBe(400);
    expect(json(forged).error.details[0].path).toBe('/querystring/cursor');
    const extra = await h.app.inject({ method: 'GET', url: '/api/audit?sort=asc' });
    expect(json(extra).error.details[0].path).toBe('/querystring/sort');
  });

  it('GET /api/audit/verify reports the chain; agents may not read the audit log', async () => {
    const ok = await h.app.inject({ method: 'GET', url: '/api/audit/verify' });
    expect(ok.statusCode).toBe(200);
    expect(json(ok)).toMatchObject({ ok: true, firstBadSeq: null, problems: [] });
    const agent = await createPrincipal(db(), { role: 'agent' });
    for (const url of ['/api/audit', '/api/audit/verify']) {
      const res = await h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${agent.token}` } });
      expect(res.statusCode).toBe(403);
    }
    const anonymous = await h.app.inject({ method: 'GET', url: '/api/audit', headers: { authorization: '' } });
    expect(anonymous.statusCode).toBe(401);
  });
});

describe('flowdesk audit verify', () => {
  const cli = (): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [path.join(serverDir, 'bin', 'flowdesk.js'), 'audit', 'verify'], { cwd: serverDir, timeout: 60_000, env: { ...process.env, DATABASE_URL: h.tdb.connectionString, LOG_LEVEL: 'silent' } }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });

  it('exits 0 on a valid chain and 1 with the first bad seq on a broken one', async () => {
    const good = await cli();
    expect(good.stderr).toBe('');
    expect(good.stdout).toMatch(/^audit chain ok: \d+ entries verified/);
    expect(good.code).toBe(0);
    await asSuperuser(`UPDATE audit_log SET action = 'hidden' WHERE seq = 2`);
    const bad = await cli();
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/first bad seq 2\b/);
    expect(bad.stdout).toMatch(/seq 2: hash does not match/);
  }, 120_000);
});
