// The retry loop around one export request: attempt, classify, wait, again. Time comes from an
// injected clock so tests drive it without sleeping.
import type { Logger } from 'pino';
import { asExportError, Backoff, ExportError, planRetry } from './retry.ts';
import type { RetryConfig } from './retry.ts';

export interface Clock {
  now(): number;
  /** Resolves after `ms`, rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    }),
};

export interface RetryContext {
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
  /** Aborts attempts and waits: the drain deadline has passed. */
  readonly stop: AbortSignal;
  /** The drain deadline once shutdown began; a retry that would start later is not scheduled. */
  drainDeadline(): number | undefined;
  /** Called before each wait, for the retry counter. */
  onRetry?(): void;
}

/** Sends until success, a permanent error, or the retry budget is spent; throws the final ExportError. */
export async function sendWithRetry<T>(attempt: (signal: AbortSignal) => Promise<T>, cfg: RetryConfig, ctx: RetryContext): Promise<T> {
  const backoff = new Backoff(cfg, ctx.random);
  const giveUpAt = cfg.max_elapsed_time > 0 ? ctx.clock.now() + cfg.max_elapsed_time : Infinity;
  for (;;) {
    let error: ExportError;
    try {
      return await attempt(ctx.stop);
    } catch (caught) {
      error = ctx.stop.aborted ? new ExportError(`export aborted at the drain deadline: ${asExportError(caught).message}`, true) : asExportError(caught);
    }
    if (!cfg.enabled || !error.retryable || ctx.stop.aborted) throw error;
    const plan = planRetry({ now: ctx.clock.now(), backoffMs: backoff.next(), throttleMs: error.throttleMs, giveUpAt, deadline: ctx.drainDeadline() });
    if ('giveUp' in plan) throw new ExportError(`${plan.giveUp}: ${error.message}`, true, undefined, { cause: error });
    const interval = plan.retryAt - ctx.clock.now();
    ctx.logger.info({ error: error.message, interval: `${Math.round(interval)}ms` }, 'Exporting failed. Will retry the request after interval.');
    ctx.onRetry?.();
    try {
      await ctx.clock.sleep(interval, ctx.stop);
    } catch {
      throw new ExportError(`export aborted at the drain deadline: ${error.message}`, true, undefined, { cause: error });
    }
  }
}
