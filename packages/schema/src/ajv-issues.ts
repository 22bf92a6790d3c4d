// Turns ajv's errors into ValidationIssues a person can act on: the pointer names the offending
// field (the missing or the extra property itself, not its parent) and the message says what is
// allowed, in words rather than schema keywords.
import type { ErrorObject } from 'ajv';
import type { JSONSchema } from './json-schema.ts';
import { escapePointerSegment, parsePointer } from './json-pointer.ts';
import { patternMessages } from './schema-parts.ts';
import type { ValidationIssue } from './types.ts';

const MAX_ECHO = 64;

/** Quote user text in a message without letting a huge value flood it. */
function echo(value: string): string {
  const s = value.length > MAX_ECHO ? `${value.slice(0, MAX_ECHO)}…` : value;
  return `"${s}"`;
}

function fieldLabel(path: string): string {
  const segments = parsePointer(path) ?? [];
  const last = segments.at(-1);
  if (last === undefined) return 'document';
  const prev = segments.at(-2);
  const label = /^\d+$/.test(last) && prev !== undefined ? `${prev}[${last}]` : last;
  return label.length > MAX_ECHO ? `${label.slice(0, MAX_ECHO)}…` : label;
}

function listValues(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}

const TYPE_WORDS: Record<string, string> = {
  object: 'an object', array: 'an array', string: 'a string', number: 'a number',
  integer: 'an integer', boolean: 'true or false', null: 'null',
};

const FORMAT_MESSAGES: Record<string, string> = {
  'iso-duration': 'must be an ISO 8601 duration like "PT30M" (weeks, days, hours, minutes or seconds; years and months are not allowed)',
  uri: 'must be an absolute URL',
};

interface Translated { path: string; message: string; code: string }

function translate(e: ErrorObject, base: string): Translated {
  const at = base + e.instancePath;
  const label = fieldLabel(at);
  const parent = (e.parentSchema ?? {}) as JSONSchema;
  const p = e.params as Record<string, unknown>;
  // propertyNames failures come with the offending key: point at that key.
  if (e.propertyName !== undefined) {
    const keyPath = `${at}/${escapePointerSegment(e.propertyName)}`;
    const why = e.keyword === 'pattern' ? (patternMessages[String(p.pattern)] ?? `must match ${String(p.pattern)}`) : (e.message ?? 'is not allowed');
    return { path: keyPath, message: `invalid key ${echo(e.propertyName)}: ${why}`, code: 'schema.key' };
  }
  switch (e.keyword) {
    case 'required': {
      const prop = String(p.missingProperty);
      return { path: `${at}/${escapePointerSegment(prop)}`, message: `${fieldLabel(`/${escapePointerSegment(prop)}`)} is required`, code: 'schema.required' };
    }
    case 'additionalProperties': {
      const prop = String(p.additionalProperty);
      const allowed = Object.keys(parent.properties ?? {});
      const hint = allowed.length ? ` (allowed: ${allowed.join(', ')})` : '';
      return { path: `${at}/${escapePointerSegment(prop)}`, message: `unknown property ${echo(prop)}${hint}`, code: 'schema.unknown-property' };
    }
    case 'type': {
      const words = String(p.type).split(',').map((t) => TYPE_WORDS[t] ?? t).join(' or ');
      return { path: at, message: `${label} must be ${words}`, code: 'schema.type' };
    }
    case 'enum':
      return { path: at, message: `${label} must be one of ${listValues(p.allowedValues as unknown[])}`, code: 'schema.enum' };
    case 'const':
      return { path: at, message: `${label} must be ${JSON.stringify(p.allowedValue)}`, code: 'schema.enum' };
    case 'discriminator': {
      const tag = String(p.tag);
      const tagPath = `${at}/${escapePointerSegment(tag)}`;
      if (p.error === 'mapping') {
        const allowed = (parent.oneOf ?? []).map((b) => b.properties?.[tag]?.const);
        return { path: tagPath, message: `${tag} must be one of ${listValues(allowed)}`, code: 'schema.enum' };
      }
      return { path: tagPath, message: `${tag} must be a string`, code: 'schema.type' };
    }
    case 'format': {
      const format = String(p.format);
      return { path: at, message: `${label} ${FORMAT_MESSAGES[format] ?? `must be a valid ${format}`}`, code: 'schema.format' };
    }
    case 'pattern':
      return { path: at, message: `${label} ${patternMessages[String(p.pattern)] ?? `must match the pattern ${String(p.pattern)}`}`, code: 'schema.pattern' };
    case 'minLength':
      return { path: at, message: p.limit === 1 ? `${label} must not be empty` : `${label} must be at least ${String(p.limit)} characters`, code: 'schema.length' };
    case 'maxLength':
      return { path: at, message: `${label} must be at most ${String(p.limit)} characters`, code: 'schema.length' };
    case 'minItems':
      return { path: at, message: `${label} must have at least ${String(p.limit)} item${p.limit === 1 ? '' : 's'}`, code: 'schema.size' };
    case 'maxItems':
      return { path: at, message: `${label} must have at most ${String(p.limit)} items`, code: 'schema.size' };
    case 'minProperties':
    case 'maxProperties': {
      if (parent.minProperties === 1 && parent.maxProperties === 1 && parent.properties) {
        return { path: at, message: `${label} must contain exactly one of: ${Object.keys(parent.properties).join(', ')}`, code: 'schema.alternatives' };
      }
      const bound = e.keyword === 'minProperties' ? 'at least' : 'at most';
      return { path: at, message: `${label} must have ${bound} ${String(p.limit)} entries`, code: 'schema.size' };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path: at, message: `${label} must be ${String(p.comparison)} ${String(p.limit)}`, code: 'schema.range' };
    case 'uniqueItems': {
      const [first, later] = [Number(p.i), Number(p.j)].sort((a, b) => a - b);
      return { path: `${at}/${later}`, message: `${label} must not contain duplicates (items ${first} and ${later} are equal)`, code: 'schema.unique' };
    }
    case 'false schema':
      return { path: at, message: `${label} is not allowed here`, code: 'schema.unknown-property' };
    default:
      return { path: at, message: `${label} ${e.message ?? 'is invalid'}`, code: 'schema.invalid' };
  }
}

