// Turning the server's 400 details into per-field messages, and any other failure into one sentence, for
// the forms outside the designer proper (password reset, account, portal).
import { ApiError } from '../api/client.ts';

/** '/body/password: must be at least 10 characters' → 'must be at least 10 characters'. */
export function stripPath(message: string): string {
  return message.replace(/^\/[\w/-]*:\s*/, '');
}

/** A detail message as a sentence about `what` ("The password must be …"), or as it came. */
export function sentence(what: string, message: string): string {
  const text = stripPath(message).trim();
  if (!text) return '';
  const phrase = /^(must|is|are|should|cannot|can't|does|do|has|was)\b/i.test(text) ? `${what} ${text}` : text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(phrase) ? phrase : `${phrase}.`;
}

/**
 * Spreads a 400's details over the form's fields: `paths` maps a JSON pointer ('/body/email') to a field
 * name and to how the field is called in a sentence. Details for other paths come back in `rest`.
 */
export function detailsByField<F extends string>(err: ApiError, paths: Record<string, [F, string]>): { fields: Partial<Record<F, string>>; rest: string[] } {
  const fields: Partial<Record<F, string>> = {};
  const rest: string[] = [];
  for (const d of err.details) {
    const hit = paths[d.path];
    if (hit) fields[hit[0]] ??= sentence(hit[1], d.message);
    else rest.push(stripPath(d.message));
  }
  return { fields, rest };
}

/** One readable sentence for a failure that belongs to no field. */
export function failureText(err: unknown, fallback: string): string {
  if (!(err instanceof ApiError)) return (err as Error)?.message || fallback;
  if (err.code === 'FD_NETWORK') return 'The Flowdesk server could not be reached. Check your connection, then try again.';
  if (err.status === 429) {
    const wait = err.retryAfter !== null && err.retryAfter > 0 ? `Try again in ${err.retryAfter < 60 ? `${err.retryAfter} seconds` : `${Math.ceil(err.retryAfter / 60)} minutes`}.` : 'Wait a minute, then try again.';
    return `Too many attempts. ${wait}`;
  }
  return err.message || fallback;
}

export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+$/;

/** The client-side check of an email field: a message, or null when it looks like an address. */
export function emailProblem(value: string): string | null {
  const v = value.trim();
  if (!v) return 'Enter your email address.';
  if (!EMAIL_PATTERN.test(v)) return 'Enter an email address like name@example.com.';
  return null;
}
