// Secrets at rest (webhook HMAC secrets, SMTP passwords, AI API keys): AES-256-GCM under a master key
// from FLOWDESK_MASTER_KEY (base64 of 32 bytes). A stored value reads
//   enc:v1:<key id>:<iv>:<tag>:<ciphertext>        (iv, tag, ciphertext in base64url)
// where the key id is derived from the key (not secret), so decryption picks the right key during a
// rotation (FLOWDESK_MASTER_KEY_PREVIOUS lists old keys accepted for decryption only) and `flowdesk
// secrets rotate` can tell which values still need re-encrypting. Each value is bound to where it is
// stored (the GCM additional data, e.g. "webhook_sources.secret"), so a ciphertext copied into another
// column does not decrypt. Values without the prefix are legacy plaintext (written before encryption
// existed): they are still read, and rotation encrypts them.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/types.ts';

export const ENCRYPTED_PREFIX = 'enc:v1:';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretError';
  }
}

/** A key's public id: the first 16 hex digits of sha256("flowdesk-master-key:" + key). */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('flowdesk-master-key:').update(key).digest('hex').slice(0, 16);
}

/** Parses a base64 master key; throws a SecretError naming `name` when it is not 32 bytes of base64. */
export function parseMasterKey(raw: string, name: string): Buffer {
  const text = raw.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) throw new SecretError(`${name} must be base64 of 32 random bytes (generate one with \`flowdesk secrets generate-key\`)`);
  const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== KEY_BYTES) throw new SecretError(`${name} must be base64 of exactly 32 bytes; it decodes to ${key.length} bytes (generate one with \`flowdesk secrets generate-key\`)`);
  return key;
}

export function generateMasterKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

export class SecretBox {
  readonly currentKeyId: string;
  readonly #current: Buffer;
  readonly #keys = new Map<string, Buffer>();

