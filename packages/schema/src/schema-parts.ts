// Schema fragments shared by several node kinds. Every object closes with additionalProperties:false
// (or a typed value schema for user-keyed maps), every string and array is bounded, and every
// property has a description the designer shows next to the field.
import type { JSONSchema } from './json-schema.ts';

export const ID_PATTERN = '^[A-Za-z][A-Za-z0-9_-]{0,63}$';
/** Ticket event names and custom field names: dotted identifiers such as "customer.replied". */
export const NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_.-]{0,63}$';
export const KEY_PATTERN = '^[a-z0-9][a-z0-9-]{0,63}$';
export const JSON_PATH_PATTERN = '^\\$';
export const HTTP_URL_PATTERN = '^https?://';
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** Readable text for the patterns above, used by the error translator instead of the regex. */
export const patternMessages: Readonly<Record<string, string>> = {
  [ID_PATTERN]: 'must start with a letter and contain only letters, digits, "_" or "-" (at most 64 characters)',
  [NAME_PATTERN]: 'must start with a letter and contain only letters, digits, ".", "_" or "-" (at most 64 characters)',
  [KEY_PATTERN]: 'must contain only lowercase letters, digits and "-" (at most 64 characters)',
  [JSON_PATH_PATTERN]: 'must be a JSON path starting with "$"',
  [HTTP_URL_PATTERN]: 'must be an http:// or https:// URL',
  [UUID_PATTERN]: 'must be a UUID',
};

export function object(
  description: string,
  properties: Record<string, JSONSchema>,
  required: string[] = [],
  extra: JSONSchema = {},
): JSONSchema {
  return { type: 'object', description, properties, ...(required.length ? { required } : {}), additionalProperties: false, ...extra };
}

export function text(description: string, maxLength = 200, extra: JSONSchema = {}): JSONSchema {
  return { type: 'string', description, minLength: 1, maxLength, ...extra };
}

export function id(description: string): JSONSchema {
  return { type: 'string', description, pattern: ID_PATTERN, maxLength: 64 };
}

export function name(description: string): JSONSchema {
  return { type: 'string', description, pattern: NAME_PATTERN, maxLength: 64 };
}

export function list(description: string, items: JSONSchema, maxItems: number, extra: JSONSchema = {}): JSONSchema {
  return { type: 'array', description, items, maxItems, ...extra };
}

export function duration(description: string): JSONSchema {
  return { type: 'string', description, format: 'iso-duration', maxLength: 64, examples: ['PT30M', 'P1DT2H'] };
}

/**
 * The business-hours option of a duration (wait `duration`, escalation `after`): count only the open hours of a
 * business calendar instead of elapsed time. Properties next to the duration they qualify.
 */
export const businessHoursProperties: Record<string, JSONSchema> = {
  businessHours: {
    type: 'boolean',
    description:
      'Count the duration in business hours: the timer runs only while the calendar is open (nights, weekends and holidays do not count). ' +
      "The calendar is `calendar` if given, else the one of the ticket's SLA policy; with neither, every hour counts (24/7).",
  },
  calendar: text('Name of the business-hours calendar to count in (Settings → SLA & business hours); used with businessHours only.', 200),
};

export const assigneeSchema: JSONSchema = {
  type: 'object',
  description: 'Who the step is for: everyone with a role, a team queue, one user, or whoever the AI assigner picks.',
  discriminator: { propertyName: 'type' },
  required: ['type'],
  oneOf: [
    object('Everyone with a role.', { type: { const: 'role', description: 'Assign by role.' }, role: name('Role name, e.g. "manager".') }, ['type', 'role'], { title: 'role' }),
    object('A team queue.', { type: { const: 'team', description: 'Assign to a team.' }, team: id('Team key.') }, ['type', 'team'], { title: 'team' }),
    object('One user.', { type: { const: 'user', description: 'Assign to a user.' }, user: text('User id or email.', 254) }, ['type', 'user'], { title: 'user' }),
    object('The AI assigner picks an agent.', { type: { const: 'ai', description: 'Let the AI assigner choose.' } }, ['type'], { title: 'ai' }),
  ],
};

export const escalationsSchema: JSONSchema = list(
  'SLA timers: when one fires while the node still waits, the node is left by its outcome.',
  object(
    'One escalation timer.',
    {
      outcome: id('Outcome taken when the timer fires; an edge with this outcome must leave the node.'),
      after: duration('How long the node may wait before escalating (ISO 8601, e.g. "PT4H").'),
      ...businessHoursProperties,
    },
    ['outcome', 'after'],
  ),
  10,
);

export const aiBaseProperties: Record<string, JSONSchema> = {
  provider: name('AI provider; empty means the organisation default (the offline local provider unless configured).'),
  model: text('Model name for providers that have several.', 128),
  threshold: {
    type: 'number',
    description: 'Below this confidence the node leaves by its hand-off outcome so a human decides.',
    minimum: 0,
    maximum: 1,
  },
};

// ---- json-rules-engine conditions ----
export const OPERATORS = [
  'equal', 'notEqual', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive',
  'in', 'notIn', 'contains', 'doesNotContain',
] as const;

const conditionList = (description: string): JSONSchema =>
  list(description, { $ref: '#/definitions/condition' }, 50, { minItems: 1 });

/**
 * Definitions for conditions, referenced as #/definitions/<name>. A schema that uses them carries
 * them (see withConditions) so it stays standalone; the document schema hoists them to its root.
 */
export const conditionDefinitions: Record<string, JSONSchema> = {
  topLevelCondition: {
    type: 'object',
    description: 'Exactly one of all / any / not.',
    properties: {
      all: conditionList('Matches when every condition matches.'),
      any: conditionList('Matches when at least one condition matches.'),
      not: { $ref: '#/definitions/condition', description: 'Matches when this condition does not.' },
    },
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: false,
  },
  // A fact comparison when "fact" is present, otherwise a nested all / any / not.
  condition: {
    type: 'object',
    description: 'A fact comparison, or a nested all / any / not.',
    if: { required: ['fact'] },
    then: { $ref: '#/definitions/factCondition' },
    else: { $ref: '#/definitions/topLevelCondition' },
  },
  factCondition: object(
    'Compares a fact (or a value inside it) with a value.',
    {
      fact: name('Fact name; the engine provides "ticket", "results" (earlier node outputs) and "event".'),
      operator: { type: 'string', enum: OPERATORS, description: 'Comparison operator.' },
      value: { description: 'Value to compare with (any JSON value).' },
      path: text('JSON path into the fact, e.g. "$.priority".', 256, { pattern: JSON_PATH_PATTERN }),
    },
    ['fact', 'operator', 'value'],
  ),
};

/** A standalone schema whose $refs into #/definitions resolve. */
export function withConditions(schema: JSONSchema): JSONSchema {
  return { ...schema, definitions: { ...conditionDefinitions } };
}

export const topLevelConditionRef = (description: string): JSONSchema => ({
  $ref: '#/definitions/topLevelCondition',
  description,
});
