// Effect and timer workers. Any number of processes may run them against one database: pg-boss hands
// each job to one worker at a time (SKIP LOCKED), and the per-run compare-and-set plus the event key
// make a redelivered job harmless. A worker killed mid-job leaves the job active until it expires, then
// another worker takes it again.
import { queueActionWebhooks } from '../ticketing/actions.ts';
import { changeEvents } from '../ticketing/tickets.ts';
import { enqueueTicketEvents } from './ticket-events.ts';
import type { Job, JobResult } from 'pg-boss';
import type { Effect } from '@flowdesk/engine';
import type { Runtime } from './runtime.ts';
import { SLA_QUEUE, TICKET_EVENT_QUEUE, TIMER_QUEUE, WORK_QUEUE, tuningFromEnv, type RuntimeTuning } from './queues.ts';
import { deliverTicketEvents, type TicketEventBatch } from './ticket-events.ts';
import { slaAfterChange } from '../ticketing/sla-hooks.ts';
import type { TimerJobData, WorkJobData } from './persist.ts';
import { startTimerPump, type TimerPumpOptions } from './timer-pump.ts';
import { EffectError, applyTicketSteps, runHttpSteps } from './effects/action.ts';
import { noAiProvider, type AiExecutor, type AiResult } from './effects/ai.ts';
import { handleSlaTimer } from '../sla/worker.ts';
import type { SlaJobData } from '../sla/service.ts';
import { EMAIL_OUTBOUND_QUEUE, EMAIL_RETRY_LIMIT } from './queues.ts';
import { handleOutboundJob, startDispatcher, type OutboundJobData } from '../channels/email/outbound.ts';
import { emailConfigFromEnv, type EmailConfig } from '../channels/email/config.ts';
import { WEBHOOK_QUEUE, WEBHOOK_RETRY_LIMIT } from './queues.ts';
import { deliverWebhook, type WebhookJobData } from '../channels/webhooks/outbound.ts';
import type { SecretBox } from '../secrets/index.ts';
import { RETENTION_CRON, RETENTION_QUEUE } from './queues.ts';
import { runRetention } from '../gdpr/retention.ts';
import { AI_RETRAIN_CRON, AI_RETRAIN_QUEUE } from './queues.ts';
import { retrainAll } from '../ai/retrain.ts';
import { AI_TRAINING_QUEUE } from './queues.ts';
import { runTraining, type TrainingJobData } from '../ai/trainings.ts';

export interface WorkerOptions {
  /** Parallel fetch loops per queue in this process. */
  concurrency?: number;
  tuning?: RuntimeTuning;
  ai?: AiExecutor;
  /** Outbound email settings; default emailConfigFromEnv() (no FLOWDESK_SMTP_URL: local capture). */
  email?: EmailConfig;
  /** Decrypts webhook endpoint secrets (server/src/secrets). */
  secrets?: SecretBox;
  /** The timer pump that hands due run_timers rows to pg-boss (timer-pump.ts); interval default: polling interval. */
  timerPump?: TimerPumpOptions;
}

export interface Workers {
  stop(): Promise<void>;
}

