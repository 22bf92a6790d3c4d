// Ordered, idempotent shutdown: resources register as they start and are released in reverse, so
// the HTTP server stops taking requests before the workers, the queue, the pool and finally the
// database go away. One failing step is logged and does not keep the others from running.
import type { Logger } from 'pino';

export class ShutdownStack {
  readonly #logger: Logger;
  readonly #steps: Array<{ name: string; run: () => Promise<unknown> }> = [];
  #running: Promise<void> | undefined;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  add(name: string, run: () => Promise<unknown>): void {
    this.#steps.push({ name, run });
  }

  run(): Promise<void> {
    this.#running ??= (async () => {
      for (const step of this.#steps.reverse()) {
        try {
          await step.run();
          this.#logger.debug(`stopped ${step.name}`);
        } catch (err) {
          this.#logger.warn({ err }, `error while stopping ${step.name}`);
        }
      }
    })();
    return this.#running;
  }
}

/**
 * SIGINT/SIGTERM/SIGHUP: release everything, then exit 0. A second signal while draining exits at once,
 * for the impatient operator pressing Ctrl-C twice.
 */
export function exitOnSignals(stack: ShutdownStack, logger: Logger): void {
  let received = false;
  const handler = (signal: NodeJS.Signals) => {
    if (received) {
      logger.warn(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    received = true;
    logger.info(`${signal} received: shutting down`);
    void stack.run().then(() => process.exit(0));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  process.on('SIGHUP', handler); // terminal closed
}
