// Custom ticket fields: each organisation describes them with a JSON Schema (organisations.ticket_fields_schema),
// and every write of tickets.fields is checked against it with ajv. Compiled validators are cached per
// schema text, so a changed schema is picked up at once and an unchanged one is compiled once.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { invalidInput, type ErrorDetail } from '../errors.ts';
import type { Executor } from './types.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const ajv = addFormats(new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false, removeAdditional: false }));
const cache = new Map<string, ValidateFunction>();
const MAX_CACHED = 200;

export function compileFieldsSchema(schema: unknown): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = cache.get(key);
  if (!validate) {
    validate = ajv.compile(schema as object);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    cache.set(key, validate);
  }
  return validate;
}

function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function fieldErrors(errors: readonly ErrorObject[] | null | undefined, base: string): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    const params = error.params as Record<string, unknown>;
    let path = `${base}${error.instancePath}`;
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'required') {
      path = `${path}/${escape(String(params.missingProperty))}`;
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      path = `${path}/${escape(String(params.additionalProperty))}`;
      message = 'is not an allowed field';
    } else if (error.keyword === 'enum') {
      message = `must be one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    }
    if (seen.has(path)) continue;
    seen.add(path);
    details.push({ path, message: `${path}: ${message}` });
  }
  return details;
}

/** The organisation's custom-field schema; 404-style error when the organisation does not exist. */
export async function organisationFieldsSchema(db: Executor, organisationId: string): Promise<Record<string, unknown> | undefined> {
  const row = await db.selectFrom('organisations').select('ticket_fields_schema').where('id', '=', organisationId).executeTakeFirst();
  return row?.ticket_fields_schema as Record<string, unknown> | undefined;
}

/** Throws FD_INVALID_INPUT with one detail per problem, each at `<base>/<field>` (default /fields). */
export function assertFields(schema: Record<string, unknown>, fields: Record<string, unknown>, base = '/fields'): void {
  const validate = compileFieldsSchema(schema);
  if (validate(fields)) return;
  const details = fieldErrors(validate.errors, base);
  const more = details.length > 1 ? ` (and ${details.length - 1} more problem${details.length > 2 ? 's' : ''})` : '';
  throw invalidInput(`${details[0]?.message ?? `${base}: is invalid`}${more}`, details);
}