export async function startWorkers(runtime: Runtime, options: WorkerOptions = {}): Promise<Workers> {
  const tuning = options.tuning ?? tuningFromEnv();
  const ai = options.ai ?? noAiProvider;
  const log = runtime.rootLogger.child({ component: 'worker' });
  const common = {
    batchSize: 10,
    burstWhenBatchFull: true,
    perJobResults: true,
    localConcurrency: options.concurrency ?? 2,
    pollingIntervalSeconds: tuning.pollingIntervalSeconds,
    notifyPollingIntervalSeconds: 5,
  } as const;

  // One failing job must not fail its batch-mates: settle each job on its own.
  const settleEach = <T>(handle: (job: Job<T>) => Promise<void>) => async (jobs: Job<T>[]): Promise<JobResult[]> => {
    const results: JobResult[] = [];
    for (const job of jobs) {
      try {
        await handle(job);
        results.push({ id: job.id, status: 'completed' });
      } catch (error) {
        log.warn({ err: error, jobId: job.id, attempt: job.retryCount }, 'job failed, pg-boss will retry it');
        results.push({ id: job.id, status: 'failed', output: { message: (error as Error).message } });
      }
    }
    return results;
  };

  await runtime.boss.work<WorkJobData>(WORK_QUEUE, common, settleEach((job) => handleWork(runtime, job, tuning, ai)));
  await runtime.boss.work<TimerJobData>(TIMER_QUEUE, common, settleEach((job) => handleTimer(runtime, job)));
  const timerPump = startTimerPump(runtime.db, runtime.boss, log, { intervalMs: tuning.pollingIntervalSeconds * 1000, ...options.timerPump });
  // Usually already delivered right after commit; this catches a process that died before it could.
  await runtime.boss.work<TicketEventBatch>(TICKET_EVENT_QUEUE, common, settleEach((job) => deliverTicketEvents(runtime, job.data)));
  await runtime.boss.work<SlaJobData>(SLA_QUEUE, common, settleEach(async (job) => void (await handleSlaTimer(runtime, job.data))));
  const emailDeps = { db: runtime.db, boss: runtime.boss, logger: log, email: options.email ?? emailConfigFromEnv() };
  await runtime.boss.work<OutboundJobData>(EMAIL_OUTBOUND_QUEUE, common, settleEach((job) => handleOutboundJob(emailDeps, job, EMAIL_RETRY_LIMIT)));
  const emailDispatcher = startDispatcher(emailDeps, tuning.pollingIntervalSeconds * 1000);
  await runtime.boss.work<WebhookJobData>(WEBHOOK_QUEUE, common, settleEach(async (job) => void (await deliverWebhook(runtime.db, job.data.deliveryId, { lastAttempt: job.retryCount >= WEBHOOK_RETRY_LIMIT, secrets: options.secrets }))));
  // Retention: one job a day (pg-boss's cron sends it once however many workers run); each purges per organisation policy.
  await runtime.boss.schedule(RETENTION_QUEUE, RETENTION_CRON, null, { tz: 'UTC' });
  await runtime.boss.work(RETENTION_QUEUE, { ...common, batchSize: 1, localConcurrency: 1 }, settleEach(async () => {
    const reports = await runRetention(runtime.db);
    for (const report of reports) if (report.tickets > 0) log.info(report, 'retention purged old closed tickets');
  }));
  // AI retraining from agents' corrections: nightly, once however many workers run; fields without new feedback are skipped.
  await runtime.boss.schedule(AI_RETRAIN_QUEUE, AI_RETRAIN_CRON, null, { tz: 'UTC' });
  await runtime.boss.work(AI_RETRAIN_QUEUE, { ...common, batchSize: 1, localConcurrency: 1 }, settleEach(async () => {
    const results = await retrainAll(runtime.db, log);
    if (results.length > 0) log.info({ retrained: results.filter((r) => r.retrained).length, fields: results.length }, 'AI retrain job done');
  }));
  // Retrainings asked for through the API (POST /api/ai/retrain): one at a time per process, computed in a worker thread.
  await runtime.boss.work<TrainingJobData>(AI_TRAINING_QUEUE, { ...common, batchSize: 1, localConcurrency: 1 }, settleEach(async (job) => void (await runTraining(runtime.db, job.data.trainingId, { logger: log }))));
  log.info({ concurrency: common.localConcurrency }, 'workers started');
  return {
    async stop() {
      await timerPump.stop();
      await emailDispatcher.stop();
      await runtime.boss.offWork(EMAIL_OUTBOUND_QUEUE);
      await runtime.boss.offWork(WORK_QUEUE);
      await runtime.boss.offWork(TIMER_QUEUE);
      await runtime.boss.offWork(SLA_QUEUE);
      await runtime.boss.offWork(TICKET_EVENT_QUEUE);
      await runtime.boss.offWork(WEBHOOK_QUEUE);
      await runtime.boss.offWork(RETENTION_QUEUE);
      await runtime.boss.offWork(AI_RETRAIN_QUEUE);
      await runtime.boss.offWork(AI_TRAINING_QUEUE);
    },
  };
}

