// The email channel over real SMTP on loopback against a real Postgres and pg-boss: nodemailer sends to
// our intake listener; the outbound worker relays replies to a second smtp-server acting as the
// customer's MX. Threading headers, reply threading (In-Reply-To and subject token), quoted-history
// stripping, attachments, 552 for oversize, 5xx for malformed MIME, loop/auto-reply drops, idempotent
// redelivery, and a fast-check fuzz of the intake.
import fc from 'fast-check';
import { sql } from 'kysely';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import type { WorkflowDefinition } from '@flowdesk/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpIntake, devOutboxRoutes, intakeMessage, SmtpReject, type SmtpIntake } from '../src/channels/email/index.ts';
import { buildAdminApp, json, logger, publishViaApi, startHarness, type Harness, rowCounts } from './api-harness.ts';
import { waitFor } from './wait-for.ts';

let h: Harness;
let intake: SmtpIntake;
let mx: SMTPServer;
let client: Transporter;
const received: ParsedMail[] = [];
const OUR = 'support@desk.test';

beforeAll(async () => {
  // The customer's MX: a plain smtp-server that keeps what it receives.
  mx = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        received.push(mail);
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => mx.listen(0, '127.0.0.1', resolve));
  const mxPort = (mx.server.address() as AddressInfo).port;
  // Read by startWorkers (emailConfigFromEnv) in the harness.
  process.env.FLOWDESK_SMTP_URL = `smtp://127.0.0.1:${mxPort}?ignoreTLS=true`;
  process.env.FLOWDESK_EMAIL_DOMAIN = 'desk.test';
  process.env.FLOWDESK_EMAIL_FROM = OUR;
  h = await startHarness('email_channel', { workers: true });
  intake = await createSmtpIntake({ ctx: { db: h.tdb.db, runtime: h.runtime, logger }, host: '127.0.0.1', port: 0 });
  client = nodemailer.createTransport({ host: '127.0.0.1', port: intake.port, secure: false, ignoreTLS: true });
  // Every email ticket gets an automatic answer from a workflow, then waits for the customer.
  await publishViaApi(h.app, autoReplyWorkflow());
}, 60_000);

afterAll(async () => {
  client?.close();
  await intake?.close();
  await h?.close();
  await new Promise<void>((resolve) => (mx ? mx.close(() => resolve()) : resolve()));
  delete process.env.FLOWDESK_SMTP_URL;
});

function autoReplyWorkflow(): WorkflowDefinition {
  return {
    schemaVersion: 1,
    key: 'email-auto-reply',
    name: 'Email auto reply',
    nodes: [
      { id: 'start', kind: 'trigger', position: { x: 0, y: 0 }, params: { event: 'ticket.created', conditions: { all: [{ fact: 'ticket', path: '$.channel', operator: 'equal', value: 'email' }] } } },
      { id: 'act', kind: 'action', position: { x: 0, y: 60 }, params: { steps: [{ type: 'reply', body: 'Hello {{customer.name}}, we got ticket #{{ticket.number}}.' }] } },
      { id: 'wait', kind: 'wait', position: { x: 0, y: 120 }, params: { resumeOn: ['customer.replied'] } },
      { id: 'done', kind: 'end', position: { x: 0, y: 240 }, params: { status: 'resolved' } },
    ],
    edges: [
      { id: 'e0', source: 'start', target: 'act', outcome: 'next' },
      { id: 'e1', source: 'act', target: 'wait', outcome: 'done' },
      { id: 'e2', source: 'wait', target: 'done', outcome: 'resumed' },
    ],
  } as unknown as WorkflowDefinition;
}

async function send(mail: SendMailOptions): Promise<{ ok: true; response: string } | { ok: false; code: number; response: string }> {
  try {
    const info = await client.sendMail(mail);
    return { ok: true, response: String(info.response) };
  } catch (error) {
    const e = error as { responseCode?: number; response?: string; message: string };
    return { ok: false, code: e.responseCode ?? 0, response: e.response ?? e.message };
  }
}

const sendRaw = (raw: string | Buffer, from = 'x@example.com') => send({ envelope: { from, to: OUR }, raw });

