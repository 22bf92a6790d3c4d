// pg-boss queues of the durable runtime and how they are configured. Effects that touch the world
// (AI, actions) and timers are jobs; everything that only writes our own tables happens inline in the
// transaction that applies the event (see persist.ts).
import { PgBoss, type Queue } from 'pg-boss';
import type { Logger } from 'pino';

export const WORK_QUEUE = 'flowdesk.work';
export const TIMER_QUEUE = 'flowdesk.timer';
/** SLA breach timers (server/src/sla): startAfter = due time. */
export const SLA_QUEUE = 'flowdesk.sla';
/** Outbox of ticket events for a ticket's runs (see ticket-events.ts). */
export const TICKET_EVENT_QUEUE = 'flowdesk.ticket-events';
/** Outbound email (server/src/channels/email/outbound.ts): one job per outbound_emails row. */
export const EMAIL_OUTBOUND_QUEUE = 'flowdesk.email-outbound';
/** Retries after the first send attempt (backoff capped at 5 min); the last one marks the row failed. */
export const EMAIL_RETRY_LIMIT = 8;
/** Outbound webhook deliveries (server/src/channels/webhooks): one job per delivery-log row. */
export const WEBHOOK_QUEUE = 'flowdesk.webhooks';
/** Retries after the first attempt (backoff 1 s, 2 s, 4 s ... capped at 5 min: about 16 minutes in all). */
export const WEBHOOK_RETRY_LIMIT = Number(process.env.FLOWDESK_WEBHOOK_RETRY_LIMIT ?? 8);

/** Daily purge of old resolved/closed tickets (server/src/gdpr/retention.ts), scheduled by cron. */
export const RETENTION_QUEUE = 'flowdesk.retention';
/** When the retention job runs (UTC cron); FLOWDESK_RETENTION_CRON overrides. */
export const RETENTION_CRON = process.env.FLOWDESK_RETENTION_CRON || '17 3 * * *';

/** Nightly retraining of classify models from agents' corrections (server/src/ai/retrain.ts), scheduled by cron. */
export const AI_RETRAIN_QUEUE = 'flowdesk.ai-retrain';
/** When the retrain job runs (UTC cron); FLOWDESK_AI_RETRAIN_CRON overrides. Default: nightly at 02:41. */
export const AI_RETRAIN_CRON = process.env.FLOWDESK_AI_RETRAIN_CRON || '41 2 * * *';
/** Retrainings asked for through the API (server/src/ai/trainings.ts): one job per ai_trainings row. */
export const AI_TRAINING_QUEUE = 'flowdesk.ai-training';

export interface RuntimeTuning {
  /** Attempts after the first before a failing effect answers with the `error` outcome. */
  effectRetryLimit: number;
  /** Seconds a claimed job may stay active before pg-boss hands it to another worker (crashed worker). */
  effectExpireSeconds: number;
  /** Per-attempt timeout inside the handler, in ms. */
  effectTimeoutMs: number;
  /** Worker poll interval when no NOTIFY arrives, seconds (>= 0.5). */
  pollingIntervalSeconds: number;
  /** How often pg-boss looks for expired jobs of crashed workers, seconds. */
  superviseIntervalSeconds: number;
}

export function tuningFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeTuning {
  const num = (name: string, fallback: number, min: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min} (got ${JSON.stringify(raw)})`);
    return value;
  };
  return {
    effectRetryLimit: num('FLOWDESK_EFFECT_RETRY_LIMIT', 3, 0),
    effectExpireSeconds: num('FLOWDESK_EFFECT_EXPIRE_SECONDS', 60, 1),
    effectTimeoutMs: num('FLOWDESK_EFFECT_TIMEOUT_MS', 30_000, 1),
    pollingIntervalSeconds: num('FLOWDESK_POLL_SECONDS', 0.5, 0.5),
    superviseIntervalSeconds: num('FLOWDESK_SUPERVISE_SECONDS', 30, 1),
  };
}

function queueOptions(tuning: RuntimeTuning): Record<string, Omit<Queue, 'name'>> {
  return {
    [WORK_QUEUE]: {
      retryLimit: tuning.effectRetryLimit,
      retryDelay: 1,
      retryBackoff: true,
      retryDelayMax: 60,
      expireInSeconds: tuning.effectExpireSeconds,
      notify: true,
    },
    [TIMER_QUEUE]: {
      retryLimit: 10,
      retryDelay: 1,
      retryBackoff: true,
      retryDelayMax: 60,
      expireInSeconds: tuning.effectExpireSeconds,
    },
    [TICKET_EVENT_QUEUE]: {
      retryLimit: 10,
      retryDelay: 1,
      retryBackoff: true,
      retryDelayMax: 60,
      expireInSeconds: tuning.effectExpireSeconds,
    },
    [SLA_QUEUE]: {
      retryLimit: 10,
      retryDelay: 1,
      retryBackoff: true,
      retryDelayMax: 60,
      expireInSeconds: tuning.effectExpireSeconds,
    },
    [EMAIL_OUTBOUND_QUEUE]: {
      retryLimit: EMAIL_RETRY_LIMIT,
      retryDelay: 2,
      retryBackoff: true,
      retryDelayMax: 300,
      expireInSeconds: 120,
    },
    [RETENTION_QUEUE]: {
      retryLimit: 2,
      retryDelay: 300,
      expireInSeconds: 3600,
    },
    [AI_RETRAIN_QUEUE]: {
      retryLimit: 2,
      retryDelay: 600,
      expireInSeconds: 3600,
    },
    // A failed training is recorded on its row (no retry); a retry only takes over from a crashed worker.
    [AI_TRAINING_QUEUE]: {
      retryLimit: 2,
      retryDelay: 5,
      expireInSeconds: 3600,
    },
    [WEBHOOK_QUEUE]: {
      retryLimit: WEBHOOK_RETRY_LIMIT,
      retryDelay: 1,
      retryBackoff: true,
      retryDelayMax: 300,
      expireInSeconds: 60,
    },
  };
}

/** Starts pg-boss on the given database and makes sure our queues exist with the current settings. */
export async function createBoss(connectionString: string, logger: Logger, tuning = tuningFromEnv()): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString,
    useListenNotify: true,
    max: 4,
    application_name: 'flowdesk-boss',
    superviseIntervalSeconds: tuning.superviseIntervalSeconds,
  });
  // Without a listener an 'error' event would crash the process; pg-boss keeps polling after errors
  // (e.g. while Postgres restarts), so logging is the right reaction.
  boss.on('error', (error: Error & { code?: string; queue?: string }) =>
    logger.warn({ err: { message: error.message, code: error.code, queue: error.queue } }, 'pg-boss error'),
  );
  await boss.start();
  for (const [name, options] of Object.entries(queueOptions(tuning))) {
    const existing = await boss.getQueue(name);
    if (existing) await boss.updateQueue(name, options);
    else await boss.createQueue(name, options);
  }
  return boss;
}
