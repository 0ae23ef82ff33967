// sending_queue as upstream's exporterhelper in-memory queue: a bounded FIFO in front of the
// senders, `num_consumers` concurrent deliveries, capacity counted in the configured sizer
// (requests by default) and held until a delivery finishes, so in-flight and retrying data
// count against queue_size. A full queue refuses at once (retryable) unless block_on_overflow.
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Consumer, Payload, Signal } from '../component.ts';
import { permanent, refused } from '../errors.ts';
import type { ExporterMetrics } from '../telemetry.ts';
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
  storage: unsupported('unsupported: persistent queues (storage)'),
  batch: unsupported('unsupported: batching in the sending queue (use the batch processor)'),
};

/** The `sending_queue` section; `enabled` defaults to true once the section is written. */
export const queueConfigSchema = z.strictObject({ enabled: z.boolean().default(true), ...queueFields });

export type QueueConfig = z.output<typeof queueConfigSchema>;

export type Deliver = (payload: Payload) => Promise<void>;

interface Entry {
  readonly payload: Payload;
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
    const done = this.#config.wait_for_result ? Promise.withResolvers<void>() : undefined;
    this.#entries.push(done ? { payload, size, settle: done } : { payload, size });
    this.#used += size;
    this.#publish();
    this.#startConsumers();
    return done?.promise;
  }

  #sizeOf(payload: Payload): number {
    switch (this.#config.sizer) {
      case 'requests': return 1;
      case 'items': return payload.items;
      case 'bytes': return payload.bytes;
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
      try {
        await this.#deliver(entry.payload);
        entry.settle?.resolve();
      } catch (error) {
        // Already counted and logged by deliver; only a wait_for_result caller wants it.
        entry.settle?.reject(error);
      } finally {
        this.#inFlight--;
        this.#release(entry.size);
      }
    }
    this.#consumers--;
    this.#maybeIdle();
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
   * (counted as send_failed and logged) and calls `abortInFlight` so running sends end too.
   */
  async drain(deadline: number, abortInFlight: () => void): Promise<void> {
    this.#closed = true;
    for (const wake of this.#spaceWaiters.splice(0)) wake();
    if (this.#idle()) return;
    const idle = new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    const timer = new AbortController();
    const expired = this.#clock.sleep(Math.max(0, deadline - this.#clock.now()), timer.signal).then(() => true, () => false);
    const timedOut = await Promise.race([idle.then(() => false), expired]);
    timer.abort();
    if (!timedOut) return;
    this.#dropQueued();
    abortInFlight();
    this.#maybeIdle();
    await idle;
  }

  #dropQueued(): void {
    const left = this.#entries.slice(this.#head).filter((entry) => entry !== undefined);
    this.#entries = [];
    this.#head = 0;
    if (left.length === 0) return;
    const items = { traces: 0, metrics: 0, logs: 0 };
    for (const entry of left) {
      this.#metrics.sendFailed(entry.payload.signal, entry.payload.items, SHUTDOWN);
      items[entry.payload.signal] += entry.payload.items;
      this.#used -= entry.size;
      entry.settle?.reject(refused('dropped at shutdown: drain deadline reached'));
    }
    this.#publish();
    this.#logger.warn({ requests: left.length, spans: items.traces, metric_points: items.metrics, log_records: items.logs },
      'Drain deadline reached: dropping queued data');
  }
}
