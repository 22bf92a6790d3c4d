// Every error the API can return has a stable code, an HTTP status and a message that names the field.
// Routes and the runtime throw FlowdeskError; the Fastify error handler turns it into JSON.

export interface ErrorDetail {
  /** JSON pointer to the offending field, e.g. "/nodes/3/params/duration" or "/body/type". */
  path: string;
  message: string;
}

export class FlowdeskError extends Error {
  readonly code: string;
  readonly statusCode: number;
  readonly details: ErrorDetail[];
  /** Response headers that belong to the error (e.g. Retry-After on 429). */
  readonly headers: Record<string, string>;

  constructor(code: string, statusCode: number, message: string, details: ErrorDetail[] = [], headers: Record<string, string> = {}) {
    super(message);
    this.name = 'FlowdeskError';
    this.code = code;
    this.statusCode = statusCode;
    this.details = details;
    this.headers = headers;
  }
}

export const notFound = (what: string, id: string) =>
  new FlowdeskError('FD_NOT_FOUND', 404, `${what} ${JSON.stringify(id)} does not exist`);

export const invalidInput = (message: string, details: ErrorDetail[] = []) =>
  new FlowdeskError('FD_INVALID_INPUT', 400, message, details);

export const conflict = (message: string, details: ErrorDetail[] = []) =>
  new FlowdeskError('FD_CONFLICT', 409, message, details);
