// Server configuration from the environment. Every value is checked here, once, so a typo in a
// variable fails at startup with the variable's name instead of somewhere deep in a request.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Config {
  /** Postgres to use; absent means: run the embedded Postgres in `dataDir`. */
  databaseUrl?: string;
  /** Where Flowdesk keeps local state (the embedded cluster lives in `<dataDir>/pg`). */
  dataDir: string;
  port: number;
  host: string;
  logLevel: LogLevel;
  /** Port for the embedded Postgres; absent means the first free port from 54329. */
  embeddedPgPort?: number;
  /** FLOWDESK_MASTER_KEY (base64 of 32 bytes): encrypts secrets at rest; absent means `<dataDir>/master.key`. */
  masterKey?: Buffer;
  /** FLOWDESK_MASTER_KEY_PREVIOUS (comma-separated): old keys still accepted for decryption during a rotation. */
  masterKeyPrevious?: Buffer[];
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** First port tried for the embedded Postgres; far from 5432 so a system Postgres can keep running. */
export const DEFAULT_EMBEDDED_PG_PORT = 54329;

/** The repository root (server/src/config.ts -> ../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  // An empty variable (`PORT=`) means "not set", as most shells and .env loaders intend.
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };

  const port = parsePort(get('PORT'), 'PORT', 0, problems) ?? 3000;
  const embeddedPgPort = parsePort(get('FLOWDESK_PG_PORT'), 'FLOWDESK_PG_PORT', 1, problems);

  const logLevel = get('LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(logLevel)}`);
  }

  const databaseUrl = get('DATABASE_URL');
  if (databaseUrl !== undefined) {
    const problem = checkDatabaseUrl(databaseUrl);
    if (problem) problems.push(`DATABASE_URL ${problem}`);
  }

  const masterKey = parseKey(get('FLOWDESK_MASTER_KEY'), 'FLOWDESK_MASTER_KEY', problems);
  const previousRaw = get('FLOWDESK_MASTER_KEY_PREVIOUS');
  const masterKeyPrevious = previousRaw
    ?.split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part, i) => parseKey(part, `FLOWDESK_MASTER_KEY_PREVIOUS (key ${i + 1})`, problems))
    .filter((key): key is Buffer => key !== undefined);

  const dataDir = path.resolve(get('FLOWDESK_DATA_DIR') ?? path.join(REPO_ROOT, '.data'));
  const host = get('HOST') ?? '127.0.0.1';

  if (problems.length > 0) throw new ConfigError(problems);
  const config: Config = { dataDir, port, host, logLevel: logLevel as LogLevel };
  if (databaseUrl !== undefined) config.databaseUrl = databaseUrl;
  if (embeddedPgPort !== undefined) config.embeddedPgPort = embeddedPgPort;
  if (masterKey !== undefined) config.masterKey = masterKey;
  if (masterKeyPrevious !== undefined && masterKeyPrevious.length > 0) config.masterKeyPrevious = masterKeyPrevious;
  return config;
}

function parsePort(raw: string | undefined, name: string, min: number, problems: string[]): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < min || n > 65535) {
    problems.push(`${name} must be an integer from ${min} to 65535; got ${JSON.stringify(raw)}`);
    return undefined;
  }
  return n;
}

/** A master key: base64 (or base64url) of exactly 32 bytes. The value itself never appears in a message. */
function parseKey(raw: string | undefined, name: string, problems: string[]): Buffer | undefined {
  if (raw === undefined) return undefined;
  const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(raw) ? Buffer.from(raw.replace(/-/g, '+').replace(/_/g, '/'), 'base64') : Buffer.alloc(0);
  if (key.length !== 32) {
    problems.push(`${name} must be base64 of exactly 32 random bytes (generate one with \`flowdesk secrets generate-key\`)`);
    return undefined;
  }
  return key;
}

function checkDatabaseUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL; expected postgres://user:password@host:port/database';
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    return `must start with postgres:// or postgresql://; got ${JSON.stringify(url.protocol)}`;
  }
  return undefined;
}