async function handleTimer(runtime: Runtime, job: Job<TimerJobData>): Promise<void> {
  const { runId, key, nodeId, visit, timerId, fireAt } = job.data;
  // The event time is the scheduled time, not the (possibly late) delivery time: replays stay identical.
  const result = await runtime.sendEvent(runId, { type: 'timer.fired', nodeId, visit, timerId, at: fireAt }, { eventKey: key });
  if (!result.applied) runtime.logger.debug({ runId, timerId, reason: result.reason }, 'timer ignored');
}

async function handleWork(runtime: Runtime, job: Job<WorkJobData>, tuning: RuntimeTuning, ai: AiExecutor): Promise<void> {
  const { runId, key, effect } = job.data;
  // A redelivered job whose result is already in the history has nothing left to do.
  const done = await runtime.db.selectFrom('run_history').select('sequence').where('run_id', '=', runId).where('event_key', '=', key).executeTakeFirst();
  if (done) return;
  const isLastAttempt = (error: unknown) => job.retryCount >= tuning.effectRetryLimit || (error instanceof EffectError && error.permanent);
  const resultEvent = (outcome: string, extra: { output?: unknown; error?: string }) => ({
    type: 'effect.result' as const,
    nodeId: effect.nodeId,
    visit: effect.visit,
    outcome,
    ...extra,
  });

  try {
    const { outcome, output, ticketSteps: aiSteps } = await execute(effect, key, tuning, ai, runId);
    const ticketSteps = effect.type === 'action.execute' ? effect.steps.filter((s) => s.type !== 'http') : (aiSteps ?? []);
    await runtime.sendEvent(runId, resultEvent(outcome, { output }), {
      eventKey: key,
      refreshTicket: ticketSteps.length > 0,
      beforePersist:
        ticketSteps.length > 0
          ? async (trx, run) => {
              const applied = await applyTicketSteps(trx, run.ticket_id, ticketSteps);
              if (!applied || !run.ticket_id) return;
              await slaAfterChange(runtime, trx, run.ticket_id);
              // What the workflow did is news for webhooks and for the ticket's other runs (not this one, which
              // is moving on by this very event). No new runs start from it: a workflow's own changes must not
              // trigger workflows, or two of them could loop.
              await queueActionWebhooks(trx, runtime.boss, applied);
              await enqueueTicketEvents(runtime, trx, run.ticket_id, applied.changed.length > 0 ? changeEvents(applied.changed) : [], new Set([run.id]));
            }
          : undefined,
    });
  } catch (error) {
    if (!isLastAttempt(error)) throw error;
    const message = (error as Error).message;
    runtime.logger.warn({ runId, nodeId: effect.nodeId, attempts: job.retryCount + 1, error: message }, 'effect failed for good: answering with the error outcome');
    await runtime.sendEvent(runId, resultEvent('error', { error: message }), { eventKey: key });
  }
}

async function execute(effect: Effect, key: string, tuning: RuntimeTuning, ai: AiExecutor, runId: string): Promise<AiResult> {
  switch (effect.type) {
    case 'action.execute': {
      const http = await runHttpSteps(effect.steps, key, tuning.effectTimeoutMs);
      return { outcome: 'done', output: http.length > 0 ? { http } : {} };
    }
    case 'ai.run':
      return ai(effect, AbortSignal.timeout(tuning.effectTimeoutMs), { runId, key });
    default:
      throw new EffectError(`effect type ${effect.type} is not executed by workers`, true);
  }
}
