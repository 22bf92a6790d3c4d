// Ticketing rows -> API objects. Only the fields the response schemas publish; dates as ISO strings.
import type { Agent, Customer, CustomerIdentity, KbArticle, Message } from '../db/tables/ticketing.ts';
import type { Ticket } from '../db/types.ts';
import type { StoredAttachment } from '../ticketing/index.ts';
import { iso } from './serialize.ts';
import type { CustomerDto, MessageDto, TicketFullDto } from './ticketing-schemas.ts';

const isoOrNull = (value: Date | string | null) => (value === null ? null : iso(value));

export function toTicketFull(row: Ticket): TicketFullDto {
  return {
    id: row.id,
    number: Number(row.number),
    subject: row.subject,
    body: row.body,
    status: row.status,
    priority: row.priority,
    channel: row.channel,
    fields: (row.fields ?? {}) as Record<string, unknown>,
    tags: row.tags,
    customerId: row.customer_id,
    assigneeAgentId: row.assignee_agent_id,
    teamId: row.team_id,
    firstRespondedAt: isoOrNull(row.first_responded_at),
    resolvedAt: isoOrNull(row.resolved_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export type AttachmentMeta = Pick<StoredAttachment, 'id' | 'message_id' | 'filename' | 'content_type' | 'size_bytes' | 'sha256' | 'created_at'>;

export function toAttachment(row: AttachmentMeta) {
  return { id: row.id, filename: row.filename, contentType: row.content_type, sizeBytes: row.size_bytes, sha256: row.sha256, createdAt: iso(row.created_at) };
}

export function toMessage(row: Message, attachments: readonly AttachmentMeta[] = []): MessageDto {
  return {
    id: row.id,
    visibility: row.visibility,
    authorType: row.author_type,
    authorCustomerId: row.author_customer_id,
    authorAgentId: row.author_agent_id,
    channel: row.channel,
    bodyText: row.body_text,
    bodyHtml: row.body_html,
    emailMessageId: row.email_message_id,
    inReplyTo: row.in_reply_to,
    references: row.references,
    attachments: attachments.filter((a) => a.message_id === row.id).map(toAttachment),
    createdAt: iso(row.created_at),
  };
}

export function toIdentity(row: CustomerIdentity) {
  return { id: row.id, kind: row.kind, value: row.value, verified: row.verified, createdAt: iso(row.created_at) };
}

export function toCustomer(row: Customer, identities: readonly CustomerIdentity[]): CustomerDto {
  return {
    id: row.id,
    name: row.name,
    language: row.language,
    mergedInto: row.merged_into,
    identities: identities.filter((i) => i.customer_id === row.id).map(toIdentity),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function toAgent(row: Agent, teamIds: string[]) {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    skills: row.skills,
    capacity: row.capacity,
    active: row.active,
    calendarId: row.calendar_id,
    teamIds,
    createdAt: iso(row.created_at),
  };
}

export function toKbArticle(row: Omit<KbArticle, 'search'>) {
  return {
    id: row.id,
    title: row.title,
    bodyMarkdown: row.body_markdown,
    category: row.category,
    language: row.language,
    status: row.status,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
