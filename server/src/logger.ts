// One place that builds the pino logger, so the CLI, the embedded Postgres and tests log alike.
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

/**
 * JSON lines by default (what log shippers want); human-readable lines when `pretty` is set and the
 * optional dev dependency pino-pretty is installed. pino-pretty runs as a plain stream, not a
 * worker-thread transport, so logs written just before exit are not lost.
 */
export async function createLogger(
  options: { level?: LogLevel; pretty?: boolean; destination?: 1 | 2 } = {},
): Promise<Logger> {
  const level = options.level ?? 'info';
  const fd = options.destination ?? 1;
  if (options.pretty) {
    try {
      const { default: pretty } = await import('pino-pretty');
      return pino({ level }, pretty({ colorize: true, destination: fd, ignore: 'pid,hostname' }));
    } catch {
      // pino-pretty is a dev dependency: fall back to JSON in a production install.
    }
  }
  return pino({ level }, pino.destination({ fd, sync: true }));
}
