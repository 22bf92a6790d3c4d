// How an inbound JSON payload becomes a ticket: a mapping of JSON pointers (RFC 6901) into the payload.
// Presets cover the common shapes (a phone system's call summary, a social/chat message); a source may
// use a preset, a preset with overrides, or a mapping of its own. Reference: docs/channels.md.
import { Type, type Static } from 'typebox';
import { invalidInput } from '../../errors.ts';

export const POINTER_PATTERN = '^(/([^~/]|~[01])*)+$';
const Pointer = (description: string) => Type.String({ pattern: POINTER_PATTERN, maxLength: 500, description });

export const WebhookMappingSchema = Type.Object(
  {
    channel: Type.Union([Type.Literal('phone'), Type.Literal('chat'), Type.Literal('social'), Type.Literal('webhook')], { description: 'Ticket/message channel' }),
    subject: Type.Optional(Pointer('Ticket subject (string); long values are cut to 200 characters')),
    subjectDefault: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Subject when the pointer is absent or empty' })),
    body: Pointer('Message body (string, required in the payload)'),
    customer: Type.Object(
      {
        email: Type.Optional(Pointer('Customer email')),
        phone: Type.Optional(Pointer('Customer phone number (E.164 or with country code)')),
        handle: Type.Optional(Pointer('Customer social/chat handle')),
        network: Type.Optional(Pointer('Network of the handle (e.g. "twitter"); prefixed as "network:handle"')),
        defaultNetwork: Type.Optional(Type.String({ minLength: 1, maxLength: 50, pattern: '^[a-z0-9_.-]+$' })),
        name: Type.Optional(Pointer('Customer display name')),
      },
      { additionalProperties: false },
    ),
    priority: Type.Optional(Pointer('low | normal | high | urgent')),
    tags: Type.Optional(Pointer('A string or an array of strings')),
    staticTags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 20 })),
    externalId: Type.Optional(Pointer('Conversation/call id: the same id appends a message to the same ticket')),
  },
  { additionalProperties: false },
);
export type WebhookMapping = Static<typeof WebhookMappingSchema>;

export const MAPPING_PRESETS = {
  'phone-call-summary': {
    channel: 'phone',
    subject: '/subject',
    subjectDefault: 'Phone call',
    body: '/summary',
    customer: { phone: '/from', name: '/callerName', email: '/callerEmail' },
    priority: '/priority',
    tags: '/tags',
    staticTags: ['phone'],
    externalId: '/callId',
  },
  'social-message': {
    channel: 'social',
    subject: '/subject',
    subjectDefault: 'Social message',
    body: '/text',
    customer: { handle: '/author/handle', network: '/network', name: '/author/name' },
    tags: '/tags',
    staticTags: ['social'],
    externalId: '/conversationId',
  },
} as const satisfies Record<string, WebhookMapping>;
export type MappingPreset = keyof typeof MAPPING_PRESETS;
export const PRESET_NAMES = Object.keys(MAPPING_PRESETS) as MappingPreset[];

/** A preset, optionally with overrides (customer merged key by key), or a mapping of its own. */
export function resolveMapping(preset: MappingPreset | undefined, mapping: Partial<WebhookMapping> | undefined): WebhookMapping {
  const base = preset ? (structuredClone(MAPPING_PRESETS[preset]) as WebhookMapping) : undefined;
  if (!base) {
    if (!mapping || mapping.body === undefined || mapping.channel === undefined || mapping.customer === undefined) {
      throw invalidInput('/body/mapping: give a preset or a complete mapping (channel, body, customer)', [{ path: '/body/mapping', message: '/body/mapping: give a preset or a complete mapping (channel, body, customer)' }]);
    }
    return mapping as WebhookMapping;
  }
  return { ...base, ...mapping, customer: { ...base.customer, ...(mapping?.customer ?? {}) } };
}

