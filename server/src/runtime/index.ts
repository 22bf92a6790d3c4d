export { Runtime, type RuntimeDeps, type IncomingEvent, type StartRunInput, type SendEventOptions, type SendEventResult, type MigrateRunInput } from './runtime.ts';
export { createBoss, tuningFromEnv, WORK_QUEUE, TIMER_QUEUE, type RuntimeTuning } from './queues.ts';
export { startWorkers, type Workers, type WorkerOptions } from './workers.ts';
export { startTimerPump, pumpDueTimers, type TimerPump, type TimerPumpOptions } from './timer-pump.ts';
export type { WorkJobData, TimerJobData, AppliedStep } from './persist.ts';
export type { AiExecutor, AiResult } from './effects/ai.ts';
export { enqueueTicketEvents, deliverTicketEvents, type TicketEventBatch } from './ticket-events.ts';
