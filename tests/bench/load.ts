// The load generators, run in a worker thread so the client's event loop is not the server's: HTTP over a
// keep-alive node:http agent (one socket per concurrent client), and SMTP with nodemailer (one pooled
// connection per concurrent sender). The main thread starts a job with runLoad() and gets latencies back.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { pick, prng } from './common.ts';

export interface HttpRequestSpec {
  method: 'GET' | 'POST';
  path: string;
  /** JSON text. */
  body?: string;
}

export interface HttpJob {
  kind: 'http';
  port: number;
  /** Sent as `Authorization: Bearer …` when set. */
  token?: string;
  concurrency: number;
  /** Run for this long, cycling through `requests`; without it, send each request once, in order. */
  seconds?: number;
  /** Untimed requests first (connections, JIT, caches). */
  warmup?: number;
  requests: HttpRequestSpec[];
  expectStatus: number;
  /** For POST /api/tickets: the number of runs each response must report. */
  expectRuns?: number;
}

export interface SmtpJob {
  kind: 'smtp';
  port: number;
  to: string;
  connections: number;
  count: number;
  /** Share of mails that answer an earlier (already accepted) mail of this job, threaded by In-Reply-To. */
  replyShare: number;
  /** Share of mails with an attachment. */
  attachmentShare: number;
  sentences: string[];
  seed: number;
}

export interface LoadResult {
  /** Timed operations that succeeded. */
  done: number;
  /** Warm-up operations that succeeded (not timed, but they wrote too). */
  warmupOk: number;
  /** Wall clock of the timed part, in ms since the epoch (performance.timeOrigin + now()). */
  startedAt: number;
  endedAt: number;
  latenciesMs: number[];
  /** Non-OK outcomes by kind ("status 500", "runs 0", "smtp 451"…), with the first message seen. */
  failures: Record<string, number>;
  firstFailure?: string;
  /** SMTP: the intake's outcome per accepted mail ("created", "replied", ...); "accepted" for a bare server. */
  outcomes?: Record<string, number>;
  /** SMTP: mails sent as replies, and distinct earlier mails they answered. */
  replies?: number;
  repliedThreads?: number;
}

export type LoadJob = HttpJob | SmtpJob;

/** Runs a job in a fresh worker thread and resolves with its result. */
export function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { flowdeskLoad: job } });
    let result: LoadResult | undefined;
    worker.once('message', (message: LoadResult) => (result = message));
    worker.once('error', reject);
    worker.once('exit', (code) => (result ? resolve(result) : reject(new Error(`load worker exited with code ${code} and no result`))));
  });
}

const now = () => performance.timeOrigin + performance.now();

function fail(result: LoadResult, kind: string, message: string) {
  result.failures[kind] = (result.failures[kind] ?? 0) + 1;
  result.firstFailure ??= `${kind}: ${message.slice(0, 300)}`;
}

async function httpLoad(job: HttpJob): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const result: LoadResult = { done: 0, warmupOk: 0, startedAt: 0, endedAt: 0, latenciesMs: [], failures: {} };
  const send = (spec: HttpRequestSpec) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (job.token) headers.authorization = `Bearer ${job.token}`;
      if (spec.body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(spec.body));
      }
      const req = http.request({ host: '127.0.0.1', port: job.port, method: spec.method, path: spec.path, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(spec.body);
    });
  const check = (res: { status: number; body: string }): boolean => {
    if (res.status !== job.expectStatus) {
      fail(result, `status ${res.status}`, res.body);
      return false;
    }
    if (job.expectRuns !== undefined) {
      const runs = (JSON.parse(res.body) as { runs?: unknown[] }).runs?.length ?? 0;
      if (runs !== job.expectRuns) {
        fail(result, `runs ${runs}`, res.body);
        return false;
      }
    }
    return true;
  };

  let next = 0;
  const warmup = job.warmup ?? 0;
  await Promise.all(
    Array.from({ length: Math.min(job.concurrency, Math.max(warmup, 1)) }, async () => {
      while (next < warmup) if (check(await send(job.requests[next++ % job.requests.length]!))) result.warmupOk++;
    }),
  );

  result.startedAt = now();
  if (job.seconds === undefined) {
    // Each request once, in order, `concurrency` at a time; latencies keep the requests' order.
    const latencies = new Array<number>(job.requests.length).fill(0);
    let index = 0;
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        while (index < job.requests.length) {
          const i = index++;
          const t0 = now();
          const res = await send(job.requests[i]!);
          latencies[i] = now() - t0;
          if (check(res)) result.done++;
        }
      }),
    );
    result.latenciesMs = latencies;
  } else {
    const deadline = result.startedAt + job.seconds * 1000;
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        while (now() < deadline) {
          const spec = job.requests[next++ % job.requests.length]!;
          const t0 = now();
          const res = await send(spec);
          result.latenciesMs.push(now() - t0);
          if (check(res)) result.done++;
        }
      }),
    );
  }
  result.endedAt = now();
  agent.destroy();
  return result;
}

