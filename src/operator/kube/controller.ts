// Worker pool over a WorkQueue, with controller-runtime's result handling:
// success forgets the key's failure history; `requeueAfterMs` forgets then re-adds later;
// a TerminalError is reported and not retried; any other error re-adds with per-key backoff.
import { systemClock, type Clock, type TimerHandle } from './clock.ts';
import { TerminalError } from './errors.ts';
import type { WorkQueue } from './work-queue.ts';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export type ReconcileFn = (key: string) => Promise<ReconcileResult | void>;
export type Outcome = 'success' | 'requeue' | 'error' | 'terminal';

export interface ControllerOptions {
  queue: WorkQueue;
  reconcile: ReconcileFn;
  concurrency: number;
  /** Every key from `listKeys` is re-added this often (0 disables resync). */
  resyncMs: number;
  listKeys: () => Iterable<string>;
  clock?: Clock;
  onOutcome?: (key: string, outcome: Outcome, seconds: number, err?: unknown) => void;
}

export class Controller {
  readonly #opts: ControllerOptions;
  readonly #clock: Clock;
  #workers: Promise<void>[] = [];
  #resyncTimer: TimerHandle | undefined;
  #running = false;

  constructor(opts: ControllerOptions) {
    if (!(opts.concurrency >= 1)) throw new Error(`concurrency must be >= 1, got ${opts.concurrency}`);
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (let i = 0; i < this.#opts.concurrency; i++) this.#workers.push(this.#work());
    this.#armResync();
  }

  /** Adds every known key now (used on start of leadership and by the resync timer). */
  enqueueAll(): void {
    for (const key of this.#opts.listKeys()) this.#opts.queue.add(key);
  }

  /** Stops taking keys and waits for in-flight reconciles to finish. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#resyncTimer !== undefined) this.#clock.clearTimeout(this.#resyncTimer);
    await this.#opts.queue.shutDown();
    await Promise.all(this.#workers);
  }

  #armResync(): void {
    if (!this.#running || this.#opts.resyncMs <= 0) return;
    this.#resyncTimer = this.#clock.setTimeout(() => {
      this.enqueueAll();
      this.#armResync();
    }, this.#opts.resyncMs);
  }

  async #work(): Promise<void> {
    const { queue } = this.#opts;
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const started = performance.now();
      let outcome: Outcome;
      let error: unknown;
      try {
        const result = await this.#opts.reconcile(key);
        queue.forget(key);
        if (result?.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
          queue.addAfter(key, result.requeueAfterMs);
          outcome = 'requeue';
        } else {
          outcome = 'success';
        }
      } catch (err) {
        error = err;
        if (err instanceof TerminalError) {
          queue.forget(key);
          outcome = 'terminal';
        } else {
          queue.addRateLimited(key);
          outcome = 'error';
        }
      } finally {
        queue.done(key);
      }
      this.#opts.onOutcome?.(key, outcome, (performance.now() - started) / 1000, error);
    }
  }
}
