// Customer identities in one normal form, so "Ana@Example.COM" by email and "ana@example.com" from the
// portal are the same identity: emails lower-cased, phones in E.164 (libphonenumber-js: a maintained port
// of Google's metadata, which no regex matches), handles "network:name" lower-cased, portal ids as given.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { invalidInput } from '../errors.ts';
import type { IdentityKind } from '../db/tables/ticketing.ts';

export const IDENTITY_KINDS: readonly IdentityKind[] = ['email', 'phone', 'handle', 'portal'];
export const MAX_IDENTITY_LENGTH = 320;

/** Practical email check (RFC 5321 lengths, one @, a dotted domain, no spaces or control characters). */
const EMAIL = /^[^\s@"<>()[\]\\,;:\p{Cc}]{1,64}@(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/u;
/** "network:name": a network id and a handle without spaces. */
const HANDLE = /^([a-z][a-z0-9_.-]{0,31}):(@?[^\s:]{1,200})$/u;
const PORTAL = /^[A-Za-z0-9_.:@-]{1,200}$/;

/**
 * Returns the normal form of an identity value or throws FD_INVALID_INPUT whose detail points at
 * `field` (default `/value`). Phones without a country code are read as `defaultCountry` (none: must be +E.164).
 */
export function normaliseIdentity(kind: IdentityKind, value: string, field = '/value', defaultCountry?: string): string {
  const fail = (why: string) => invalidInput(`${field}: ${why}`, [{ path: field, message: `${field}: ${why}` }]);
  if (typeof value !== 'string') throw fail('must be a string');
  const trimmed = value.normalize('NFC').trim();
  if (trimmed.length === 0) throw fail('must not be empty');
  if (trimmed.length > MAX_IDENTITY_LENGTH) throw fail(`must be at most ${MAX_IDENTITY_LENGTH} characters`);
  switch (kind) {
    case 'email': {
      const email = trimmed.toLowerCase();
      if (!EMAIL.test(email)) throw fail('must be an email address');
      return email;
    }
    case 'phone': {
      if (!/^[+\d\s().-]{3,40}$/.test(trimmed)) throw fail('must be a phone number, e.g. +44 20 7946 0958');
      const parsed = parsePhoneNumberFromString(trimmed, defaultCountry as Parameters<typeof parsePhoneNumberFromString>[1]);
      if (!parsed || !parsed.isValid()) throw fail('must be a valid phone number with its country code, e.g. +44 20 7946 0958');
      return parsed.number;
    }
    case 'handle': {
      const handle = trimmed.toLowerCase();
      const match = HANDLE.exec(handle);
      if (!match) throw fail('must be "network:name", e.g. "twitter:@ana"');
      return `${match[1]}:${match[2]}`;
    }
    case 'portal': {
      if (!PORTAL.test(trimmed)) throw fail('must be a portal account id (letters, digits, "_.:@-")');
      return trimmed;
    }
    default:
      throw invalidInput(`${field}: unknown identity kind`, [{ path: field, message: `${field}: unknown identity kind ${JSON.stringify(kind)}` }]);
  }
}
