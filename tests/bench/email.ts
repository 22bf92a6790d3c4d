// Email intake mails per second, end to end (issue 4): the real SMTP intake (createSmtpIntake, the one
// `flowdesk start` runs) on 127.0.0.1 in front of a fresh database with two published workflows (email
// tickets start one that waits for the customer's reply; the API one does not match). A worker thread sends
// realistic MIME mail with nodemailer over `connections` pooled SMTP connections: text + HTML alternatives,
// signatures, 10 % with an attachment, 30 % replies to a mail of this run that was already accepted
// (In-Reply-To/References, "Re:" subject, quoted history). The intake parses and stores a mail (and starts
// or advances its run) before it answers 250, so the time runs from the first MAIL FROM until the database
// has been checked to hold every ticket, message and run: new tickets = mails answered "created", every
// reply answered "replied" and stored on its ticket, one run per ticket, and the run of every ticket that got
// a reply resumed to its end.
// Baselines in the same run, next to each level: pgbench single-row INSERT with as many clients as SMTP
// connections, and a bare smtp-server that reads and accepts the same mail (the protocol's own cost).
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { SMTPServer } from 'smtp-server';
import { envList, envNumber, ms, percentile, withFreshDatabase, type BenchRow } from './common.ts';
import type { Corpus } from './corpus.ts';
import { runLoad, type LoadResult, type SmtpJob } from './load.ts';
import { pgbenchInsertTps } from './pgbench.ts';
import { apiTriageWorkflow, emailWaitWorkflow, OUR_ADDRESS, publish, startStack } from './stack.ts';

const now = () => performance.timeOrigin + performance.now();

interface Counts {
  tickets: number;
  messages: number;
  runs: number;
  completed: number;
  without: number;
}

export async function benchEmail(adminUrl: string, corpus: Corpus, log: (line: string) => void): Promise<{ rows: BenchRow[]; notes: string[] }> {
  const levels = envList('BENCH_EMAIL_CONNECTIONS', [1, 4]);
  const mails = envNumber('BENCH_EMAIL_MAILS', 1000);
  const pgbenchSeconds = envNumber('BENCH_PGBENCH_SECONDS', 5);
  return withFreshDatabase(adminUrl, 'email', async (url) => {
    const stack = await startStack(url, { smtp: true });
    // The protocol alone: smtp-server with the intake's settings, reading each mail whole and answering 250.
    const bare = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      disableReverseLookup: true,
      logger: false,
      size: 25 * 1024 * 1024,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => callback(null, `2.0.0 Accepted (accepted ${Buffer.concat(chunks).length} bytes)`));
      },
    });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const barePort = (bare.server.address() as AddressInfo).port;
    const rows: BenchRow[] = [];
    const notes: string[] = [];
    try {
      const versionId = await publish(stack, emailWaitWorkflow());
      await publish(stack, apiTriageWorkflow());
      const counts = async (): Promise<Counts> => {
        const r = (
          await sql<Record<keyof Counts, string>>`
            SELECT (SELECT count(*) FROM tickets WHERE channel = 'email') AS tickets,
                   (SELECT count(*) FROM messages WHERE channel = 'email') AS messages,
                   (SELECT count(*) FROM runs WHERE workflow_version_id = ${versionId}) AS runs,
                   (SELECT count(*) FROM runs WHERE workflow_version_id = ${versionId} AND status = 'completed') AS completed,
                   (SELECT count(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.ticket_id = t.id)) AS without`.execute(stack.database.db)
        ).rows[0]!;
        return { tickets: Number(r.tickets), messages: Number(r.messages), runs: Number(r.runs), completed: Number(r.completed), without: Number(r.without) };
      };
      for (const [index, connections] of levels.entries()) {
        log(`  email: pgbench INSERT ${connections} client(s), ${pgbenchSeconds} s; ${mails} mails over ${connections} SMTP connection(s) to the intake, then to a bare smtp-server`);
        const pgbenchTps = await pgbenchInsertTps(url, connections, pgbenchSeconds);
        const job: SmtpJob = { kind: 'smtp', port: stack.intake!.port, to: OUR_ADDRESS, connections, count: mails, replyShare: 0.3, attachmentShare: 0.1, sentences: corpus.sentences, seed: 100 + index };
        const before = await counts();
        const elu = performance.eventLoopUtilization();
        const result = await runLoad(job);
        const busy = performance.eventLoopUtilization(elu).utilization;
        const expected = (c: Counts) => {
          const created = result.outcomes?.created ?? 0;
          return (
            c.tickets - before.tickets === created &&
            c.messages - before.messages === result.done &&
            c.runs - before.runs === created &&
            c.completed - before.completed === result.repliedThreads &&
            c.without === 0 &&
            (result.outcomes?.replied ?? 0) === result.replies
          );
        };
        // Stored before the 250, so this should hold at once; wait a little in case it does not, then fail loudly.
        let after = await counts();
        const giveUp = now() + 10_000;
        while (!expected(after) && now() < giveUp) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          after = await counts();
        }
        const verifiedAt = now();
        if (!expected(after)) {
          throw new Error(
            `email x${connections}: ${result.done} mails accepted (${JSON.stringify(result.outcomes)}, ${result.replies} sent as replies to ${result.repliedThreads} threads, failures ${JSON.stringify(result.failures)}) ` +
              `but the database has +${after.tickets - before.tickets} tickets, +${after.messages - before.messages} messages, +${after.runs - before.runs} runs, +${after.completed - before.completed} completed runs, ${after.without} tickets without a run`,
          );
        }
        if (Object.keys(result.failures).length > 0) notes.push(`email x${connections}: failures ${JSON.stringify(result.failures)}; first: ${result.firstFailure}`);
        const bareResult = await runLoad({ ...job, port: barePort });
        const rate = result.done / ((verifiedAt - result.startedAt) / 1000);
        const bareRate = perSecond(bareResult);
        log(`    ${rate.toFixed(0)} mails/s end to end (${JSON.stringify(result.outcomes)}), checked in the database; bare smtp-server ${bareRate.toFixed(0)} mails/s; pgbench ${pgbenchTps?.toFixed(0) ?? '-'} TPS`);
        rows.push({
          name: `email intake (SMTP -> ticket/reply + run), ${connections} connection(s)`,
          result:
            `${rate.toFixed(0)} mails/s (p50 ${ms(percentile(result.latenciesMs, 50))} ms, p99 ${ms(percentile(result.latenciesMs, 99))} ms; ` +
            `${result.outcomes?.created ?? 0} new tickets + ${result.outcomes?.replied ?? 0} threaded replies; server event loop ${(busy * 100).toFixed(0)} % busy${Object.keys(result.failures).length ? `; failures ${JSON.stringify(result.failures)}` : ''})`,
          pgbench: { label: pgbenchTps === null ? 'pgbench not found' : `${pgbenchTps.toFixed(0)} TPS, ${connections} client(s)`, ratio: pgbenchTps ? rate / pgbenchTps : null },
          raw: { label: `bare smtp-server: ${bareRate.toFixed(0)} mails/s (p50 ${ms(percentile(bareResult.latenciesMs, 50))} ms)`, ratio: rate / bareRate },
        });
      }
    } finally {
      await new Promise<void>((resolve) => bare.close(() => resolve()));
      await stack.close();
    }
    return { rows, notes };
  });
}

const perSecond = (r: LoadResult) => r.done / ((r.endedAt - r.startedAt) / 1000);