  /** `current` encrypts and decrypts; `previous` keys only decrypt (during a rotation). */
  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    if (current.length !== KEY_BYTES) throw new SecretError('the master key must be 32 bytes');
    this.#current = current;
    this.currentKeyId = keyIdOf(current);
    for (const key of previous) {
      if (key.length !== KEY_BYTES) throw new SecretError('a previous master key must be 32 bytes');
      this.#keys.set(keyIdOf(key), key);
    }
    this.#keys.set(this.currentKeyId, current);
  }

  static isEncrypted(stored: string): boolean {
    return stored.startsWith(ENCRYPTED_PREFIX);
  }

  /** The key id of a stored value, or null for legacy plaintext. */
  static keyIdOf(stored: string): string | null {
    return SecretBox.isEncrypted(stored) ? (stored.slice(ENCRYPTED_PREFIX.length).split(':')[0] ?? null) : null;
  }

  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#current, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return `${ENCRYPTED_PREFIX}${this.currentKeyId}:${iv.toString('base64url')}:${tag.toString('base64url')}:${ciphertext.toString('base64url')}`;
  }

  /** Decrypts a stored value (legacy plaintext is returned as is). Throws SecretError with the reason. */
  decrypt(stored: string, context: string): string {
    if (!SecretBox.isEncrypted(stored)) return stored;
    const parts = stored.slice(ENCRYPTED_PREFIX.length).split(':');
    if (parts.length !== 4) throw new SecretError(`a stored secret (${context}) is malformed: expected enc:v1:<key id>:<iv>:<tag>:<ciphertext>`);
    const [keyId, ivText, tagText, ctText] = parts as [string, string, string, string];
    const key = this.#keys.get(keyId);
    if (!key) {
      throw new SecretError(
        `a stored secret (${context}) was encrypted with master key ${keyId}, which is not configured (current key ${this.currentKeyId}); ` +
          'set FLOWDESK_MASTER_KEY to that key, or list it in FLOWDESK_MASTER_KEY_PREVIOUS while rotating',
      );
    }
    const iv = Buffer.from(ivText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretError(`a stored secret (${context}) is malformed: bad iv or tag length`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(ctText, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretError(`a stored secret (${context}) failed authentication under master key ${keyId}: it was changed, or belongs to another column`);
    }
  }

  /** True when the value is encrypted under the current key (nothing for rotation to do). */
  isCurrent(stored: string): boolean {
    return SecretBox.keyIdOf(stored) === this.currentKeyId;
  }
}

/** Encrypts when a box is configured; without one (tests, tools) the value is stored as given. */
export function sealSecret(box: SecretBox | undefined, plaintext: string, context: string): string {
  return box ? box.encrypt(plaintext, context) : plaintext;
}

/** Reads a stored secret: legacy plaintext as is, ciphertext with the box (a clear error without one). */
export function openSecret(box: SecretBox | undefined, stored: string, context: string): string {
  if (!SecretBox.isEncrypted(stored)) return stored;
  if (!box) throw new SecretError(`a stored secret (${context}) is encrypted but no master key is configured (FLOWDESK_MASTER_KEY)`);
  return box.decrypt(stored, context);
}

export interface MasterKeyOptions {
  /** FLOWDESK_MASTER_KEY, parsed. */
  masterKey?: Buffer;
  /** FLOWDESK_MASTER_KEY_PREVIOUS, parsed. */
  masterKeyPrevious?: readonly Buffer[];
  dataDir: string;
}

export const MASTER_KEY_FILE = 'master.key';

/**
 * The master key(s) of this installation. FLOWDESK_MASTER_KEY when set (a <dataDir>/master.key left from
 * before is then accepted for decryption too, so switching to an environment key only needs a rotation);
 * otherwise <dataDir>/master.key, generated (mode 0600) with a warning on first use.
 */
export function loadSecretBox(options: MasterKeyOptions, logger?: { warn(obj: object, msg: string): void }): SecretBox {
  const file = path.join(options.dataDir, MASTER_KEY_FILE);
  const previous = [...(options.masterKeyPrevious ?? [])];
  if (options.masterKey) {
    if (fs.existsSync(file)) previous.push(parseMasterKey(fs.readFileSync(file, 'utf8'), file));
    return new SecretBox(options.masterKey, previous);
  }
  if (fs.existsSync(file)) {
    const mode = fs.statSync(file).mode & 0o777;
    if (mode & 0o077) logger?.warn({ file, mode: mode.toString(8) }, 'the master key file is readable by other users: chmod 600 it');
    return new SecretBox(parseMasterKey(fs.readFileSync(file, 'utf8'), file), previous);
  }
  fs.mkdirSync(options.dataDir, { recursive: true });
  const key = generateMasterKey();
  // 'wx': never overwrite a key another process wrote a moment ago.
  try {
    fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return new SecretBox(parseMasterKey(fs.readFileSync(file, 'utf8'), file), previous);
  }
  logger?.warn(
    { file },
    'FLOWDESK_MASTER_KEY is not set: generated a master key in the data directory. Secrets are only as safe as that file; ' +
      'set FLOWDESK_MASTER_KEY (see docs/security.md "Secrets at rest") and back the key up: without it stored secrets cannot be read',
  );
  return new SecretBox(parseMasterKey(key, file), previous);
}

// ---- where secrets live ----

/** Every encrypted column: rotation walks this list. `context` is the GCM additional data of its values. */
export const ENCRYPTED_COLUMNS = [
  { table: 'webhook_sources', column: 'secret', key: ['id'], context: () => 'webhook_sources.secret' },
  { table: 'webhook_endpoints', column: 'secret', key: ['id'], context: () => 'webhook_endpoints.secret' },
  { table: 'users', column: 'totp_secret', key: ['id'], context: () => TOTP_SECRET_CONTEXT },
  { table: 'organisation_secrets', column: 'value', key: ['organisation_id', 'name'], context: (row: Record<string, unknown>) => organisationSecretContext(String(row.organisation_id), String(row.name)) },
] as const;

/** GCM additional data of users.totp_secret values. */
export const TOTP_SECRET_CONTEXT = 'users.totp_secret';

export const organisationSecretContext = (organisationId: string, name: string) => `organisation_secrets:${organisationId}:${name}`;

export interface RotationReport {
  table: string;
  column: string;
  reencrypted: number;
  legacyPlaintext: number;
  alreadyCurrent: number;
}

/**
 * Re-encrypts every stored secret under the current key, in one transaction: values under a previous key
 * and legacy plaintext are rewritten; values already under the current key are left alone. A value that
 * cannot be decrypted (unknown key, tampered) aborts the whole rotation with the reason.
 */
export async function rotateSecrets(db: Kysely<Database>, box: SecretBox): Promise<RotationReport[]> {
  return db.transaction().execute(async (trx) => {
    const reports: RotationReport[] = [];
    for (const spec of ENCRYPTED_COLUMNS) {
      const report: RotationReport = { table: spec.table, column: spec.column, reencrypted: 0, legacyPlaintext: 0, alreadyCurrent: 0 };
      const t = trx as unknown as Kysely<Record<string, Record<string, unknown>>>;
      const rows = await t.selectFrom(spec.table).select([...spec.key, spec.column]).where(spec.column, 'is not', null).forUpdate().execute();
      for (const row of rows) {
        const stored = String(row[spec.column]);
        if (box.isCurrent(stored)) {
          report.alreadyCurrent++;
          continue;
        }
        const context = spec.context(row);
        if (SecretBox.isEncrypted(stored)) report.reencrypted++;
        else report.legacyPlaintext++;
        const value = box.encrypt(box.decrypt(stored, context), context);
        let update = t.updateTable(spec.table).set({ [spec.column]: value });
        for (const k of spec.key) update = update.where(k, '=', row[k]);
        await update.execute();
      }
      reports.push(report);
    }
    return reports;
  });
}

// ---- organisation secrets ----

export async function readOrganisationSecret(db: Kysely<Database>, box: SecretBox | undefined, organisationId: string, name: string): Promise<string | null> {
  const row = await db.selectFrom('organisation_secrets').select('value').where('organisation_id', '=', organisationId).where('name', '=', name).executeTakeFirst();
  return row ? openSecret(box, row.value, organisationSecretContext(organisationId, name)) : null;
}