/** Errors produced inside one branch of an anyOf/oneOf at error `alt`. */
function isBranchError(e: ErrorObject, alt: ErrorObject): boolean {
  return e !== alt && e.instancePath.startsWith(alt.instancePath) && e.schemaPath.startsWith(`${alt.schemaPath}/`);
}

/**
 * Issues for ajv errors. `base` is the pointer of the validated value inside the document
 * (e.g. "/nodes/3/params"). Summary errors (if, propertyNames, a missing discriminator tag already
 * reported as required) are dropped; an anyOf is reported once, in words, instead of per branch.
 */
export function issuesFromAjv(errors: readonly ErrorObject[] | null | undefined, base = ''): ValidationIssue[] {
  if (!errors?.length) return [];
  const skip = new Set<ErrorObject>();
  const out: ValidationIssue[] = [];
  const seen = new Set<string>();
  const push = (t: Translated): void => {
    const key = `${t.path}\u0000${t.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ ...t, severity: 'error' });
  };
  for (const alt of errors) {
    if (alt.keyword !== 'anyOf' && alt.keyword !== 'oneOf') continue;
    const branches = errors.filter((e) => isBranchError(e, alt));
    branches.forEach((e) => skip.add(e));
    skip.add(alt);
    const at = base + alt.instancePath;
    const missing = branches.filter((e) => e.keyword === 'required').map((e) => String(e.params.missingProperty));
    const message =
      missing.length === branches.length && missing.length > 0
        ? `${fieldLabel(at)} must have at least one of: ${[...new Set(missing)].join(', ')}`
        : `${fieldLabel(at)} must match one of the allowed forms`;
    push({ path: at, message, code: 'schema.alternatives' });
  }
  for (const e of errors) {
    if (skip.has(e) || e.keyword === 'if' || (e.keyword === 'propertyNames' && e.propertyName === undefined)) continue;
    if (e.keyword === 'discriminator' && e.params.error === 'tag' && e.params.tagValue === undefined) continue;
    push(translate(e, base));
  }
  return out;
}
