// One error handler and one not-found handler for the whole API. Every error leaves as
// `{ error: { code, message, details: [{ path, message }] } }` with a stable code; nothing internal
// (stack, SQL, driver text) ever reaches the response. Unexpected errors are logged with their stack.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import fp from 'fastify-plugin';
import { DatabaseError } from 'pg';
import { FlowdeskError, type ErrorDetail } from '../errors.ts';
import { UUID_PATTERN, type ErrorResponse } from './schemas.ts';

/** Stable error codes of the HTTP API (FlowdeskError codes from the domain pass through unchanged). */
export const ErrorCodes = {
  invalidInput: 'FD_INVALID_INPUT',
  malformedJson: 'FD_MALFORMED_JSON',
  bodyTooLarge: 'FD_BODY_TOO_LARGE',
  unsupportedMediaType: 'FD_UNSUPPORTED_MEDIA_TYPE',
  badRequest: 'FD_BAD_REQUEST',
  routeNotFound: 'FD_ROUTE_NOT_FOUND',
  notFound: 'FD_NOT_FOUND',
  conflict: 'FD_CONFLICT',
  eventNotApplicable: 'FD_EVENT_NOT_APPLICABLE',
  internal: 'FD_INTERNAL',
} as const;

export function errorBody(code: string, message: string, details: ErrorDetail[] = []): ErrorResponse {
  return { error: { code, message, details } };
}

/** Escapes one JSON pointer segment (RFC 6901). */
export function pointerSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

interface AjvErrorLike extends FastifySchemaValidationError {
  parentSchema?: unknown;
}

/** Turns ajv errors for one request part into details whose path is `/<part><instancePath>[/<property>]`. */
export function validationDetails(errors: readonly AjvErrorLike[], part: string): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  // Branch-combinator summaries ("must match a schema in anyOf") only repeat what their branches said.
  const specific = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  for (const error of specific.length > 0 ? specific : errors) {
    const { path, message } = describeAjvError(error, part);
    if (seen.has(path)) continue;
    seen.add(path);
    details.push({ path, message: `${path}: ${message}` });
  }
  return details;
}

