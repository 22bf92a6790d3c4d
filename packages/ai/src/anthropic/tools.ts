// One tool per task. Its input_schema is the only way the model can answer: enums list the allowed
// labels / agent ids / passage numbers, every object is closed (additionalProperties: false), every
// string and array is bounded. The same schema is compiled with ajv and checked against the model's
// tool input — the model's word is never trusted — and semantic checks ajv cannot express follow
// (draft citations, system-prompt leaks, claimed actions, foreign links).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

export type JsonSchema = Record<string, unknown>;

export interface ToolSpec {
  name: string;
  description: string;
  input_schema: JsonSchema & { type: 'object' };
}

const confidence = { type: 'number', minimum: 0, maximum: 1, description: 'How sure you are, 0..1.' };
const reason = { type: 'string', minLength: 1, maxLength: 300, description: 'One short sentence a help-desk agent can read: why this answer.' };

function closed(properties: Record<string, JsonSchema>, required: string[] = Object.keys(properties)): ToolSpec['input_schema'] {
  return { type: 'object', properties, required, additionalProperties: false };
}

export function classifyTool(field: string, labels: readonly string[]): ToolSpec {
  return {
    name: 'record_classification',
    description: `Record the ticket's "${field}". Call exactly once. The label must be one of the allowed values.`,
    input_schema: closed({ label: { type: 'string', enum: [...labels], description: `The "${field}" label.` }, confidence, reason }),
  };
}

export const SENTIMENT_TOOL: ToolSpec = {
  name: 'record_sentiment',
  description: "Record the customer's sentiment and how urgent the ticket is. Call exactly once.",
  input_schema: closed({
    label: { type: 'string', enum: ['negative', 'neutral', 'positive'] },
    polarity: { type: 'number', minimum: -1, maximum: 1, description: '-1 very negative .. 1 very positive.' },
    urgency: { type: 'string', enum: ['low', 'normal', 'high', 'critical'] },
    urgencyCues: { type: 'array', maxItems: 8, items: { type: 'string', minLength: 1, maxLength: 80 }, description: 'Phrases of the ticket that show urgency.' },
    confidence,
    reason,
  }),
};

export function assignTool(agentIds: readonly string[]): ToolSpec {
  return {
    name: 'record_assignment',
    description: 'Record which of the candidate agents should handle the ticket. Call exactly once. agentId must be one of the candidates.',
    input_schema: closed({ agentId: { type: 'string', enum: [...agentIds] }, confidence, reason }),
  };
}

export function draftTool(passageCount: number): ToolSpec {
  return {
    name: 'record_draft',
    description:
      'Record a reply draft for an agent to review. Use only facts from the numbered knowledge-base passages and cite each one you use as [n]. ' +
      'If the passages do not answer the ticket, set handoff to true and body to an empty string. Call exactly once.',
    input_schema: closed({
      handoff: { type: 'boolean', description: 'True when the passages do not answer the ticket: a human takes over.' },
      body: { type: 'string', maxLength: 4000, description: 'The reply, with [n] citation marks; empty when handoff is true.' },
      citations: { type: 'array', maxItems: passageCount, uniqueItems: true, items: { type: 'integer', minimum: 1, maximum: Math.max(1, passageCount) }, description: 'Numbers of the passages the reply uses.' },
      language: { type: 'string', pattern: '^[a-z]{2}$', description: 'ISO 639-1 language of the reply.' },
      confidence,
      reason,
    }),
  };
}

// ---- validation ----

const ajv = new Ajv({ allErrors: true, strict: true, coerceTypes: false, useDefaults: false, removeAdditional: false });
const compiled = new Map<string, ValidateFunction>();

function validatorFor(schema: JsonSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  let fn = compiled.get(key);
  if (!fn) {
    if (compiled.size > 500) compiled.clear();
    fn = ajv.compile(schema);
    compiled.set(key, fn);
  }
  return fn;
}

function describe(e: ErrorObject): string {
  const at = e.instancePath || '(input)';
  if (e.keyword === 'enum') return `${at} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'additionalProperties') return `${at} has a field that is not allowed: "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  return `${at} ${e.message ?? e.keyword}`;
}

/** Schema errors of a tool input, as short sentences (empty = valid). */
export function schemaErrors(tool: ToolSpec, input: unknown): string[] {
  const fn = validatorFor(tool.input_schema);
  return fn(input) ? [] : (fn.errors ?? []).map(describe);
}

