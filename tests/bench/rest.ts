// Tickets created per second through the REST API, each with its workflow run started (issue 4).
// A fresh database; the real server (stack.ts) on 127.0.0.1; two published workflows, one whose
// ticket.created trigger matches API tickets (-> an approval task) and one that does not (email only), so
// trigger selection is exercised. Clients in a worker thread POST /api/tickets over keep-alive HTTP with a
// bearer token, at each concurrency level for a fixed time; every response must be 201 with exactly one
// run, and afterwards the database must hold exactly one run of the API workflow per ticket created.
// Baselines in the same run, next to each level: pgbench single-row INSERT with as many clients as the
// server can use (min(concurrency, pool size)), and a trivial Fastify route on the same HTTP client
// (JSON body parsed, 201 returned: the HTTP + Fastify cost without Flowdesk).
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { envList, envNumber, ms, percentile, pick, prng, withFreshDatabase, type BenchRow } from './common.ts';
import type { Corpus } from './corpus.ts';
import { runLoad, type HttpRequestSpec, type LoadResult } from './load.ts';
import { pgbenchInsertTps } from './pgbench.ts';
import { apiTriageWorkflow, emailWaitWorkflow, POOL_SIZE, publish, startStack } from './stack.ts';

const TAGS = ['billing', 'vip', 'mobile', 'refund', 'delivery', 'login', 'urgent-customer', 'b2b'];
const PRIORITIES = ['low', 'normal', 'normal', 'normal', 'high'];

export function ticketBodies(corpus: Corpus, count: number, seed: number): HttpRequestSpec[] {
  const rand = prng(seed);
  return Array.from({ length: count }, () => {
    const customer = Math.floor(rand() * 300);
    const tags = TAGS.filter(() => rand() < 0.15);
    const body = {
      subject: pick(rand, corpus.sentences).slice(0, 120),
      body: Array.from({ length: 2 + Math.floor(rand() * 3) }, () => pick(rand, corpus.sentences)).join(' '),
      priority: pick(rand, PRIORITIES),
      tags,
      customer: { email: `customer${customer}@example.com`, name: `Customer ${customer}` },
    };
    return { method: 'POST' as const, path: '/api/tickets', body: JSON.stringify(body) };
  });
}

export interface RestLevel {
  concurrency: number;
  flowdesk: LoadResult;
  raw: LoadResult;
  pgbenchClients: number;
  pgbenchTps: number | null;
  ticketsCreated: number;
  runsStarted: number;
  /** Share of the time the server's event loop (this process's main thread) was busy during the timed run. */
  serverBusy: number;
}

const perSecond = (r: LoadResult) => r.done / ((r.endedAt - r.startedAt) / 1000);