function describeAjvError(error: AjvErrorLike, part: string): { path: string; message: string } {
  const base = `/${part}${error.instancePath ?? ''}`;
  const params = (error.params ?? {}) as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: `${base}/${pointerSegment(String(params.missingProperty))}`, message: 'is required' };
    case 'additionalProperties':
      return { path: `${base}/${pointerSegment(String(params.additionalProperty))}`, message: 'is not an allowed property' };
    case 'enum':
      return { path: base, message: `must be one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { path: base, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'format':
      return { path: base, message: `must be a valid ${String(params.format)}${params.format === 'date-time' ? ' (ISO 8601, e.g. 2026-01-31T09:00:00Z)' : ''}` };
    case 'pattern':
      return { path: base, message: params.pattern === UUID_PATTERN ? 'must be a UUID' : `must match the pattern ${String(params.pattern)}` };
    case 'discriminator': {
      const tag = String(params.tag);
      const allowed = discriminatorValues(error.parentSchema, tag);
      const message = params.error === 'tag' && params.tagValue === undefined ? 'is required' : allowed.length > 0 ? `must be one of: ${allowed.map((v) => JSON.stringify(v)).join(', ')}` : 'is not a known type';
      return { path: `${base}/${pointerSegment(tag)}`, message };
    }
    default:
      return { path: base, message: error.message ?? 'is invalid' };
  }
}

function discriminatorValues(parentSchema: unknown, tag: string): string[] {
  const oneOf = (parentSchema as { oneOf?: { properties?: Record<string, { const?: unknown }> }[] } | undefined)?.oneOf ?? [];
  return oneOf.map((branch) => branch.properties?.[tag]?.const).filter((v): v is string => typeof v === 'string');
}

/** SQLSTATE classes that mean the input, not the server, is wrong (defence in depth: routes validate first). */
const PG_INPUT_CODES = new Set(['22P02', '22007', '22008', '22003', '22001', '22023', '2201X', '22025']);

interface Mapped {
  status: number;
  body: ErrorResponse;
  /** Log level; 5xx are logged as errors with the stack. */
  level: 'info' | 'warn' | 'error';
}

export function mapError(err: unknown): Mapped {
  if (err instanceof FlowdeskError) {
    return { status: err.statusCode, body: errorBody(err.code, err.message, err.details), level: err.statusCode >= 500 ? 'error' : 'info' };
  }
  const fe = err as Partial<FastifyError> & { validationContext?: string };
  if (fe && Array.isArray(fe.validation)) {
    const details = validationDetails(fe.validation as AjvErrorLike[], fe.validationContext ?? 'body');
    const first = details[0]?.message ?? 'request is invalid';
    const more = details.length > 1 ? ` (and ${details.length - 1} more problem${details.length > 2 ? 's' : ''})` : '';
    return { status: 400, body: errorBody(ErrorCodes.invalidInput, `${first}${more}`, details), level: 'info' };
  }
  switch (fe?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: errorBody(ErrorCodes.malformedJson, 'the request body is not valid JSON', [{ path: '/body', message: '/body: is not valid JSON' }]), level: 'info' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: errorBody(ErrorCodes.malformedJson, 'the request body is empty but content-type is application/json', [{ path: '/body', message: '/body: is empty' }]), level: 'info' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: errorBody(ErrorCodes.bodyTooLarge, 'the request body is larger than the limit of 1 MiB', [{ path: '/body', message: '/body: is larger than 1 MiB' }]), level: 'info' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        body: errorBody(ErrorCodes.unsupportedMediaType, 'unsupported content-type: send application/json', [{ path: '/headers/content-type', message: '/headers/content-type: must be application/json' }]),
        level: 'info',
      };
  }
  if (err instanceof DatabaseError && err.code) {
    if (PG_INPUT_CODES.has(err.code)) return { status: 400, body: errorBody(ErrorCodes.invalidInput, 'a value in the request is not valid'), level: 'warn' };
    if (err.code === '23505') return { status: 409, body: errorBody(ErrorCodes.conflict, 'the request conflicts with existing data'), level: 'warn' };
    if (err.code === '23503') return { status: 409, body: errorBody(ErrorCodes.conflict, 'the request refers to data that does not exist or is still in use'), level: 'warn' };
    if (err.code === '40001' || err.code === '40P01') return { status: 409, body: errorBody(ErrorCodes.conflict, 'the request collided with a concurrent change; retry it'), level: 'warn' };
  }
  // Other Fastify client errors (bad URL, bad content-length...) carry safe messages of their own.
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500 && typeof fe.code === 'string' && fe.code.startsWith('FST_')) {
    return { status: fe.statusCode, body: errorBody(ErrorCodes.badRequest, fe.message ?? 'bad request'), level: 'info' };
  }
  return { status: 500, body: errorBody(ErrorCodes.internal, 'internal server error; the details are in the server log'), level: 'error' };
}

function handleError(this: FastifyInstance, err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const mapped = mapError(err);
  if (err instanceof FlowdeskError) for (const [name, value] of Object.entries(err.headers)) void reply.header(name, value);
  if (mapped.level === 'error') request.log.error({ err }, 'request failed');
  else if (mapped.level === 'warn') request.log.warn({ err, code: mapped.body.error.code }, 'request refused by the database');
  else request.log.info({ code: mapped.body.error.code, status: mapped.status }, mapped.body.error.message);
  return reply.code(mapped.status).send(mapped.body);
}

function handleNotFound(request: FastifyRequest, reply: FastifyReply) {
  const path = (request.url.split('?')[0] ?? '').slice(0, 200);
  return reply.code(404).send(errorBody(ErrorCodes.routeNotFound, `no route ${request.method} ${path}`));
}

/** Installs the handlers on the root instance so every area plugin inherits them. */
export const errorHandling = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler(handleError);
    app.setNotFoundHandler(handleNotFound);
  },
  { name: 'flowdesk-errors', fastify: '5.x' },
);
