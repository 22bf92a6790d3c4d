// GDPR access request: everything Flowdesk holds about a customer as one zip — customer.json (the
// customer and the customers merged into it, identities, portal accounts, tickets with every message
// including internal notes, SLA state and breaches, a summary of workflow runs, outbound emails, and the
// audit entries about them) plus attachments/<id>-<file name> with the original bytes.
//
// The zip is built with fflate: pure JavaScript (no native build, nothing to download at install), small,
// and its synchronous zipSync is enough here because an export is one customer's data, already loaded in
// memory from Postgres (attachments live in the database). Attachments are stored uncompressed (they
// usually are compressed formats already); the JSON is deflated.
import { strToU8, zipSync, type Zippable } from 'fflate';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { toAuditEntry } from '../api/routes/audit.ts';
import type { Database } from '../db/types.ts';
import { notFound } from '../errors.ts';

const iso = (d: Date | string | null | undefined) => (d === null || d === undefined ? null : new Date(d).toISOString());

export interface CustomerExport {
  zip: Uint8Array;
  filename: string;
  counts: { tickets: number; messages: number; attachments: number; auditEntries: number };
}

function safeName(name: string): string {
  const cleaned = name.normalize('NFKD').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '');
  return (cleaned || 'file').slice(0, 100);
}