const counts = () => rowCounts(h.tdb.db, ['tickets', 'messages', 'attachments', 'customers', 'outbound_emails']);

/** Waits until every email ticket has its workflow answer and the outbox is drained (counts stop moving). */
const settle = () =>
  waitFor('email tickets answered and outbox drained', async () => {
    const { rows } = await sql<{ unanswered: string; busy: string }>`
      select (select count(*) from tickets t where t.channel = 'email' and not exists (select 1 from messages m where m.ticket_id = t.id and m.author_type = 'system'))::text as unanswered,
             (select count(*) from outbound_emails where status in ('pending', 'queued'))::text as busy`.execute(h.tdb.db);
    return rows[0]!.unanswered === '0' && rows[0]!.busy === '0';
  }, 20_000);

const ticketByMessageId = (id: string) =>
  h.tdb.db.selectFrom('messages').innerJoin('tickets', 'tickets.id', 'messages.ticket_id').select(['tickets.id', 'tickets.number', 'tickets.subject', 'tickets.status', 'tickets.channel']).where('messages.email_message_id', '=', id).executeTakeFirst();
const thread = (ticketId: string) => h.tdb.db.selectFrom('messages').selectAll().where('ticket_id', '=', ticketId).orderBy('created_at').execute();
const mailTo = (address: string, n = 1) => waitFor(`${n} mail(s) to ${address}`, async () => (received.filter((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === address).length >= n ? received.filter((m) => !Array.isArray(m.to) && m.to?.value[0]?.address === address) : null), 20_000);

describe('mail in -> ticket -> workflow -> reply out, threaded', () => {
  it('creates a ticket, sends the workflow reply with threading headers, and threads the customer answer by In-Reply-To', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const first = await send({
      from: '"Maria Souza" <Maria.Souza@Example.com>',
      to: OUR,
      subject: 'Printer on floor 3 is jammed',
      messageId: '<m1.maria@example.com>',
      text: 'The printer shows error E42.',
      html: '<p>The printer shows error E42.</p><img src="cid:shot1">',
      attachments: [
        { filename: 'log.txt', content: 'paper jam at tray 2', contentType: 'text/plain' },
        { filename: 'shot.png', content: png, contentType: 'image/png', cid: 'shot1' },
      ],
    });
    expect(first.ok, JSON.stringify(first)).toBe(true);
    const ticket = (await ticketByMessageId('<m1.maria@example.com>'))!;
    expect(ticket).toMatchObject({ subject: 'Printer on floor 3 is jammed', channel: 'email' });
    const detail = json((await h.app.inject({ method: 'GET', url: `/api/tickets/${ticket.id}` })));
    expect(detail.customer).toMatchObject({ name: 'Maria Souza' });
    expect(detail.customer.identities).toMatchObject([{ kind: 'email', value: 'maria.souza@example.com' }]);
    const atts = await h.tdb.db.selectFrom('attachments').select(['filename', 'content_type', 'content_id', 'size_bytes']).orderBy('filename').execute();
    expect(atts).toEqual([
      { filename: 'log.txt', content_type: 'text/plain', content_id: null, size_bytes: 19 },
      { filename: 'shot.png', content_type: 'image/png', content_id: 'shot1', size_bytes: png.length },
    ]);

    // The workflow's reply goes out over SMTP to the customer's MX.
    const [out] = await mailTo('maria.souza@example.com');
    expect(out!.subject).toBe(`Re: Printer on floor 3 is jammed [#${ticket.number}]`);
    expect(out!.text).toContain(`we got ticket #${ticket.number}`);
    expect(out!.inReplyTo).toBe('<m1.maria@example.com>');
    expect(out!.references).toBe('<m1.maria@example.com>');
    expect(out!.messageId).toMatch(/^<[0-9a-f-]{36}@desk\.test>$/);
    expect(out!.headers.get('auto-submitted')).toBe('auto-replied');
    expect((out!.from as { value: { address: string }[] }).value[0]!.address).toBe(OUR);
    const agentMsg = (await thread(ticket.id)).find((m) => m.author_type === 'system')!;
    expect(agentMsg.email_message_id).toBe(out!.messageId);
    await waitFor('outbox row sent', async () => (await h.tdb.db.selectFrom('outbound_emails').select('status').where('message_id', '=', agentMsg.id).executeTakeFirst())?.status === 'sent');

    // The customer answers from her mail client: quoted history below the reply, threaded by In-Reply-To.
    const reply = await send({
      from: 'maria.souza@example.com',
      to: OUR,
      subject: `Re: ${out!.subject}`.replace(/\s*\[#\d+\]/, ''),
      messageId: '<m2.maria@example.com>',
      inReplyTo: out!.messageId,
      references: ['<m1.maria@example.com>', out!.messageId!],
      text: `It works again, thanks!\n\nOn Tue, 24 Nov 2026 at 10:00, Flowdesk Support <${OUR}> wrote:\n> Hello Maria Souza, we got ticket #${ticket.number}.\n> \n`,
    });
    expect(reply.ok, JSON.stringify(reply)).toBe(true);
    const msgs = await thread(ticket.id);
    expect(msgs.map((m) => m.author_type)).toEqual(['customer', 'system', 'customer']);
    expect(msgs[2]!.body_text).toBe('It works again, thanks!');
    expect(msgs[2]!.in_reply_to).toBe(out!.messageId);
    // The waiting run resumed on customer.replied and resolved the ticket.
    await waitFor('run resolved the ticket', async () => (await h.tdb.db.selectFrom('tickets').select('status').where('id', '=', ticket.id).executeTakeFirst())?.status === 'resolved');

    // An internal note is never mailed; an agent's public reply is, In-Reply-To her last mail, References the chain.
    expect((await h.app.inject({ method: 'POST', url: `/api/tickets/${ticket.id}/messages`, payload: { body: 'note to self', visibility: 'internal' } })).statusCode).toBe(201);
    expect((await h.app.inject({ method: 'POST', url: `/api/tickets/${ticket.id}/messages`, payload: { body: 'Glad it works. Closing.' } })).statusCode).toBe(201);
    await mailTo('maria.souza@example.com', 2);
    await settle();
    const mails = await mailTo('maria.souza@example.com', 2);
    expect(mails).toHaveLength(2);
    expect(mails[1]!.text).toContain('Glad it works.');
    expect(mails[1]!.inReplyTo).toBe('<m2.maria@example.com>');
    expect(mails[1]!.references).toEqual(['<m1.maria@example.com>', out!.messageId, '<m2.maria@example.com>']);
    expect(mails[1]!.subject).toBe(out!.subject);
  });

  it('a reply without threading headers lands on the ticket by its [#number] subject token (same customer only)', async () => {
    expect((await send({ from: 'ken@example.com', to: OUR, subject: 'VPN drops', messageId: '<k1@example.com>', text: 'VPN drops every hour' })).ok).toBe(true);
    const ticket = (await ticketByMessageId('<k1@example.com>'))!;
    const res = await send({ from: 'KEN@example.com', to: OUR, subject: `Re: VPN drops [#${ticket.number}]`, messageId: '<k2@example.com>', text: 'Still dropping.\n\n-----Original Message-----\nFrom: Support\nold stuff' });
    expect(res.ok).toBe(true);
    const msgs = await thread(ticket.id);
    expect(msgs.at(-1)).toMatchObject({ author_type: 'customer', body_text: 'Still dropping.', email_message_id: '<k2@example.com>' });
    // Someone else using the token does not get into Ken's ticket: a new ticket instead.
    expect((await send({ from: 'mallory@example.com', to: OUR, subject: `Re: VPN drops [#${ticket.number}]`, messageId: '<x1@example.com>', text: 'hi' })).ok).toBe(true);
    const other = (await ticketByMessageId('<x1@example.com>'))!;
    expect(other.id).not.toBe(ticket.id);
    expect(other.subject).toBe('VPN drops');
  });
});

describe('the recipient of replies', () => {
  it('is the address the customer last wrote from, not their first email identity', async () => {
    expect((await send({ from: 'lena@home.example', to: OUR, subject: 'Invoice copy', messageId: '<l1@home.example>', text: 'Please resend invoice 77.' })).ok).toBe(true);
    const ticket = (await ticketByMessageId('<l1@home.example>'))!;
    await mailTo('lena@home.example'); // the workflow's acknowledgement
    const customerId = json(await h.app.inject({ method: 'GET', url: `/api/tickets/${ticket.id}` })).customer.id;
    // Lena's work address is added to her customer record; she then writes from it on the same ticket.
    expect((await h.app.inject({ method: 'POST', url: `/api/customers/${customerId}/identities`, payload: { kind: 'email', value: 'lena@work.example' } })).statusCode).toBe(201);
    expect((await send({ from: 'lena@work.example', to: OUR, subject: `Re: Invoice copy [#${ticket.number}]`, messageId: '<l2@work.example>', text: 'Please send it to this address.' })).ok).toBe(true);
    expect((await h.app.inject({ method: 'POST', url: `/api/tickets/${ticket.id}/messages`, payload: { body: 'Sent again, see attachment.' } })).statusCode).toBe(201);
    const [mail] = await mailTo('lena@work.example');
    expect(mail!.text).toContain('Sent again');
    expect(mail!.inReplyTo).toBe('<l2@work.example>');
    expect(received.filter((m) => !Array.isArray(m.to) && m.to?.value[0]?.address === 'lena@home.example' && (m.text ?? '').includes('Sent again'))).toEqual([]);
  });
});

describe('bad and unwanted mail', () => {
  it('a 30 MB mail is refused with 552 and nothing is written', async () => {
    await settle();
    const before = await counts();
    const big = Buffer.alloc(30 * 1024 * 1024, 'a');
    const res = await send({ from: 'big@example.com', to: OUR, subject: 'huge', text: 'see attachment', attachments: [{ filename: 'big.txt', content: big, contentType: 'text/plain' }] });
    expect(res.ok).toBe(false);
    expect(res.ok === false && res.code).toBe(552);
    expect(await counts()).toEqual(before);
  }, 60_000);

  it('malformed MIME is refused with a 5xx and nothing is written', async () => {
    await settle();
    const before = await counts();
    const cases = [
      'this is not a mail at all\r\n\r\njust text',
      'From: a@example.com\r\nSubject: x\r\nContent-Type: multipart/mixed\r\n\r\n--nope\r\nbody\r\n',
      'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="abc"\r\n\r\nno boundary here\r\n',
      'Subject: no sender\r\n\r\nbody\r\n',
      'From: not-an-address\r\nSubject: x\r\n\r\nbody\r\n',
      ' continuation first\r\nFrom: a@example.com\r\n\r\nbody',
    ];
    for (const raw of cases) {
      const res = await sendRaw(raw);
      expect(res.ok, raw).toBe(false);
      if (!res.ok) expect(res.code, `${raw}: ${res.response}`).toBeGreaterThanOrEqual(550);
      if (!res.ok) expect(res.code).toBeLessThan(560);
    }
    expect(await counts()).toEqual(before);
  });

  it('auto-replies, bulk, list and our own mail are accepted but dropped: no ticket, no answer', async () => {
    await settle();
    const before = await counts();
    const drops: SendMailOptions[] = [
      { from: 'ooo@example.com', subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } },
      { from: 'bulk@example.com', subject: 'Newsletter', headers: { Precedence: 'bulk' } },
      { from: 'junk@example.com', subject: 'Junk', headers: { Precedence: 'junk' } },
      { from: 'ar@example.com', subject: 'Auto', headers: { 'X-Autoreply': 'yes' } },
      { from: 'ar2@example.com', subject: 'Auto', headers: { 'X-Autorespond': 'yes' } },
      { from: 'list@example.com', subject: 'List', headers: { 'List-Id': '<users.lists.example.com>' } },
      { from: OUR, subject: 'Loop' },
    ];
    for (const mail of drops) {
      const res = await send({ ...mail, to: OUR, text: 'auto' });
      expect(res.ok, JSON.stringify(mail)).toBe(true);
      expect(res.ok && res.response).toContain('not answered');
    }
    expect(await counts()).toEqual(before);
    // Auto-Submitted: no is a person.
    expect((await send({ from: 'human@example.com', to: OUR, subject: 'Hi', headers: { 'Auto-Submitted': 'no' }, messageId: '<h1@example.com>', text: 'hello' })).ok).toBe(true);
    expect(await ticketByMessageId('<h1@example.com>')).toBeDefined();
  });

  it('a redelivered Message-ID is accepted once', async () => {
    const mail = { from: 'dup@example.com', to: OUR, subject: 'Dup', messageId: '<dup1@example.com>', text: 'once' };
    expect((await send(mail)).ok).toBe(true);
    await settle();
    const after1 = await counts();
    const again = await send(mail);
    expect(again.ok && again.response).toContain('duplicate');
    expect(await counts()).toEqual(after1);
  });

  it('unwanted attachment types are not stored; the body says so', async () => {
    expect((await send({ from: 'exe@example.com', to: OUR, subject: 'exe', messageId: '<exe@example.com>', text: 'look', attachments: [{ filename: 'run.exe', content: Buffer.from('MZ'), contentType: 'application/x-msdownload' }] })).ok).toBe(true);
    const t = (await ticketByMessageId('<exe@example.com>'))!;
    const msgs = await thread(t.id);
    expect(msgs[0]!.body_text).toContain('"run.exe" (application/x-msdownload) not kept');
  });
});

describe('fuzz', () => {
  it('random header/body bytes never crash the intake and never surface a database error', async () => {
    const ctx = { db: h.tdb.db, runtime: h.runtime, logger };
    const headerName = fc.constantFrom('From', 'To', 'Subject', 'Message-ID', 'In-Reply-To', 'References', 'Content-Type', 'Content-Transfer-Encoding', 'Auto-Submitted', 'X-Junk');
    const headerValue = fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('a@example.com', '"Name" <n@example.com>', 'multipart/mixed; boundary=b', 'base64', 'quoted-printable', '[#1000]', '<id@x>', 'text/html; charset=utf-16'), fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b).toString('latin1')));
    const mail = fc.record({
      headers: fc.array(fc.tuple(headerName, headerValue), { maxLength: 8 }),
      from: fc.boolean(),
      body: fc.oneof(fc.string({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1'))),
    });
    await fc.assert(
      fc.asyncProperty(mail, async (m) => {
        const lines = [...(m.from ? ['From: fuzz@example.com'] : []), ...m.headers.map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, ' ')}`)];
        const raw = Buffer.from(`${lines.join('\r\n')}\r\n\r\n${m.body}`, 'latin1');
        try {
          await intakeMessage(ctx, raw, { email: { domain: 'desk.test', fromAddress: OUR, fromName: 'S', smtpUrl: undefined } });
        } catch (error) {
          // Only our own rejections (5xx with a reason); a database or parser crash would be something else.
          expect(error, String((error as Error)?.stack)).toBeInstanceOf(SmtpReject);
          expect([550, 552, 554]).toContain((error as SmtpReject).responseCode);
        }
      }),
      { numRuns: 150, seed: 4242 },
    );
    // And the listener still answers.
    expect((await send({ from: 'after@example.com', to: OUR, subject: 'after fuzz', text: 'ok' })).ok).toBe(true);
  }, 60_000);
});

describe('dev outbox', () => {
  it('GET /api/dev/outbox lists outbound mail with its raw source', async () => {
    const app = await buildAdminApp(h);
    await app.register(devOutboxRoutes, { prefix: '/api/dev/outbox', db: h.tdb.db });
    await app.ready();
    await settle();
    const res = await app.inject({ method: 'GET', url: '/api/dev/outbox?limit=50' });
    expect(res.statusCode, res.body).toBe(200);
    const emails = json(res).emails as { status: string; raw: string | null; subject: string }[];
    expect(emails.length).toBeGreaterThan(0);
    expect(emails.every((e) => e.status === 'sent'), JSON.stringify(emails.map((e) => e.status))).toBe(true);
    expect(emails.some((e) => e.raw?.includes('In-Reply-To: <'))).toBe(true);
    expect(emails.every((e) => e.raw?.includes('Auto-Submitted: auto-replied'))).toBe(true);
    await app.close();
  });
});
