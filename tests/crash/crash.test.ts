// Crash test: the same batch of runs is driven twice through real worker processes — once undisturbed,
// once while workers are killed with SIGKILL at random moments (and restarted) and Postgres itself is
// restarted mid-run. Every run must end, with the same history path and the same ticket, as without crashes:
// no event lost, no transition applied twice.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { PgBoss } from 'pg-boss';
import { createBoss, createDatabase, migrateToLatest, Runtime } from '@flowdesk/server';
import { startStandalonePostgres } from '@flowdesk/server/testing';
import type { RunSnapshot } from '@flowdesk/engine';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const flowdeskBin = path.join(repoRoot, 'server/bin/flowdesk.js');
const logDir = path.join(repoRoot, 'tests/.tmp');

const RUNS_PER_PHASE = Number(process.env.CRASH_RUNS ?? 60);
const WORKERS = 2;
// Chaos takes 60–125 s on a quiet machine (15–37 kills, seed-dependent); the limit leaves room for a loaded one.
const PHASE_TIMEOUT_MS = 240_000;
const seed = Number(process.env.CRASH_SEED ?? Date.now() % 100_000);

/** Small deterministic PRNG (mulberry32) so a failing chaos schedule can be replayed with CRASH_SEED. */
function prng(s: number) {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(seed);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Pg = Awaited<ReturnType<typeof startStandalonePostgres>>;
type Db = ReturnType<typeof createDatabase>;

interface RunPlan {
  label: string;
  priority: 'urgent' | 'normal';
  /** Votes the "managers" cast, in order, once the run waits at the approval. */
  votes: { approver: string; decision: 'approve' | 'reject' }[];
}

function plans(phase: string): RunPlan[] {
  return Array.from({ length: RUNS_PER_PHASE }, (_, i) => ({
    label: `${phase}-${i}`,
    priority: i % 2 === 0 ? 'urgent' : 'normal',
    votes:
      i % 3 === 0
        ? [{ approver: 'alice', decision: 'approve' }, { approver: 'carol', decision: 'reject' }]
        : [{ approver: 'alice', decision: 'approve' }, { approver: 'bob', decision: 'approve' }],
  }));
}

describe('durable runtime under crashes', () => {
  let pg: Pg;
  let database: Db;
  let boss: PgBoss;
  let runtime: Runtime;
  let sink: Server;
  const deliveries = new Map<string, number>();
  const logger = pino({ level: process.env.CRASH_LOG_LEVEL ?? 'error' });
  let versionId: string;

  beforeAll(async () => {
    mkdirSync(logDir, { recursive: true });
    sink = createServer((req, res) => {
      const key = String(req.headers['idempotency-key'] ?? 'none');
      deliveries.set(key, (deliveries.get(key) ?? 0) + 1);
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
    const sinkPort = (sink.address() as { port: number }).port;

    pg = await startStandalonePostgres({});
    database = createDatabase(pg.connectionString, { max: 6 });
    await migrateToLatest(database.db, logger);
    boss = await createBoss(pg.connectionString, logger);
    runtime = new Runtime({ db: database.db, pool: database.pool, boss, logger });

    const definition = JSON.parse(readFileSync(path.join(here, 'crash-workflow.json'), 'utf8'));
    for (const node of definition.nodes) {
      for (const step of node.params.steps ?? []) if (step.type === 'http') step.url = `http://127.0.0.1:${sinkPort}/hook`;
    }
    const workflow = await database.db
      .insertInto('workflows')
      .values({ key: definition.key, name: definition.name, draft: JSON.stringify(definition) })
      .returning('id')
      .executeTakeFirstOrThrow();
    const version = await database.db
      .insertInto('workflow_versions')
      .values({ workflow_id: workflow.id, version: 1, definition: JSON.stringify(definition), note: 'crash test' })
      .returning('id')
      .executeTakeFirstOrThrow();
    versionId = version.id;
    console.log(`[crash] seed ${seed} (replay with CRASH_SEED=${seed}), ${RUNS_PER_PHASE} runs per phase, ${WORKERS} worker processes`);
  }, 120_000);

  afterAll(async () => {
    await boss?.stop({ graceful: false }).catch(() => {});
    await database?.close().catch(() => {});
    await pg?.stop().catch(() => {});
    await new Promise((r) => sink?.close(r));
  });

  /** A worker process and whether it has started its workers (its "workers started" log line). */
  interface Worker {
    child: ChildProcess;
    ready: boolean;
  }

  function startWorker(index: number): Worker {
    const out = createWriteStream(path.join(logDir, `crash-worker-${index}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [flowdeskBin, 'worker', '--concurrency', '2'], {
      env: {
        ...process.env,
        DATABASE_URL: pg.connectionString,
        LOG_LEVEL: 'info',
        FLOWDESK_EFFECT_EXPIRE_SECONDS: '3',
        FLOWDESK_SUPERVISE_SECONDS: '1',
        FLOWDESK_POLL_SECONDS: '0.5',
        FLOWDESK_EFFECT_RETRY_LIMIT: '8',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    const worker: Worker = { child, ready: false };
    let seen = '';
    const watch = (chunk: Buffer) => {
      seen = (seen + chunk.toString()).slice(-4096);
      if (seen.includes('"workers started"')) {
        worker.ready = true;
        child.stdout?.off('data', watch);
      }
    };
    child.stdout?.on('data', watch);
    return worker;
  }

  /** Creates the tickets and runs of a phase and drives human votes until every run has ended. */
  async function runPhase(phase: string, chaos: boolean) {
    const plan = plans(phase);
    const runIds = new Map<string, RunPlan>();
    for (const p of plan) {
      const ticket = await database.db
        .insertInto('tickets')
        .values({ subject: p.label, body: 'crash test', priority: p.priority })
        .returning('id')
        .executeTakeFirstOrThrow();
      const { run } = await runtime.startRun({ workflowVersionId: versionId, ticketId: ticket.id });
      runIds.set(run.id, p);
    }

    const workers: Worker[] = Array.from({ length: WORKERS }, (_, i) => startWorker(i));
    let kills = 0;
    let pgRestarts = 0;
    let stopChaos = false;
    const chaosLoop = (async () => {
      if (!chaos) return;
      while (!stopChaos) {
        await sleep(1000 + random() * 2000);
        if (stopChaos) break;
        const i = Math.floor(random() * WORKERS);
        // Kill a worker while it works, not while it boots: on a loaded machine a start takes seconds, and
        // killing only starting workers would test nothing (and never finish).
        while (!workers[i]!.ready && !stopChaos) {
          // A worker that died while starting (Postgres was restarting) never becomes ready: start it again.
          const child = workers[i]!.child;
          if (child.exitCode !== null || child.signalCode !== null) workers[i] = startWorker(i);
          await sleep(100);
        }
        if (stopChaos) break;
        // A random moment of its work: up to 1.5 s after it started taking jobs (or after the last kill).
        await sleep(random() * 1500);
        if (stopChaos) break;
        workers[i]!.child.kill('SIGKILL');
        kills++;
        await sleep(100 + random() * 400);
        workers[i] = startWorker(i);
      }
    })();

    const started = Date.now();
    let completed = 0;
    while (Date.now() - started < PHASE_TIMEOUT_MS) {
      try {
        const runs = await database.db
          .selectFrom('runs')
          .select(['id', 'status', 'state', 'snapshot'])
          .where('id', 'in', [...runIds.keys()])
          .execute();
        completed = runs.filter((r) => r.status === 'completed').length;
        if (completed === runIds.size) break;
        if (chaos && pgRestarts === 0 && completed >= runIds.size * 0.3) {
          pgRestarts++;
          await pg.stop();
          await sleep(1000);
          await pg.start();
          continue;
        }
        for (const run of runs) {
          if (run.state !== 'approval') continue;
          const votes = (run.snapshot as RunSnapshot).context.votes.approval ?? {};
          const next = runIds.get(run.id)!.votes.find((v) => !(v.approver in votes));
          if (next) await runtime.sendEvent(run.id, { type: 'approval.vote', nodeId: 'approval', ...next });
        }
      } catch (error) {
        // Postgres restarting: the driver retries like any client would.
        logger.warn({ err: error }, 'driver retrying');
      }
      await sleep(150);
    }
    stopChaos = true;
    await chaosLoop;
    for (const w of workers) w.child.kill('SIGTERM');
    await sleep(300);
    console.log(`[crash] phase ${phase}: ${completed}/${runIds.size} completed in ${Date.now() - started} ms, ${kills} worker kills, ${pgRestarts} Postgres restarts`);
    return { runIds, completed, kills, pgRestarts };
  }

  /** What must be identical between an undisturbed run and a crashed one. */
  async function signature(runId: string) {
    const run = await database.db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
    const ticket = await database.db.selectFrom('tickets').selectAll().where('id', '=', run.ticket_id!).executeTakeFirstOrThrow();
    const history = await database.db.selectFrom('run_history').selectAll().where('run_id', '=', runId).orderBy('sequence').execute();
    return {
      status: run.status,
      state: run.state,
      endStatus: (run.snapshot as RunSnapshot).context.endStatus,
      ticket: { status: ticket.status, priority: ticket.priority, tags: ticket.tags, fields: ticket.fields },
      path: history.map((h) => `${(h.event as { type: string }).type}:${h.from_state ?? '-'}->${h.to_state}`),
      sequences: history.map((h) => h.sequence),
      eventKeys: history.map((h) => h.event_key).filter((k) => k !== null),
    };
  }

  it(
    `ends ${RUNS_PER_PHASE} runs identically with SIGKILLed workers and a Postgres restart`,
    async () => {
      const baseline = await runPhase('calm', false);
      expect(baseline.completed).toBe(RUNS_PER_PHASE);
      const chaos = await runPhase('chaos', true);
      expect(chaos.kills).toBeGreaterThan(0);
      expect(chaos.pgRestarts).toBe(1);
      // 0 lost events: every run reached its end.
      expect(chaos.completed).toBe(RUNS_PER_PHASE);

      const calmByIndex = [...baseline.runIds.entries()];
      const chaosByIndex = [...chaos.runIds.entries()];
      let approved = 0;
      for (let i = 0; i < RUNS_PER_PHASE; i++) {
        const calm = await signature(calmByIndex[i]![0]);
        const crashed = await signature(chaosByIndex[i]![0]);
        // 0 duplicated history rows: contiguous sequences, each event key once.
        expect(crashed.sequences).toEqual(crashed.path.map((_, n) => n + 1));
        expect(new Set(crashed.eventKeys).size).toBe(crashed.eventKeys.length);
        // Same final state and same path as without crashes.
        expect({ ...crashed, sequences: undefined, eventKeys: undefined }).toEqual({ ...calm, sequences: undefined, eventKeys: undefined });
        if (crashed.endStatus === 'resolved') approved++;
      }
      // The HTTP effect ran at least once per approved run, always under the same idempotency key.
      const chaosKeys = [...deliveries.keys()].filter((k) => chaosByIndex.some(([id]) => k.startsWith(id)));
      expect(chaosKeys.length).toBe(approved);
      const redelivered = chaosKeys.filter((k) => deliveries.get(k)! > 1).length;
      console.log(`[crash] ${approved} approved runs called the webhook; ${redelivered} of those deliveries were repeated (at-least-once, same key)`);
    },
    PHASE_TIMEOUT_MS * 2 + 60_000,
  );
});
