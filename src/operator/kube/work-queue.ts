// A work queue of `namespace/name` keys with client-go's semantics:
// - `dirty` holds keys that need processing; adding a dirty key again is a no-op (deduplication);
// - `processing` holds keys handed to a worker; a key added while processing waits in `dirty`
//   and is queued again by `done()`, so one key never runs twice at once;
// - delayed adds (`addAfter`, `addRateLimited`) keep the earliest deadline per key.
import { ItemBackoff } from './backoff.ts';
import { systemClock, type Clock, type TimerHandle } from './clock.ts';

export interface WorkQueueOptions {
  clock?: Clock;
  backoff?: ItemBackoff;
}

interface Delayed {
  at: number;
  timer: TimerHandle;
}

export class WorkQueue {
  readonly #clock: Clock;
  readonly #backoff: ItemBackoff;
  #queue: string[] = [];
  #head = 0;
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #delayed = new Map<string, Delayed>();
  readonly #getters: ((key: string | undefined) => void)[] = [];
  readonly #idle: (() => void)[] = [];
  #shuttingDown = false;
  #adds = 0;

  constructor(opts: WorkQueueOptions = {}) {
    this.#clock = opts.clock ?? systemClock;
    this.#backoff = opts.backoff ?? new ItemBackoff();
  }

  /** Keys waiting to be handed out (the depth gauge). */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  get processingCount(): number {
    return this.#processing.size;
  }

  get delayedCount(): number {
    return this.#delayed.size;
  }

  /** Total accepted adds (after deduplication), for metrics. */
  get adds(): number {
    return this.#adds;
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#adds++;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    this.#push(key);
  }

  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) return this.add(key);
    const at = this.#clock.now() + delayMs;
    const existing = this.#delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.#clock.clearTimeout(existing.timer);
    const timer = this.#clock.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.#delayed.set(key, { at, timer });
  }

  /** Re-adds `key` after its per-key exponential backoff; returns the delay used. */
  addRateLimited(key: string): number {
    const delay = this.#backoff.when(key);
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the failure history of `key` (call after a successful reconcile). */
  forget(key: string): void {
    this.#backoff.forget(key);
  }

  numRequeues(key: string): number {
    return this.#backoff.failures(key);
  }

  /** Next key to process, or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    // Unlike client-go we do not drain the backlog after shutdown: stopping means stop taking.
    if (this.#shuttingDown) return Promise.resolve(undefined);
    if (this.length > 0) return Promise.resolve(this.#take());
    return new Promise((resolve) => this.#getters.push(resolve));
  }

  /** Marks `key` as finished; if it was added meanwhile it goes back in the queue. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key) && !this.#shuttingDown) this.#push(key);
    if (this.#processing.size === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Stops handing out keys and resolves once every in-flight key is done. */
  shutDown(): Promise<void> {
    this.#shuttingDown = true;
    for (const { timer } of this.#delayed.values()) this.#clock.clearTimeout(timer);
    this.#delayed.clear();
    for (const resolve of this.#getters.splice(0)) resolve(undefined);
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #push(key: string): void {
    const getter = this.#getters.shift();
    if (getter) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      getter(key);
      return;
    }
    this.#queue.push(key);
  }

  #take(): string {
    const key = this.#queue[this.#head++] as string;
    // Compact the array once the consumed prefix dominates, keeping take() O(1) amortised.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    this.#dirty.delete(key);
    this.#processing.add(key);
    return key;
  }
}