const FIRST = ['Ana', 'Ben', 'Chloé', 'Dmitri', 'Emma', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jonas', 'Kofi', 'Lena', 'Mateo', 'Nora', 'Omar', 'Priya', 'Quentin', 'Rosa', 'Sven', 'Tara'];
const LAST = ['Silva', 'Novak', 'Müller', 'Okafor', 'Larsen', 'Haddad', 'Kim', 'Rossi', 'Dubois', 'Tanaka', 'Nguyen', 'Kowalski'];

interface SentMail {
  messageId: string;
  subject: string;
  from: { name: string; address: string };
  text: string;
}

/** Realistic customer mail: multipart/alternative text+HTML, signatures, sometimes an attachment; replies quote history. */
function composeMail(job: SmtpJob, rand: () => number, i: number, answer: SentMail | undefined): { mail: SendMailOptions; sent: SentMail } {
  const sentences = job.sentences;
  const paragraph = (n: number) => Array.from({ length: n }, () => pick(rand, sentences)).join(' ');
  const customer = Math.floor(rand() * 400);
  const from = answer?.from ?? { name: `${FIRST[customer % FIRST.length]} ${LAST[customer % LAST.length]}`, address: `customer${customer}@mail${customer % 17}.example` };
  const subject = answer ? `Re: ${answer.subject}` : pick(rand, sentences).slice(0, 90);
  const greeting = rand() < 0.7 ? 'Hello,\n\n' : 'Hi support team,\n\n';
  const body = `${greeting}${paragraph(1 + Math.floor(rand() * 3))}\n\n${paragraph(1 + Math.floor(rand() * 2))}\n\nBest regards,\n${from.name}\n--\nSent from my phone`;
  const quoted = answer ? `\n\nOn Mon, 23 Nov 2026 at 10:${String(i % 60).padStart(2, '0')}, Flowdesk Support <${job.to}> wrote:\n${answer.text.split('\n').map((l) => `> ${l}`).join('\n')}` : '';
  const text = body + quoted;
  const messageId = `<${randomUUID()}@mail${customer % 17}.example>`;
  const mail: SendMailOptions = {
    from: { name: from.name, address: from.address },
    to: job.to,
    subject,
    messageId,
    date: new Date(),
    text,
    ...(rand() < 0.5 ? { html: `<div>${text.split('\n\n').map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('')}</div>` } : {}),
    ...(answer ? { inReplyTo: answer.messageId, references: [answer.messageId] } : {}),
    ...(rand() < job.attachmentShare
      ? {
          attachments:
            rand() < 0.5
              ? [{ filename: 'screenshot.png', contentType: 'image/png', content: pngLike(rand, 4096 + Math.floor(rand() * 16384)) }]
              : [{ filename: 'error-log.txt', contentType: 'text/plain', content: Array.from({ length: 40 }, (_, k) => `2026-11-23T10:00:${String(k).padStart(2, '0')}Z ERROR ${pick(rand, sentences)}`).join('\n') }],
        }
      : {}),
  };
  return { mail, sent: { messageId, subject, from, text: body } };
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function pngLike(rand: () => number, size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = Math.floor(rand() * 256);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes);
  return bytes;
}

async function smtpLoad(job: SmtpJob): Promise<LoadResult> {
  const transport = nodemailer.createTransport({ pool: true, maxConnections: job.connections, maxMessages: Infinity, host: '127.0.0.1', port: job.port, secure: false, ignoreTLS: true });
  const rand = prng(job.seed);
  const result: LoadResult = { done: 0, warmupOk: 0, startedAt: 0, endedAt: 0, latenciesMs: [], failures: {}, outcomes: {}, replies: 0, repliedThreads: 0 };
  const accepted: SentMail[] = [];
  const answered = new Set<string>();
  let issued = 0;
  result.startedAt = now();
  await Promise.all(
    Array.from({ length: job.connections }, async () => {
      while (issued < job.count) {
        const i = issued++;
        // A reply answers a mail this job already got a 250 for, so it must thread onto that ticket.
        const answer = accepted.length > 0 && rand() < job.replyShare ? pick(rand, accepted) : undefined;
        const { mail, sent } = composeMail(job, rand, i, answer);
        const t0 = now();
        try {
          const info = await transport.sendMail(mail);
          result.latenciesMs.push(now() - t0);
          const outcome = /Accepted \((\w+)/.exec(String(info.response))?.[1] ?? 'accepted';
          result.outcomes![outcome] = (result.outcomes![outcome] ?? 0) + 1;
          result.done++;
          if (answer) {
            result.replies!++;
            answered.add(answer.messageId);
          } else accepted.push(sent);
        } catch (error) {
          const e = error as { responseCode?: number; message: string };
          fail(result, `smtp ${e.responseCode ?? 'error'}`, e.message);
        }
      }
    }),
  );
  result.endedAt = now();
  result.repliedThreads = answered.size;
  transport.close();
  return result;
}

if (!isMainThread && (workerData as { flowdeskLoad?: LoadJob } | null)?.flowdeskLoad) {
  const job = (workerData as { flowdeskLoad: LoadJob }).flowdeskLoad;
  const work = job.kind === 'http' ? httpLoad(job) : smtpLoad(job);
  work.then(
    (result) => parentPort!.postMessage(result),
    (error: unknown) => {
      throw error;
    },
  );
}
