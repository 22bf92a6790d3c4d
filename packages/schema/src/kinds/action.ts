import { errorOutcome } from '../node-spec.ts';
import type { NodeSpec } from '../node-spec.ts';
import type { JSONSchema } from '../json-schema.ts';
import { HTTP_URL_PATTERN, NAME_PATTERN, UUID_PATTERN, list, object, text } from '../schema-parts.ts';
import { TICKET_STATUSES } from '../types.ts';

const tags = (description: string): JSONSchema =>
  list(description, text('A tag.', 64), 50, { minItems: 1, uniqueItems: true });

const stepSchema: JSONSchema = {
  type: 'object',
  description: 'One step; steps run in order.',
  discriminator: { propertyName: 'type' },
  required: ['type'],
  oneOf: [
    object('Set ticket fields.', {
      type: { const: 'setFields', description: 'Set ticket fields.' },
      fields: {
        type: 'object',
        description: 'Field name -> new value.',
        minProperties: 1,
        maxProperties: 100,
        propertyNames: { pattern: NAME_PATTERN, maxLength: 64 },
        additionalProperties: { description: 'New value of the field (any JSON value).' },
      },
    }, ['type', 'fields'], { title: 'setFields' }),
    object('Add tags.', { type: { const: 'addTags', description: 'Add tags.' }, tags: tags('Tags to add.') }, ['type', 'tags'], { title: 'addTags' }),
    object('Remove tags.', { type: { const: 'removeTags', description: 'Remove tags.' }, tags: tags('Tags to remove.') }, ['type', 'tags'], { title: 'removeTags' }),
    object('Add a message to the ticket thread.', {
      type: { const: 'reply', description: 'Add a message to the ticket thread.' },
      body: text('Message text; {{ticket.subject}}, {{ticket.number}}, {{customer.name}} and other {{ticket.*}} placeholders are filled in.', 20_000),
      visibility: { type: 'string', enum: ['public', 'internal'], description: 'public: a reply the customer sees (default); internal: a note for agents.' },
    }, ['type', 'body'], { title: 'reply' }),
    object('Assign the ticket.', {
      type: { const: 'assign', description: 'Assign the ticket.' },
      agentId: { type: 'string', pattern: UUID_PATTERN, maxLength: 36, description: 'Agent id (UUID).' },
      teamId: { type: 'string', pattern: UUID_PATTERN, maxLength: 36, description: 'Team id (UUID).' },
    }, ['type'], { title: 'assign', minProperties: 2 }),
    object('Set the ticket status.', {
      type: { const: 'setStatus', description: 'Set the ticket status.' },
      status: { type: 'string', enum: [...TICKET_STATUSES], description: 'New status.' },
    }, ['type', 'status'], { title: 'setStatus' }),
    object('Notify the team through chat / webhooks.', {
      type: { const: 'notify', description: 'Notify the team through chat / webhooks.' },
      message: text('Notification text for the endpoints subscribed to workflow.notification (Slack, Teams, generic webhooks); {{ticket.*}} and {{customer.name}} placeholders are filled in.', 2_000),
    }, ['type', 'message'], { title: 'notify' }),
    object('Call an HTTP endpoint.', {
      type: { const: 'http', description: 'Call an HTTP endpoint.' },
      method: { type: 'string', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], description: 'HTTP method.' },
      url: { type: 'string', format: 'uri', pattern: HTTP_URL_PATTERN, maxLength: 2048, description: 'Absolute http(s) URL.' },
      headers: {
        type: 'object',
        description: 'Request headers.',
        maxProperties: 50,
        propertyNames: { pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]{1,128}$' },
        additionalProperties: { type: 'string', maxLength: 4096, description: 'Header value.' },
      },
      body: { description: 'JSON request body.' },
      timeoutMs: { type: 'integer', minimum: 1, maximum: 60_000, description: 'Timeout in milliseconds (1..60000).' },
    }, ['type', 'method', 'url'], { title: 'http' }),
  ],
};

export const actionSpec: NodeSpec<'action'> = {
  kind: 'action',
  version: 1,
  label: 'Action',
  description: 'Changes the ticket or calls out: set fields, add/remove tags, reply, assign, set status, notify the team, HTTP call.',
  category: 'action',
  behaviour: 'work',
  paramsSchema: object('Action parameters.', { steps: list('Steps run in order.', stepSchema, 50) }, ['steps']),
  defaults: { steps: [] },
  outcomes: () => [{ name: 'done', label: 'Done' }, errorOutcome],
};
