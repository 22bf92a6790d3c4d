// Password hashing with scrypt from node:crypto: memory-hard, no native add-on to build (argon2 would need
// one, and pnpm build approvals on every install), parameters stored in the hash so they can be raised
// later without invalidating old hashes. Defaults follow OWASP's scrypt guidance (N=2^17, r=8, p=1).
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  logN: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { logN: 17, r: 8, p: 1 };
/** Tests lower the cost through FLOWDESK_SCRYPT_LOG_N; production never should. */
export const MIN_LOG_N = 10;
const KEY_LENGTH = 32;
export const MIN_PASSWORD_LENGTH = 10;

function scrypt(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCallback(password.normalize('NFKC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export function scryptParamsFromEnv(env: Record<string, string | undefined> = process.env): ScryptParams {
  const raw = env.FLOWDESK_SCRYPT_LOG_N?.trim();
  if (!raw) return DEFAULT_SCRYPT;
  const logN = Number(raw);
  if (!Number.isInteger(logN) || logN < MIN_LOG_N || logN > 20) throw new Error(`FLOWDESK_SCRYPT_LOG_N must be an integer from ${MIN_LOG_N} to 20; got ${JSON.stringify(raw)}`);
  return { ...DEFAULT_SCRYPT, logN };
}

/** "scrypt$17$8$1$<salt b64>$<hash b64>" */
export async function hashPassword(password: string, params: ScryptParams = scryptParamsFromEnv()): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, params);
  return ['scrypt', params.logN, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const expected = Buffer.from(parts[5]!, 'base64');
  const actual = await scrypt(password, Buffer.from(parts[4]!, 'base64'), { logN, r, p });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash that matches nothing, verified against when the account does not exist so timing does not tell. */
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}

/** Null when acceptable, else the reason. Length over composition rules (NIST SP 800-63B). */
export function passwordProblem(password: string, email: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > 256) return 'must be at most 256 characters';
  if (password.toLowerCase() === email.toLowerCase()) return 'must not be the email address';
  if (/^(.)\1+$/.test(password)) return 'must not be one repeated character';
  return null;
}
