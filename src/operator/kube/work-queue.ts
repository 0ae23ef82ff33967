// A work queue of `namespace/name` keys with client-go's semantics:
// - `dirty` holds keys that need processing; adding a dirty key again is a no-op (deduplication);
// - `processing` holds keys handed to a worker; a key added while processing waits in `dirty`
//   and is queued again by `done()`, so one key never runs twice at once;
// - delayed adds (`addAfter`, `addRateLimited`) keep the earliest deadline per key;
// - an urgent add (`add(key, true)`) puts the key in a lane handed out before the ordinary one, or moves it there
//   if it is already waiting (as controller-runtime's priority queue does): the operator uses it for a change of
//   an object a pipeline already owns (its workload's status moved), which can finish that pipeline, so that it
//   is not queued behind a thousand first-time creations.
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
  /** The two lanes of waiting keys, in arrival order; a dirty key not processing is in exactly one. */
  readonly #urgent = new Set<string>();
  readonly #ordinary = new Set<string>();
  /** Keys added urgently while processing: they go to the urgent lane when done. */
  readonly #urgentWhenDone = new Set<string>();
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
    return this.#urgent.size + this.#ordinary.size;
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

  add(key: string, urgent = false): void {
    if (this.#shuttingDown) return;
    if (this.#dirty.has(key)) {
      if (urgent && this.#ordinary.delete(key)) this.#urgent.add(key);
      else if (urgent && this.#processing.has(key)) this.#urgentWhenDone.add(key);
      return;
    }
    this.#adds++;
    this.#dirty.add(key);
    if (this.#processing.has(key)) {
      if (urgent) this.#urgentWhenDone.add(key);
      return;
    }
    this.#push(key, urgent);
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
    const urgent = this.#urgentWhenDone.delete(key);
    if (this.#dirty.has(key) && !this.#shuttingDown) this.#push(key, urgent);
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

  #push(key: string, urgent: boolean): void {
    const getter = this.#getters.shift();
    if (getter) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      getter(key);
      return;
    }
    (urgent ? this.#urgent : this.#ordinary).add(key);
  }

  #take(): string {
    // A Set iterates in insertion order: its first key is the oldest of its lane.
    const lane = this.#urgent.size > 0 ? this.#urgent : this.#ordinary;
    const key = lane.values().next().value as string;
    lane.delete(key);
    this.#dirty.delete(key);
    this.#processing.add(key);
    return key;
  }
}
