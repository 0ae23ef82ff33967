// sending_queue as upstream's exporterhelper queue: a bounded FIFO in front of the senders,
// `num_consumers` concurrent deliveries, capacity counted in the configured sizer (requests by
// default) and held until a delivery finishes, so in-flight and retrying data count against
// queue_size. A full queue refuses at once (retryable) unless block_on_overflow. Requests live in a
// store (queue-store.ts): memory, or with `storage` a file store, where a request is written when the
// queue accepts it, removed when delivered or given up, and what is left at the drain deadline stays
// on disk for the next process instead of being dropped.
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Consumer, Payload, Signal } from '../component.ts';
import { permanent, refused } from '../errors.ts';
import type { ExporterMetrics } from '../telemetry.ts';
import { memoryStore, type QueueStore, type Stored } from './queue-store.ts';
import type { Clock } from './retry-sender.ts';

/** What items left in the queue at the drain deadline failed with (error_type Shutdown, as upstream). */
const SHUTDOWN = new Error('dropped at shutdown: drain deadline reached');

function unsupported(message: string) {
  return z.unknown().optional().refine((value) => value === undefined, { message });
}

const queueFields = {
  num_consumers: z.number().int().positive().default(10),
  queue_size: z.number().int().positive().default(1000),
  sizer: z.enum(['requests', 'items', 'bytes']).default('requests'),
  block_on_overflow: z.boolean().default(false),
  wait_for_result: z.boolean().default(false),
  /** Id of a storage extension (file_storage): the queue is persistent. */
  storage: z.string().min(1, 'requires the id of a storage extension').optional(),
  batch: unsupported('unsupported: batching in the sending queue (use the batch processor)'),
};

/** The `sending_queue` section; `enabled` defaults to true once the section is written. */
export const queueConfigSchema = z.strictObject({ enabled: z.boolean().default(true), ...queueFields }).superRefine((cfg, ctx) => {
  if (cfg.storage !== undefined && cfg.wait_for_result) {
    ctx.addIssue({ code: 'custom', path: ['wait_for_result'], message: '`wait_for_result` is not supported with a persistent queue configured with `storage`' });
  }
});

export type QueueConfig = z.output<typeof queueConfigSchema>;

export type Deliver = (payload: Payload) => Promise<void>;

/**
 * What `deliver` throws for a request of a persistent queue that could not be sent before the drain
 * deadline: not counted as failed, left in the store for the next process.
 */
export class KeptForRestart extends Error {}

interface Entry {
  readonly stored: Stored;
  readonly size: number;
  /** Set with wait_for_result: the caller awaits the delivery's outcome. */
  readonly settle?: { resolve(): void; reject(error: unknown): void };
}

export interface QueueOptions {
  readonly config: QueueConfig;
  /** One queue per signal, as upstream; labels the gauges (data_type). */
  readonly signal: Signal;
  /** Sends with retry and counts sent/send_failed itself; its rejection is the final outcome. */
  readonly deliver: Deliver;
  readonly metrics: ExporterMetrics;
  readonly logger: Logger;
  readonly clock: Clock;
}

export class SendingQueue implements Consumer {
  readonly #config: QueueConfig;
  readonly #deliver: Deliver;
  readonly #metrics: ExporterMetrics;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #signal: Signal;
  /** Taken slots are cleared (undefined) until the array is reset or compacted. */
  #entries: (Entry | undefined)[] = [];
  #head = 0;
  #used = 0;
  #consumers = 0;
  #inFlight = 0;
  #closed = false;
  #spaceWaiters: Array<() => void> = [];
  #idleWaiters: Array<() => void> = [];
  #store: QueueStore = memoryStore;
  /** Requests and items held (queued and in flight), whatever the sizer. */
  #held = { requests: 0, items: 0 };
  /** Left in the store at the drain deadline (persistent queues only). */
  #kept = { requests: 0, items: 0 };

  constructor(options: QueueOptions) {
    this.#config = options.config;
    this.#deliver = options.deliver;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#clock = options.clock;
    this.#signal = options.signal;
  }

  /** Queued plus in-flight, in sizer units (the queue_size gauge). */
  get size(): number {
    return this.#used;
  }