// Draft checks beyond the schema.
const ACTION_CLAIMS: RegExp[] = [
  /\b(i|we)\s*(have|'ve|had|'d)?\s*(just\s+|now\s+|already\s+)?(issued|processed|sent|approved|refunded|credited|transferred|paid|escalated|assigned|reassigned|closed|resolved|marked|cancelled|canceled|deleted|reset|changed|upgraded|set)\b/i,
  /\b(refund|payment|credit|money|reimbursement)\s+(has|have|was|were|is)\s+(been\s+)?(issued|processed|sent|approved|completed|transferred|initiated|paid)\b/i,
  /\b(ticket|case|request|issue)\s+(has|was|is)\s+(been\s+|now\s+)?(marked|closed|resolved|escalated|assigned|set)\b/i,
  /\bpriority\s+(has|was|is)\s+(been\s+|now\s+)?(set|raised|changed|updated|increased)\b/i,
  /\b(haben|habe|wurde|ist)\b[^.!?\n]{0,40}\b(erstattet|überwiesen|zugewiesen|geschlossen|gelöst|eskaliert|bearbeitet)\b/i,
  /\b(avons|ai|a été|est)\b[^.!?\n]{0,40}\b(remboursé|rembourse|attribué|clôturé|fermé|résolu|escaladé|effectué)\b/i,
  /\b(hemos|he|ha sido|fue)\b[^.!?\n]{0,40}\b(reembolsado|asignado|cerrado|resuelto|escalado|procesado)\b/i,
];

const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>()"']+/gi;

function words(text: string): string[] {
  return text
    .toLowerCase()
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** True when `body` contains the canary or 8 consecutive words of the system prompt. */
export function leaksPrompt(body: string, systemPrompt: string, canary: string): boolean {
  if (body.includes(canary)) return true;
  const prompt = words(systemPrompt);
  const shingles = new Set<string>();
  for (let i = 0; i + 8 <= prompt.length; i++) shingles.add(prompt.slice(i, i + 8).join(' '));
  const w = words(body);
  for (let i = 0; i + 8 <= w.length; i++) if (shingles.has(w.slice(i, i + 8).join(' '))) return true;
  return false;
}

/** A sentence of `body` (outside verbatim passage text) that claims an action was taken, if any. */
export function claimedAction(body: string, passages: readonly string[]): string | null {
  let rest = body;
  for (const p of passages) for (const sentence of p.split(/(?<=[.!?])\s+/)) if (sentence.trim().length > 12) rest = rest.split(sentence.trim()).join(' ');
  for (const sentence of rest.split(/(?<=[.!?])\s+|\n+/)) if (ACTION_CLAIMS.some((re) => re.test(sentence))) return sentence.trim().slice(0, 160);
  return null;
}

export interface DraftToolInput {
  handoff: boolean;
  body: string;
  citations: number[];
  language: string;
  confidence: number;
  reason: string;
}

/** Semantic errors of a schema-valid draft answer. */
export function draftErrors(input: DraftToolInput, passages: readonly string[], systemPrompt: string, canary: string): string[] {
  const errors: string[] = [];
  if (input.handoff) {
    if (input.body.trim() !== '') errors.push('a handoff must have an empty body');
    return errors;
  }
  if (input.body.trim().length < 20) errors.push('the body is empty or too short');
  if (input.citations.length === 0) errors.push('a draft must cite at least one passage');
  const marks = [...input.body.matchAll(/\[(\d{1,3})\]/g)].map((m) => Number(m[1]));
  if (marks.length === 0) errors.push('the body has no [n] citation marks');
  const cited = new Set(input.citations);
  for (const n of marks) {
    if (n < 1 || n > passages.length) errors.push(`the body cites [${n}], but only passages 1..${passages.length} exist`);
    else if (!cited.has(n)) errors.push(`the body cites [${n}], which is missing from citations`);
  }
  if (leaksPrompt(input.body, systemPrompt, canary)) errors.push('the body reveals the system prompt');
  const claim = claimedAction(input.body, passages);
  if (claim) errors.push(`the body claims an action was taken ("${claim}"); a draft cannot take actions`);
  const known = passages.join('\n');
  for (const url of input.body.match(URL_RE) ?? []) {
    const bare = url.replace(/[.,;:!?]+$/, '');
    if (!known.includes(bare)) errors.push(`the body links to ${bare}, which no passage contains`);
  }
  return errors;
}
