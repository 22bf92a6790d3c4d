// The one signature scheme of Flowdesk webhooks, both directions (Stripe-style):
//   X-Flowdesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
// Several v1 entries may be present (secret rotation); any one matching is enough. Comparison is
// constant-time; the timestamp must be within the tolerance of now (default 5 minutes).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-flowdesk-signature';
export const DELIVERY_HEADER = 'x-flowdesk-delivery';
export const EVENT_HEADER = 'x-flowdesk-event';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

export function computeSignature(secret: string, timestamp: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** The header value for a body signed now (or at `timestamp`). */
export function signatureHeader(secret: string, rawBody: string | Buffer, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${computeSignature(secret, timestamp, rawBody)}`;
}

export type VerifyResult = { ok: true; timestamp: number; signature: string } | { ok: false; reason: string };

export function verifySignature(
  secret: string,
  header: string | string[] | undefined,
  rawBody: Buffer,
  nowSeconds = Math.floor(Date.now() / 1000),
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): VerifyResult {
  if (typeof header !== 'string' || header.length === 0) return { ok: false, reason: 'the X-Flowdesk-Signature header is missing' };
  if (header.length > 2048) return { ok: false, reason: 'the X-Flowdesk-Signature header is too long' };
  let timestamp: number | null = null;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) candidates.push(value.toLowerCase());
  }
  if (timestamp === null || candidates.length === 0) return { ok: false, reason: 'the X-Flowdesk-Signature header must be "t=<unix seconds>,v1=<hex>"' };
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { ok: false, reason: `the signature timestamp is more than ${toleranceSeconds} s away from now` };
  const expected = Buffer.from(computeSignature(secret, timestamp, rawBody), 'hex');
  for (const candidate of candidates) {
    if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) return { ok: true, timestamp, signature: candidate };
  }
  return { ok: false, reason: 'the signature does not match' };
}