  /** Requests and items queued or in flight. */
  get held(): { readonly requests: number; readonly items: number } {
    return { ...this.#held };
  }

  /** Where the requests live when they outlast the process (undefined: in memory). */
  get location(): string | undefined {
    return this.#store.location;
  }

  /** Switches to a persistent store and queues what a previous process left in it, before anything new. */
  async open(store: QueueStore): Promise<void> {
    this.#store = store;
    const recovered = await store.open();
    if (recovered.length === 0) return;
    for (const stored of recovered) this.#hold({ stored, size: this.#sizeOf(stored) });
    this.#publish();
    this.#logger.info({ requests: recovered.length, items: this.#held.items, data_type: this.#signal, directory: store.location },
      'Persistent queue: sending what a previous process left');
    this.#startConsumers();
  }

  consume(payload: Payload): Promise<void> {
    if (this.#closed) return this.#enqueueFailed(payload, refused('exporter is shutting down'));
    if (!this.#config.enabled) return this.#direct(payload);
    return this.#enqueue(payload);
  }

  async #direct(payload: Payload): Promise<void> {
    this.#inFlight++;
    try {
      await this.#deliver(payload);
    } finally {
      this.#inFlight--;
      this.#maybeIdle();
    }
  }

  async #enqueue(payload: Payload): Promise<void> {
    const size = this.#sizeOf(payload);
    // Empty requests are not queued, as upstream (OTLP empty envelopes).
    if (size === 0) return;
    const capacity = this.#config.queue_size;
    if (size > capacity) return this.#enqueueFailed(payload, permanent(`request of size ${size} exceeds sending_queue.queue_size ${capacity}`));
    while (this.#used + size > capacity) {
      if (!this.#config.block_on_overflow) return this.#enqueueFailed(payload, refused('sending queue is full'));
      await new Promise<void>((resolve) => this.#spaceWaiters.push(resolve));
      if (this.#closed) return this.#enqueueFailed(payload, refused('exporter is shutting down'));
    }
    let stored = this.#store.put(payload);
    if (stored instanceof Promise) {
      // Room is taken while the write is under way, so concurrent writes cannot overfill the queue.
      this.#used += size;
      try {
        stored = await stored;
      } catch (error) {
        this.#release(size);
        this.#logger.error({ err: error, directory: this.#store.location }, 'Persistent queue: cannot write the request');
        return this.#enqueueFailed(payload, refused(`persistent queue cannot write: ${(error as Error).message}`));
      }
      this.#used -= size;
    }
    const done = this.#config.wait_for_result ? Promise.withResolvers<void>() : undefined;
    this.#hold(done ? { stored, size, settle: done } : { stored, size });
    this.#publish();
    this.#startConsumers();
    return done?.promise;
  }

  #hold(entry: Entry): void {
    this.#entries.push(entry);
    this.#used += entry.size;
    this.#held.requests++;
    this.#held.items += entry.stored.items;
  }

  #sizeOf(request: { readonly items: number; readonly bytes: number }): number {
    switch (this.#config.sizer) {
      case 'requests': return 1;
      case 'items': return request.items;
      case 'bytes': return request.bytes;
    }
  }

  #enqueueFailed(payload: Payload, error: Error): Promise<never> {
    this.#metrics.enqueueFailed(payload.signal, payload.items);
    return Promise.reject(error);
  }

