// Facts a condition can test, as the condition builder offers them: the ticket's fields (the server's ticket
// shape, see docs/api.md) and the recorded results of earlier nodes. Anything else: a custom fact and path.
import type { WorkflowDefinition } from '@flowdesk/schema';

export interface FieldOption {
  /** Stable option id: `${fact}:${path}`. */
  id: string;
  label: string;
  group: string;
  fact: string;
  path?: string;
  type: 'string' | 'number' | 'enum' | 'array' | 'any';
  values?: string[];
}

export const ticketFields: FieldOption[] = [
  { label: 'Priority', fact: 'ticket', path: '$.priority', type: 'enum', values: ['low', 'normal', 'high', 'urgent'] },
  { label: 'Subject', fact: 'ticket', path: '$.subject', type: 'string' },
  { label: 'Body', fact: 'ticket', path: '$.body', type: 'string' },
  { label: 'Status', fact: 'ticket', path: '$.status', type: 'enum', values: ['open', 'pending', 'on_hold', 'solved', 'closed'] },
  { label: 'Tags', fact: 'ticket', path: '$.tags', type: 'array' },
  { label: 'Channel', fact: 'ticket', path: '$.channel', type: 'enum', values: ['api', 'email', 'portal', 'chat', 'webhook'] },
  { label: 'Category (custom field)', fact: 'ticket', path: '$.fields.category', type: 'string' },
  { label: 'Order value (custom field)', fact: 'ticket', path: '$.fields.orderValue', type: 'number' },
].map((f) => ({ ...f, group: 'Ticket', id: `${f.fact}:${f.path}` }) as FieldOption);

/** Ticket fields plus the results of the workflow's AI and task nodes (what earlier steps found out). */
export function fieldOptions(definition?: WorkflowDefinition): FieldOption[] {
  const results: FieldOption[] = [];
  for (const node of definition?.nodes ?? []) {
    const name = node.name ?? node.id;
    if (node.kind === 'ai.classify') {
      results.push({ id: `results:$.${node.id}.label`, label: `${name}: label`, group: 'Earlier steps', fact: 'results', path: `$.${node.id}.label`, type: 'string' });
      results.push({ id: `results:$.${node.id}.confidence`, label: `${name}: confidence`, group: 'Earlier steps', fact: 'results', path: `$.${node.id}.confidence`, type: 'number' });
    } else if (node.kind === 'ai.sentiment') {
      results.push({ id: `results:$.${node.id}.score`, label: `${name}: score`, group: 'Earlier steps', fact: 'results', path: `$.${node.id}.score`, type: 'number' });
    } else if (node.kind === 'task') {
      results.push({ id: `results:$.${node.id}.action`, label: `${name}: chosen action`, group: 'Earlier steps', fact: 'results', path: `$.${node.id}.action`, type: 'string' });
    }
  }
  return [...ticketFields, ...results];
}

export const operatorLabels: Record<string, string> = {
  equal: 'is',
  notEqual: 'is not',
  lessThan: '<',
  lessThanInclusive: '≤',
  greaterThan: '>',
  greaterThanInclusive: '≥',
  in: 'is one of',
  notIn: 'is none of',
  contains: 'contains',
  doesNotContain: 'does not contain',
};

/** Turns the text typed in a value box into the JSON value the operator expects. */
export function parseValue(text: string, operator: string, type: FieldOption['type']): unknown {
  if (operator === 'in' || operator === 'notIn') {
    return text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => (type === 'number' && s !== '' && !Number.isNaN(Number(s)) ? Number(s) : s));
  }
  if (type === 'number' || ['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'].includes(operator)) {
    const n = Number(text);
    return text.trim() !== '' && !Number.isNaN(n) ? n : text;
  }
  if (type === 'any') {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

export function formatValue(value: unknown): string {
  if (Array.isArray(value)) return value.join(', ');
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
