// Search latency over 100k tickets (issue 4). A fresh, migrated database is seeded in SQL: customer-support
// sentences (corpus.ts) are loaded into a scratch table, then INSERT ... SELECT over generate_series builds
// the tickets (subject = one sentence, body = 2-5 sentences, varied status/priority/channel/tags/customer,
// created over the last year) and messages on about a third of them (customer replies, agent answers,
// internal notes), through the real schema: generated tsvector columns and GIN indexes are maintained as the
// rows go in. Then VACUUM ANALYZE. The seeding time is reported.
// ~200 varied queries (common, medium and rare words, two words, "phrases", or, -exclusions, and words that
// match nothing) go through GET /api/tickets/search over HTTP with the admin's bearer token, one at a time,
// from a worker thread. The baseline is the same queries' SQL: the route's own searchTickets() query run
// directly on one pooled connection (no HTTP, auth, validation or serialisation). Both passes run after an
// untimed warm-up pass of the SQL, so both see the same warm cache.
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { createDatabase } from '@flowdesk/server';
import { searchTickets } from '../../server/src/api/repos/tickets.repo.ts';
import { DEFAULT_ORGANISATION_ID } from '../../server/src/db/tables/ticketing.ts';
import { envNumber, ms, percentile, pick, prng, withFreshDatabase, type BenchRow } from './common.ts';
import type { Corpus } from './corpus.ts';
import { runLoad } from './load.ts';
import { apiTriageWorkflow, publish, startStack } from './stack.ts';

const STOP = new Set(
  'a about after again all also am an and any are as at be because been before being but by can could did do does doing for from get got had has have having he her here him his how i if in into is it its just me more most my no not now of off on once only or other our out over own same she should so some still such than that the their them then there these they this those through to too under until up very was we were what when where which while who why will with would you your yours'.split(' '),
);

/** Word frequencies of the corpus, most frequent first (lower case, letters only, 4+ characters, no stop words). */
function vocabulary(sentences: readonly string[]): string[] {
  const freq = new Map<string, number>();
  for (const s of sentences) {
    for (const w of s.toLowerCase().match(/[a-z]{4,}/g) ?? []) if (!STOP.has(w)) freq.set(w, (freq.get(w) ?? 0) + 1);
  }
  return [...freq.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([w]) => w);
}

export interface SearchQuerySpec {
  kind: string;
  q: string;
}

/** Deterministic, varied queries in the web-search syntax the route accepts. */
export function searchQueries(corpus: Corpus, total: number, seed: number): SearchQuerySpec[] {
  const rand = prng(seed);
  const words = vocabulary(corpus.sentences);
  const common = words.slice(0, 150);
  const medium = words.slice(150, 2000);
  const rare = words.slice(Math.max(2000, words.length - 3000));
  const wordsOf = (s: string) => (s.toLowerCase().match(/[a-z]{4,}/g) ?? []).filter((w) => !STOP.has(w));
  const mix: [string, number, () => string][] = [
    ['common word', 0.25, () => pick(rand, common)],
    ['medium word', 0.2, () => pick(rand, medium)],
    ['rare word', 0.15, () => pick(rand, rare)],
    [
      'two words',
      0.15,
      () => {
        for (;;) {
          const w = wordsOf(pick(rand, corpus.sentences));
          if (w.length >= 2) return `${w[0]} ${w[w.length - 1]}`;
        }
      },
    ],
    [
      'phrase',
      0.1,
      () => {
        for (;;) {
          const m = pick(rand, corpus.sentences).toLowerCase().match(/[a-z]{3,} [a-z]{3,}/);
          if (m) return `"${m[0]}"`;
        }
      },
    ],
    ['or', 0.05, () => `${pick(rand, medium)} or ${pick(rand, medium)}`],
    ['exclusion', 0.05, () => `${pick(rand, common)} -${pick(rand, common)}`],
    ['no match', 0.05, () => `zq${Math.floor(rand() * 1e6).toString(36)}x`],
  ];
  const queries: SearchQuerySpec[] = [];
  for (const [kind, share, make] of mix) {
    const n = Math.max(1, Math.round(total * share));
    for (let i = 0; i < n; i++) queries.push({ kind, q: make() });
  }
  // Interleave the kinds so that caches warm evenly across them.
  for (let i = queries.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [queries[i], queries[j]] = [queries[j]!, queries[i]!];
  }
  return queries.slice(0, total);
}

const now = () => performance.now();