  #startConsumers(): void {
    while (this.#consumers < this.#config.num_consumers && this.#head < this.#entries.length) {
      this.#consumers++;
      void this.#consumeLoop();
    }
  }

  async #consumeLoop(): Promise<void> {
    for (let entry = this.#take(); entry; entry = this.#take()) {
      this.#inFlight++;
      let kept = false;
      try {
        await this.#deliver(await this.#load(entry));
        entry.settle?.resolve();
      } catch (error) {
        kept = error instanceof KeptForRestart;
        if (kept) {
          this.#kept.requests++;
          this.#kept.items += entry.stored.items;
        }
        // Already counted and logged by deliver; only a wait_for_result caller wants it.
        entry.settle?.reject(error);
      } finally {
        this.#inFlight--;
        if (!kept) this.#store.remove(entry.stored);
        this.#held.requests--;
        this.#held.items -= entry.stored.items;
        this.#release(entry.size);
      }
    }
    this.#consumers--;
    this.#maybeIdle();
  }

  /** The request from the store; one that cannot be read back is counted as failed (it cannot be sent). */
  async #load(entry: Entry): Promise<Payload> {
    try {
      return await this.#store.load(entry.stored);
    } catch (error) {
      this.#metrics.sendFailed(this.#signal, entry.stored.items, error);
      this.#logger.error({ err: error, dropped_items: entry.stored.items }, 'Persistent queue: cannot read a request back. Dropping it.');
      throw error;
    }
  }

  #take(): Entry | undefined {
    if (this.#head >= this.#entries.length) return undefined;
    const entry = this.#entries[this.#head];
    // Drop the slot's reference at once: a taken entry holds a whole batch (megabytes of request
    // buffers), and keeping it until the next compaction retained every delivered batch.
    this.#entries[this.#head++] = undefined;
    if (this.#head === this.#entries.length) {
      this.#entries.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      // Compact now and then so the array does not grow with everything ever queued.
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
    return entry;
  }

  #publish(): void {
    this.#metrics.queue(this.#used, this.#config.queue_size, this.#signal);
  }

  #release(size: number): void {
    this.#used -= size;
    this.#publish();
    const waiter = this.#spaceWaiters.shift();
    waiter?.();
  }

  #idle(): boolean {
    return this.#inFlight === 0 && this.#head >= this.#entries.length;
  }

  #maybeIdle(): void {
    if (!this.#idle()) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  /**
   * Stops accepting, lets consumers drain until `deadline`, then drops what is still queued
   * (counted as send_failed and logged) and calls `abortInFlight` so running sends end too. A
   * persistent queue keeps what is left in its store instead, and says how much and where.
   */
  async drain(deadline: number, abortInFlight: () => void): Promise<void> {
    this.#closed = true;
    for (const wake of this.#spaceWaiters.splice(0)) wake();
    await this.#drainUntil(deadline, abortInFlight);
    if (this.#kept.requests > 0) {
      this.#logger.warn({ requests: this.#kept.requests, items: this.#kept.items, data_type: this.#signal, directory: this.#store.location },
        `Drain deadline reached: ${this.#kept.items} items stay queued in ${this.#store.location} for the next start`);
    }
    await this.#store.close();
  }

  async #drainUntil(deadline: number, abortInFlight: () => void): Promise<void> {
    if (this.#idle()) return;
    const idle = new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    const timer = new AbortController();
    const expired = this.#clock.sleep(Math.max(0, deadline - this.#clock.now()), timer.signal).then(() => true, () => false);
    const timedOut = await Promise.race([idle.then(() => false), expired]);
    timer.abort();
    if (!timedOut) return;
    if (this.#store.location === undefined) this.#dropQueued();
    else this.#keepQueued();
    abortInFlight();
    this.#maybeIdle();
    await idle;
  }

  #takeQueued(): Entry[] {
    const left = this.#entries.slice(this.#head).filter((entry) => entry !== undefined);
    this.#entries = [];
    this.#head = 0;
    for (const entry of left) {
      this.#held.requests--;
      this.#held.items -= entry.stored.items;
    }
    return left;
  }

  #keepQueued(): void {
    for (const entry of this.#takeQueued()) {
      this.#kept.requests++;
      this.#kept.items += entry.stored.items;
      this.#used -= entry.size;
    }
    this.#publish();
  }

  #dropQueued(): void {
    const left = this.#takeQueued();
    if (left.length === 0) return;
    const items = { traces: 0, metrics: 0, logs: 0 };
    for (const entry of left) {
      this.#metrics.sendFailed(this.#signal, entry.stored.items, SHUTDOWN);
      items[this.#signal] += entry.stored.items;
      this.#used -= entry.size;
      entry.settle?.reject(refused('dropped at shutdown: drain deadline reached'));
    }
    this.#publish();
    this.#logger.warn({ requests: left.length, spans: items.traces, metric_points: items.metrics, log_records: items.logs },
      'Drain deadline reached: dropping queued data');
  }
}
