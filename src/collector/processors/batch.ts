// batch processor (upstream semantics): collect payloads and send them on when send_batch_size items
// are pending or `timeout` after the first one arrived, and on shutdown. Batching concatenates the
// encoded resource entries; send_batch_max_size caps a batch by splitting it. Like upstream, data is
// accepted once buffered: send errors are logged here and counted by the exporter that refused.
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ComponentContext, Consumer, Lifecycle, Payload, ProcessorFactory, Signal } from '../component.ts';
import { duration } from '../config/duration.ts';
import { mergePayloads, splitPayload } from '../otlp/index.ts';
import type { BatchMetrics } from '../telemetry.ts';

const count = z.number().int().min(0);

export const batchConfigSchema = z
  .strictObject({
    send_batch_size: count.default(8192),
    timeout: duration.default(200),
    /** 0: no cap. */
    send_batch_max_size: count.default(0),
    /**
     * Upstream batches per distinct value of these client metadata keys. Receivers here do not carry client
     * metadata into the pipeline, so every item has the same (absent) values and there is one batch, which is
     * what upstream does for requests without that metadata.
     */
    metadata_keys: z.array(z.string()).default([]),
    metadata_cardinality_limit: count.max(0xffffffff).default(1000),
  })
  .superRefine((config, ctx) => {
    if (config.send_batch_max_size > 0 && config.send_batch_max_size < config.send_batch_size) {
      ctx.addIssue({ code: 'custom', path: ['send_batch_max_size'], message: 'must be greater than or equal to send_batch_size' });
    }
    const seen = new Set<string>();
    config.metadata_keys.forEach((key, i) => {
      const lower = key.toLowerCase();
      if (seen.has(lower)) ctx.addIssue({ code: 'custom', path: ['metadata_keys', i], message: `duplicate entry in metadata_keys: "${lower}" (case-insensitive)` });
      seen.add(lower);
    });
  });

export type BatchConfig = z.output<typeof batchConfigSchema>;

type Trigger = 'size' | 'timeout' | 'shutdown';

export class Batcher implements Consumer, Lifecycle {
  #pending: Payload[] = [];
  #pendingItems = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #inflight = new Set<Promise<void>>();
  readonly #config: BatchConfig;
  readonly #next: Consumer;
  readonly #metrics: BatchMetrics;
  readonly #logger: Logger;

  constructor(config: BatchConfig, next: Consumer, metrics: BatchMetrics, logger: Logger) {
    this.#config = config;
    this.#next = next;
    this.#metrics = metrics;
    this.#logger = logger;
  }

  consume(payload: Payload): void {
    if (payload.items === 0 && payload.resources.length === 0) return;
    this.#pending.push(payload);
    this.#pendingItems += payload.items;
    if (this.#config.timeout === 0) this.#flush('size', 0);
    else if (this.#pendingItems >= this.#config.send_batch_size) this.#flush('size', this.#config.send_batch_size);
    else this.#timer ??= setTimeout(() => this.#onTimeout(), this.#config.timeout).unref();
  }

  async shutdown(deadline: number): Promise<void> {
    this.#flush('shutdown', 0);
    const pending = Promise.allSettled(this.#inflight);
    const left = deadline - Date.now();
    if (left <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([pending, new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
    clearTimeout(timer);
  }

  #onTimeout(): void {
    this.#timer = undefined;
    this.#flush('timeout', 0);
  }

  /** Sends pending data; with a cap, keeps a remainder smaller than `keepBelow` items for later. */
  #flush(trigger: Trigger, keepBelow: number): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const merged = this.#pending.length === 1 ? this.#pending[0]! : mergePayloads(this.#pending);
    const max = this.#config.send_batch_max_size;
    const parts = max > 0 && merged.items > max ? splitPayload(merged, max) : [merged];
    let remaining = merged.items;
    let index = 0;
    for (; index < parts.length; index++) {
      if (keepBelow > 0 && remaining < keepBelow) break;
      const part = parts[index]!;
      remaining -= part.items;
      this.#send(part, trigger);
    }
    this.#pending = parts.slice(index);
    this.#pendingItems = remaining;
    if (this.#pending.length > 0) this.#timer = setTimeout(() => this.#onTimeout(), this.#config.timeout).unref();
  }

  #send(batch: Payload, trigger: Trigger): void {
    this.#metrics.sent(batch.items, trigger);
    let result: void | Promise<void>;
    try {
      result = this.#next.consume(batch);
    } catch (error) {
      this.#failed(batch, error);
      return;
    }
    if (!result) return;
    const tracked: Promise<void> = result.then(
      () => void this.#inflight.delete(tracked),
      (error: unknown) => {
        this.#inflight.delete(tracked);
        this.#failed(batch, error);
      },
    );
    this.#inflight.add(tracked);
  }

  #failed(batch: Payload, error: unknown): void {
    this.#logger.warn({ err: error, items: batch.items, signal: batch.signal }, 'batch could not be sent on');
  }
}

export const batchProcessorFactory: ProcessorFactory<BatchConfig> = {
  type: 'batch',
  signals: ['traces', 'metrics', 'logs'],
  configSchema: batchConfigSchema,
  create(ctx: ComponentContext, config: BatchConfig, _signal: Signal, next: Consumer): Consumer & Lifecycle {
    return new Batcher(config, next, ctx.telemetry.batch(ctx.id), ctx.logger);
  },
};