/** Seeds tickets + messages in SQL; returns counts and the seconds each phase took. */
async function seed(url: string, corpus: Corpus, tickets: number, log: (line: string) => void) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const phases: Record<string, number> = {};
  const timed = async (name: string, text: string, values: unknown[] = []) => {
    const t0 = now();
    await client.query(text, values);
    phases[name] = (phases[name] ?? 0) + (now() - t0) / 1000;
  };
  try {
    await client.query('CREATE UNLOGGED TABLE bench_sentences (id serial PRIMARY KEY, text text NOT NULL)');
    for (let i = 0; i < corpus.sentences.length; i += 5000) {
      await timed('sentences', 'INSERT INTO bench_sentences (text) SELECT unnest($1::text[])', [corpus.sentences.slice(i, i + 5000)]);
    }
    await client.query('ANALYZE bench_sentences');
    await client.query('SELECT setseed(0.42)');
    const customers = Math.max(10, Math.round(tickets / 20));
    await timed(
      'customers',
      `WITH c AS (
         INSERT INTO customers (organisation_id, name) SELECT $1::uuid, 'Customer ' || g FROM generate_series(1, $2::int) g RETURNING id, name)
       INSERT INTO customer_identities (organisation_id, customer_id, kind, value)
       SELECT $1::uuid, c.id, 'email', lower(replace(c.name, ' ', '')) || '@example.com' FROM c`,
      [DEFAULT_ORGANISATION_ID, customers],
    );
    log(`  search: seeding ${tickets} tickets ...`);
    await timed(
      'tickets',
      `WITH cust AS (SELECT array_agg(id ORDER BY id) AS ids, count(*)::int AS n FROM customers),
            r AS (
              SELECT g,
                     1 + floor(random() * s.n)::int AS s1, 1 + floor(random() * s.n)::int AS s2, 1 + floor(random() * s.n)::int AS s3,
                     1 + floor(random() * s.n)::int AS s4, 1 + floor(random() * s.n)::int AS s5,
                     random() AS len, random() AS st, random() AS pr, random() AS ch, random() AS tg, random() AS cu, random() AS age
                FROM generate_series(1, $2::int) g, (SELECT count(*)::int AS n FROM bench_sentences) s)
       INSERT INTO tickets (organisation_id, subject, body, status, priority, channel, tags, customer_id, created_at, updated_at)
       SELECT $1::uuid,
              left(a.text, 120),
              b.text || ' ' || c.text
                || CASE WHEN r.len > 0.3 THEN ' ' || d.text ELSE '' END
                || CASE WHEN r.len > 0.7 THEN E'\\n\\n' || e.text ELSE '' END,
              (ARRAY['open','open','open','pending','waiting_customer','resolved','resolved','closed'])[1 + floor(r.st * 8)::int],
              (ARRAY['low','normal','normal','normal','high','urgent'])[1 + floor(r.pr * 6)::int],
              (ARRAY['email','email','email','api','portal','web_form','chat','phone'])[1 + floor(r.ch * 8)::int],
              CASE WHEN r.tg < 0.6 THEN '{}'::text[] WHEN r.tg < 0.85 THEN ARRAY['billing'] WHEN r.tg < 0.95 THEN ARRAY['vip','delivery'] ELSE ARRAY['refund'] END,
              cust.ids[1 + floor(r.cu * cust.n)::int],
              now() - r.age * interval '365 days',
              now() - r.age * interval '360 days'
         FROM r CROSS JOIN cust
         JOIN bench_sentences a ON a.id = r.s1 JOIN bench_sentences b ON b.id = r.s2 JOIN bench_sentences c ON c.id = r.s3
         JOIN bench_sentences d ON d.id = r.s4 JOIN bench_sentences e ON e.id = r.s5`,
      [DEFAULT_ORGANISATION_ID, tickets],
    );
    await timed(
      'messages',
      `WITH r AS (
         SELECT t.id, t.channel, t.created_at, k, random() AS v,
                1 + floor(random() * s.n)::int AS s1, 1 + floor(random() * s.n)::int AS s2
           FROM tickets t, generate_series(1, 2) k, (SELECT count(*)::int AS n FROM bench_sentences) s
          WHERE random() < 0.2)
       INSERT INTO messages (organisation_id, ticket_id, visibility, author_type, channel, body_text, created_at)
       SELECT $1::uuid, r.id,
              CASE WHEN r.v < 0.15 THEN 'internal' ELSE 'public' END,
              CASE WHEN r.v < 0.55 THEN 'agent' ELSE 'customer' END,
              r.channel,
              CASE WHEN r.v < 0.15 THEN 'Note: ' || a.text
                   WHEN r.v < 0.55 THEN 'Hello, thank you for contacting us. ' || a.text || E'\\n\\nKind regards,\\nSupport'
                   ELSE a.text || ' ' || b.text END,
              r.created_at + r.k * interval '3 hours'
         FROM r JOIN bench_sentences a ON a.id = r.s1 JOIN bench_sentences b ON b.id = r.s2`,
      [DEFAULT_ORGANISATION_ID],
    );
    await client.query('DROP TABLE bench_sentences');
    await timed('vacuum analyze', 'VACUUM ANALYZE tickets, messages, customers, customer_identities');
    const counts = (await client.query<{ tickets: string; messages: string; size: string }>(
      `SELECT (SELECT count(*) FROM tickets) AS tickets, (SELECT count(*) FROM messages) AS messages,
              pg_size_pretty(pg_total_relation_size('tickets') + pg_total_relation_size('messages')) AS size`,
    )).rows[0]!;
    return { tickets: Number(counts.tickets), messages: Number(counts.messages), size: counts.size, phases };
  } finally {
    await client.end();
  }
}