export async function exportCustomer(db: Kysely<Database>, organisationId: string, customerId: string): Promise<CustomerExport> {
  const root = await db.selectFrom('customers').selectAll().where('id', '=', customerId).where('organisation_id', '=', organisationId).executeTakeFirst();
  if (!root) throw notFound('customer', customerId);
  const merged = await sql<{ id: string }>`
    WITH RECURSIVE m(id) AS (SELECT ${customerId}::uuid UNION SELECT c.id FROM customers c JOIN m ON c.merged_into = m.id)
    SELECT id::text FROM m`.execute(db);
  const customerIds = merged.rows.map((r) => r.id);

  const customers = await db.selectFrom('customers').selectAll().where('id', 'in', customerIds).orderBy('created_at').execute();
  const identities = await db.selectFrom('customer_identities').selectAll().where('customer_id', 'in', customerIds).orderBy('created_at').execute();
  const users = await db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'role', 'customer_id', 'disabled', 'totp_enabled', 'last_login_at', 'created_at'])
    .where('customer_id', 'in', customerIds)
    .execute();
  const tickets = await db.selectFrom('tickets').selectAll().where('customer_id', 'in', customerIds).orderBy('created_at').execute();
  const ticketIds = tickets.map((t) => t.id);
  const messages = await db
    .selectFrom('messages')
    .select(['id', 'ticket_id', 'visibility', 'author_type', 'author_customer_id', 'author_agent_id', 'channel', 'body_text', 'body_html', 'email_message_id', 'in_reply_to', 'created_at'])
    .where((eb) => eb.or([eb('author_customer_id', 'in', customerIds), ...(ticketIds.length ? [eb('ticket_id', 'in', ticketIds)] : [])]))
    .orderBy('created_at')
    .execute();
  const messageIds = messages.map((m) => m.id);
  const attachments = messageIds.length ? await db.selectFrom('attachments').selectAll().where('message_id', 'in', messageIds).orderBy('created_at').execute() : [];
  const slas = ticketIds.length ? await db.selectFrom('ticket_sla').selectAll().where('ticket_id', 'in', ticketIds).execute() : [];
  const breaches = ticketIds.length ? await db.selectFrom('sla_breaches').selectAll().where('ticket_id', 'in', ticketIds).execute() : [];
  const runs = ticketIds.length
    ? await db
        .selectFrom('runs as r')
        .innerJoin('workflow_versions as v', 'v.id', 'r.workflow_version_id')
        .innerJoin('workflows as w', 'w.id', 'v.workflow_id')
        .select(['r.id', 'r.ticket_id', 'r.status', 'r.state', 'r.created_at', 'r.completed_at', 'w.key as workflow_key', 'v.version'])
        .where('r.ticket_id', 'in', ticketIds)
        .orderBy('r.created_at')
        .execute()
    : [];
  const emails = ticketIds.length
    ? await db.selectFrom('outbound_emails').select(['id', 'ticket_id', 'message_id', 'status', 'to_address', 'subject', 'created_at', 'sent_at']).where('ticket_id', 'in', ticketIds).execute()
    : [];
  const linkIds = [...customerIds, ...ticketIds, ...users.map((u) => u.id)];
  const audit = await db
    .selectFrom('audit_log')
    .selectAll()
    .where('organisation_id', '=', organisationId)
    .where((eb) => eb.or([eb('target_id', 'in', linkIds), eb('actor_id', 'in', linkIds)]))
    .orderBy('seq')
    .execute();

  const files: Zippable = {};
  const attachmentPath = new Map<string, string>();
  for (const a of attachments) {
    const path = `attachments/${a.id}-${safeName(a.filename)}`;
    attachmentPath.set(a.id, path);
    files[path] = [new Uint8Array(a.content), { level: 0 }];
  }
  const byTicket = <T extends { ticket_id: string }>(rows: T[], id: string) => rows.filter((r) => r.ticket_id === id);
  const toMessage = (m: (typeof messages)[number]) => ({
    id: m.id,
    ticketId: m.ticket_id,
    visibility: m.visibility,
    authorType: m.author_type,
    authorCustomerId: m.author_customer_id,
    authorAgentId: m.author_agent_id,
    channel: m.channel,
    bodyText: m.body_text,
    bodyHtml: m.body_html,
    emailMessageId: m.email_message_id,
    inReplyTo: m.in_reply_to,
    createdAt: iso(m.created_at),
    attachments: attachments
      .filter((a) => a.message_id === m.id)
      .map((a) => ({ id: a.id, filename: a.filename, contentType: a.content_type, sizeBytes: a.size_bytes, sha256: a.sha256, file: attachmentPath.get(a.id) })),
  });
  const document = {
    format: 'flowdesk.customer-export.v1',
    exportedAt: new Date().toISOString(),
    customer: customers.map((c) => ({ id: c.id, name: c.name, language: c.language, mergedInto: c.merged_into, createdAt: iso(c.created_at), updatedAt: iso(c.updated_at), erasedAt: iso(c.erased_at) })),
    identities: identities.map((i) => ({ id: i.id, customerId: i.customer_id, kind: i.kind, value: i.value, verified: i.verified, createdAt: iso(i.created_at) })),
    portalAccounts: users.map((u) => ({ id: u.id, email: u.email, name: u.name, role: u.role, disabled: u.disabled, twoFactor: u.totp_enabled, lastLoginAt: iso(u.last_login_at), createdAt: iso(u.created_at) })),
    tickets: tickets.map((t) => ({
      id: t.id,
      number: Number(t.number),
      subject: t.subject,
      body: t.body,
      status: t.status,
      priority: t.priority,
      channel: t.channel,
      tags: t.tags,
      fields: t.fields,
      createdAt: iso(t.created_at),
      updatedAt: iso(t.updated_at),
      resolvedAt: iso(t.resolved_at),
      messages: byTicket(messages, t.id).map(toMessage),
      sla: slas.find((s) => s.ticket_id === t.id) ?? null,
      slaBreaches: byTicket(breaches, t.id),
      runs: byTicket(runs as (typeof runs[number] & { ticket_id: string })[], t.id).map((r) => ({
        id: r.id,
        workflow: r.workflow_key,
        version: r.version,
        status: r.status,
        state: r.state,
        createdAt: iso(r.created_at),
        completedAt: iso(r.completed_at),
      })),
      outboundEmails: byTicket(emails, t.id).map((e) => ({ id: e.id, messageId: e.message_id, status: e.status, to: e.to_address, subject: e.subject, createdAt: iso(e.created_at), sentAt: iso(e.sent_at) })),
    })),
    messagesOnOtherTickets: messages.filter((m) => !ticketIds.includes(m.ticket_id)).map(toMessage),
    auditEntries: audit.map(toAuditEntry),
  };
  files['customer.json'] = [strToU8(JSON.stringify(document, null, 2)), { level: 6 }];
  return {
    zip: zipSync(files),
    filename: `customer-${customerId}.zip`,
    counts: { tickets: tickets.length, messages: messages.length, attachments: attachments.length, auditEntries: audit.length },
  };
}