export async function benchRest(adminUrl: string, corpus: Corpus, log: (line: string) => void): Promise<{ rows: BenchRow[]; levels: RestLevel[]; notes: string[] }> {
  const levels = envList('BENCH_REST_CONCURRENCY', [1, 8, 32]);
  const seconds = envNumber('BENCH_REST_SECONDS', 5);
  const requests = ticketBodies(corpus, 2000, 11);
  return withFreshDatabase(adminUrl, 'rest', async (url) => {
    const stack = await startStack(url);
    // A trivial Fastify route, same process, same client: the protocol's own cost.
    const raw = Fastify({ logger: false });
    raw.post('/api/tickets', async (request, reply) => reply.code(201).send({ ticket: { id: 'x', subject: (request.body as { subject: string }).subject }, runs: [{}] }));
    await raw.listen({ port: 0, host: '127.0.0.1' });
    const rawPort = (raw.server.address() as AddressInfo).port;
    const results: RestLevel[] = [];
    const notes: string[] = [];
    try {
      const versionId = await publish(stack, apiTriageWorkflow());
      await publish(stack, emailWaitWorkflow());
      const count = async () => {
        const row = await sql<{ tickets: string; runs: string; without: string }>`
          SELECT (SELECT count(*) FROM tickets) AS tickets,
                 (SELECT count(*) FROM runs WHERE workflow_version_id = ${versionId}) AS runs,
                 (SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.ticket_id = t.id)) AS without`.execute(stack.database.db);
        const r = row.rows[0]!;
        return { tickets: Number(r.tickets), runs: Number(r.runs), without: Number(r.without) };
      };
      for (const concurrency of levels) {
        const pgbenchClients = Math.min(concurrency, POOL_SIZE);
        log(`  REST: pgbench INSERT ${pgbenchClients} client(s), ${seconds} s; POST /api/tickets x${concurrency} for ${seconds} s; trivial Fastify route x${concurrency} for ${seconds} s`);
        const pgbenchTps = await pgbenchInsertTps(url, pgbenchClients, seconds);
        const before = await count();
        const warmup = 20;
        const elu = performance.eventLoopUtilization();
        const flowdesk = await runLoad({ kind: 'http', port: stack.port, token: stack.token, concurrency, seconds, warmup, requests, expectStatus: 201, expectRuns: 1 });
        const busy = performance.eventLoopUtilization(elu).utilization;
        const after = await count();
        const created = after.tickets - before.tickets;
        const started = after.runs - before.runs;
        // Every 201 (timed and warm-up) must be exactly one new ticket with exactly one run of the API workflow.
        const answered = flowdesk.done + flowdesk.warmupOk;
        if (created !== answered || started !== created || after.without !== 0) {
          throw new Error(`REST x${concurrency}: ${answered} tickets answered 201 but the database has ${created} new tickets, ${started} new runs of the API workflow, ${after.without} tickets without a run`);
        }
        if (Object.keys(flowdesk.failures).length > 0) notes.push(`REST x${concurrency}: failures ${JSON.stringify(flowdesk.failures)}; first: ${flowdesk.firstFailure}`);
        const rawResult = await runLoad({ kind: 'http', port: rawPort, concurrency, seconds, warmup, requests, expectStatus: 201 });
        results.push({ concurrency, flowdesk, raw: rawResult, pgbenchClients, pgbenchTps, ticketsCreated: created, runsStarted: started, serverBusy: busy });
        log(`    ${perSecond(flowdesk).toFixed(0)} tickets/s (p50 ${ms(percentile(flowdesk.latenciesMs, 50))} ms), ${created} tickets / ${started} runs checked; raw ${perSecond(rawResult).toFixed(0)} req/s; pgbench ${pgbenchTps?.toFixed(0) ?? '-'} TPS`);
      }
    } finally {
      await raw.close();
      await stack.close();
    }
    const rows: BenchRow[] = results.map((level) => {
      const rate = perSecond(level.flowdesk);
      const rawRate = perSecond(level.raw);
      const failures = Object.values(level.flowdesk.failures).reduce((a, b) => a + b, 0);
      return {
        name: `REST POST /api/tickets + workflow run started, ${level.concurrency} client(s)`,
        result: `${rate.toFixed(0)} tickets/s (p50 ${ms(percentile(level.flowdesk.latenciesMs, 50))} ms, p99 ${ms(percentile(level.flowdesk.latenciesMs, 99))} ms; ${level.ticketsCreated} tickets = ${level.runsStarted} runs; server event loop ${(level.serverBusy * 100).toFixed(0)} % busy${failures ? `; ${failures} failed` : ''})`,
        pgbench: { label: level.pgbenchTps === null ? 'pgbench not found' : `${level.pgbenchTps.toFixed(0)} TPS, ${level.pgbenchClients} client(s)`, ratio: level.pgbenchTps ? rate / level.pgbenchTps : null },
        raw: { label: `trivial Fastify route: ${rawRate.toFixed(0)} req/s (p50 ${ms(percentile(level.raw.latenciesMs, 50))} ms)`, ratio: rate / rawRate },
      };
    });
    return { rows, levels: results, notes };
  });
}

