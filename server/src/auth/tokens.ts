// Random credentials and their storage form: 256-bit values, stored only as SHA-256 digests. A digest
// (not a slow hash) is right here because the values are random, not guessable like passwords.
import { createHash, randomBytes } from 'node:crypto';

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** API tokens look like "fdt_<43 chars>": the prefix makes leaked tokens easy to spot by secret scanners. */
export const API_TOKEN_PREFIX = 'fdt_';

export function newApiToken(): { token: string; prefix: string; hash: string } {
  const token = API_TOKEN_PREFIX + randomToken();
  return { token, prefix: token.slice(0, API_TOKEN_PREFIX.length + 6), hash: digest(token) };
}