export function resolvePointer(document: unknown, pointer: string): unknown {
  let node: unknown = document;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      if (!/^(0|[1-9]\d*)$/.test(key)) return undefined;
      node = node[Number(key)];
    } else if (node !== null && typeof node === 'object' && Object.hasOwn(node, key)) {
      node = (node as Record<string, unknown>)[key];
    } else {
      return undefined;
    }
  }
  return node;
}

export interface MappedTicket {
  channel: WebhookMapping['channel'];
  subject: string;
  body: string;
  identities: { kind: 'email' | 'phone' | 'handle'; value: string; pointer: string }[];
  name?: string;
  priority?: string;
  tags: string[];
  externalId?: string;
}

/** Applies the mapping; a value the mapping cannot use is a 400 whose path is `/body<pointer>`. */
export function applyMapping(mapping: WebhookMapping, payload: unknown): MappedTicket {
  const fail = (pointer: string, message: string) => {
    const path = `/body${pointer}`;
    return invalidInput(`${path}: ${message}`, [{ path, message: `${path}: ${message}` }]);
  };
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw invalidInput('/body: must be a JSON object', [{ path: '/body', message: '/body: must be a JSON object' }]);
  const str = (pointer: string | undefined, max: number, required = false): string | undefined => {
    if (!pointer) return undefined;
    const value = resolvePointer(payload, pointer);
    if (value === undefined || value === null || value === '') {
      if (required) throw fail(pointer, 'is required');
      return undefined;
    }
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value !== 'string') throw fail(pointer, 'must be a string');
    if (value.includes('\u0000')) throw fail(pointer, 'must not contain the NUL character (U+0000)');
    if (value.length > max) throw fail(pointer, `must be at most ${max} characters`);
    return value;
  };
  const body = str(mapping.body, 50_000, true)!;
  let subject = str(mapping.subject, 100_000)?.trim();
  if (subject && subject.length > 200) subject = `${subject.slice(0, 199)}…`;
  subject ||= mapping.subjectDefault ?? body.trim().slice(0, 80) ?? 'Webhook';
  if (subject.trim().length === 0) subject = 'Webhook';

  const identities: MappedTicket['identities'] = [];
  const c = mapping.customer;
  const email = str(c.email, 320);
  if (email) identities.push({ kind: 'email', value: email, pointer: c.email! });
  const phone = str(c.phone, 50);
  if (phone) identities.push({ kind: 'phone', value: phone, pointer: c.phone! });
  const handle = str(c.handle, 200);
  if (handle) {
    const network = (str(c.network, 50) ?? c.defaultNetwork)?.toLowerCase();
    const value = handle.includes(':') || !network ? handle : `${network}:${handle.replace(/^@/, '')}`;
    identities.push({ kind: 'handle', value, pointer: c.handle! });
  }
  if (identities.length === 0) {
    const first = c.phone ?? c.email ?? c.handle ?? '/customer';
    throw fail(first, 'is required: the payload names no customer identity (email, phone or handle)');
  }
  const name = str(c.name, 200);
  const priority = str(mapping.priority, 20);
  if (priority !== undefined && !['low', 'normal', 'high', 'urgent'].includes(priority)) throw fail(mapping.priority!, 'must be one of: "low", "normal", "high", "urgent"');
  const tags = new Set<string>(mapping.staticTags ?? []);
  if (mapping.tags) {
    const value = resolvePointer(payload, mapping.tags);
    const list = typeof value === 'string' ? [value] : value === undefined || value === null ? [] : value;
    if (!Array.isArray(list) || list.length > 50) throw fail(mapping.tags, 'must be a string or an array of at most 50 strings');
    list.forEach((tag, i) => {
      if (typeof tag !== 'string' || tag.trim().length === 0 || tag.length > 100 || tag.includes('\u0000')) throw fail(`${mapping.tags}/${i}`, 'must be a tag of 1..100 characters');
      tags.add(tag.trim());
    });
  }
  const externalId = str(mapping.externalId, 200);
  return { channel: mapping.channel, subject, body, identities, name, priority, tags: [...tags], externalId };
}