export async function benchSearch(adminUrl: string, corpus: Corpus, log: (line: string) => void): Promise<{ rows: BenchRow[]; notes: string[] }> {
  const ticketCount = envNumber('BENCH_SEARCH_TICKETS', 100_000);
  const queryCount = envNumber('BENCH_SEARCH_QUERIES', 200);
  const limit = envNumber('BENCH_SEARCH_LIMIT', 20);
  return withFreshDatabase(adminUrl, 'search', async (url) => {
    const stack = await startStack(url);
    const direct = createDatabase(url, { max: 1 });
    try {
      // A published workflow, as in a real installation (seeded tickets are written in SQL and start no run).
      await publish(stack, apiTriageWorkflow());
      const t0 = now();
      const seeded = await seed(url, corpus, ticketCount, log);
      const seedSeconds = (now() - t0) / 1000;
      const phases = Object.entries(seeded.phases).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ');
      log(`    seeded ${seeded.tickets} tickets + ${seeded.messages} messages (${seeded.size}) in ${seedSeconds.toFixed(1)} s (${phases})`);

      const queries = searchQueries(corpus, queryCount, 5);
      const scope = { kind: 'all' as const, organisationId: DEFAULT_ORGANISATION_ID };
      const hits: number[] = [];
      for (const { q } of queries) hits.push((await searchTickets(direct.db, scope, q, limit, 0)).length); // warm-up, untimed
      const sqlMs: number[] = [];
      for (const { q } of queries) {
        const start = now();
        await searchTickets(direct.db, scope, q, limit, 0);
        sqlMs.push(now() - start);
      }
      log(`  search: ${queries.length} queries over HTTP, one at a time`);
      const http = await runLoad({
        kind: 'http',
        port: stack.port,
        token: stack.token,
        concurrency: 1,
        // Untimed: the first few queries once more, so the connection, auth path and JIT are warm.
        warmup: 10,
        expectStatus: 200,
        requests: queries.map(({ q }) => ({ method: 'GET' as const, path: `/api/tickets/search?q=${encodeURIComponent(q)}&limit=${limit}` })),
      });
      if (http.done !== queries.length) throw new Error(`search: ${queries.length - http.done} queries failed: ${JSON.stringify(http.failures)}; first: ${http.firstFailure}`);
      const httpMs = http.latenciesMs;
      // Total matches of the slowest queries (how many rows the ranking had to look at), for the interpretation.
      const slowest = queries.map((query, i) => ({ ...query, http: httpMs[i]!, sql: sqlMs[i]! })).sort((a, b) => b.http - a.http).slice(0, 3);
      const notes: string[] = [];
      for (const s of slowest) {
        const total = await sql<{ n: string }>`
          SELECT count(*) AS n FROM (
            SELECT id FROM tickets WHERE search @@ websearch_to_tsquery('english', ${s.q})
            UNION SELECT ticket_id FROM messages WHERE search @@ websearch_to_tsquery('english', ${s.q})) x`.execute(direct.db);
        notes.push(`search: slow query ${JSON.stringify(s.q)} (${s.kind}): HTTP ${ms(s.http)} ms, SQL ${ms(s.sql)} ms, ${total.rows[0]!.n} matching tickets`);
      }
      const byKind = new Map<string, { http: number[]; sql: number[] }>();
      queries.forEach(({ kind }, i) => {
        const entry = byKind.get(kind) ?? { http: [], sql: [] };
        entry.http.push(httpMs[i]!);
        entry.sql.push(sqlMs[i]!);
        byKind.set(kind, entry);
      });
      notes.push(
        `search p95 by query kind (HTTP / SQL ms): ${[...byKind.entries()].map(([k, v]) => `${k} (${v.http.length}) ${ms(percentile(v.http, 95))} / ${ms(percentile(v.sql, 95))}`).join('; ')}`,
      );
      notes.push(`search: queries with at least one hit: ${hits.filter((h) => h > 0).length}/${queries.length}; more than one page (> ${limit} hits): ${hits.filter((h) => h > limit).length}`);
      const p = (values: number[]) => `p50 ${ms(percentile(values, 50))} ms, p95 ${ms(percentile(values, 95))} ms, p99 ${ms(percentile(values, 99))} ms`;
      const rows: BenchRow[] = [
        {
          name: `search seeding: ${seeded.tickets} tickets + ${seeded.messages} messages (SQL, GIN maintained)`,
          result: `${seedSeconds.toFixed(1)} s (${phases}; ${seeded.size})`,
        },
        {
          name: `search GET /api/tickets/search, ${queries.length} queries, limit ${limit}`,
          result: p(httpMs),
          raw: { label: `same SQL (searchTickets) on one connection: ${p(sqlMs)}`, ratio: percentile(httpMs, 95) / percentile(sqlMs, 95) },
        },
      ];
      return { rows, notes };
    } finally {
      await direct.close();
      await stack.close();
    }
  });
}
