// What every exporter shares, as upstream's exporterhelper: sending queue -> retry -> per-attempt
// timeout -> the exporter's push, with otelcol_exporter_* counted once per request after retries.
// Accounting invariant: every consumed item ends in exactly one of sent, send_failed, enqueue_failed.
import { Counter, type Registry } from '../prom-classes.ts';
import { SIGNALS } from '../component.ts';
import type { ComponentContext, Consumer, Lifecycle, Payload, Signal } from '../component.ts';
import { ITEM_NAME } from '../telemetry.ts';
import type { RetryConfig } from './retry.ts';
import { sendWithRetry, systemClock } from './retry-sender.ts';
import type { Clock } from './retry-sender.ts';
import { isRetryable } from '../errors.ts';
import { KeptForRestart, SendingQueue } from './sending-queue.ts';
import type { QueueConfig } from './sending-queue.ts';
import { storageExtension } from './storage.ts';

export interface PushOptions {
  /** Aborted at the drain deadline: end the attempt now. */
  readonly signal: AbortSignal;
  /** Per-attempt time limit in ms; 0 = none. */
  readonly timeoutMs: number;
}

/** Items the server refused in an otherwise successful response (OTLP partial_success). */
export interface PushResult {
  readonly rejected: number;
  readonly message: string;
}

export interface ExporterClient {
  start?(): Promise<void>;
  /** Labels of the destination on the sent/failed counters (server_address, server_port, url_path), as upstream. */
  endpointLabels?(signal: Signal): Readonly<Record<string, string>>;
  /** One attempt; throws ExportError (or anything: treated as retryable) on failure. */
  push(payload: Payload, options: PushOptions): Promise<PushResult | void>;
  shutdown?(): Promise<void>;
}

export interface HelperConfig {
  readonly sending_queue: QueueConfig;
  /** Absent: one attempt only (the debug exporter). */
  readonly retry_on_failure?: RetryConfig;
  readonly timeout: number;
}

export interface HelperDeps {
  readonly clock?: Clock;
  readonly random?: () => number;
}

export interface QueueBacklog {
  readonly requests: number;
  readonly items: number;
  /** Where a persistent queue keeps them (undefined: in memory). */
  readonly location?: string;
}

export type Exporter = Consumer & Lifecycle & {
  /** What each signal's queue holds (queued and in flight). */
  backlog(): readonly QueueBacklog[];
};

const NO_RETRY: RetryConfig = { enabled: false, initial_interval: 0, randomization_factor: 0, multiplier: 1, max_interval: 0, max_elapsed_time: 0 };

export function createExporter(ctx: ComponentContext, config: HelperConfig, client: ExporterClient, deps: HelperDeps = {}): Exporter {
  const clock = deps.clock ?? systemClock;
  const metrics = ctx.telemetry.exporter(ctx.id, (signal) => client.endpointLabels?.(signal) ?? {});
  const retries = retryCounter(ctx.telemetry.registry).labels({ exporter: ctx.id });
  const stop = new AbortController();
  let drainDeadline: number | undefined;
  const retryContext = {
    clock,
    random: deps.random ?? Math.random,
    logger: ctx.logger,
    stop: stop.signal,
    drainDeadline: () => drainDeadline,
    onRetry: () => retries.inc(),
  };
  const retry = config.retry_on_failure ?? NO_RETRY;
  const queued = config.sending_queue.enabled;
  const storage = queued ? config.sending_queue.storage : undefined;

  const deliver = async (payload: Payload): Promise<void> => {
    let result: PushResult | void;
    metrics.inFlight(payload.signal, 1);
    try {
      result = await sendWithRetry((signal) => client.push(payload, { signal, timeoutMs: config.timeout }), retry, retryContext);
    } catch (error) {
      // A persistent queue hands what it could not send before the drain deadline to the next process.
      if (storage !== undefined && drainDeadline !== undefined && isRetryable(error)) {
        throw new KeptForRestart(`kept in the persistent queue: ${(error as Error).message}`, { cause: error });
      }
      metrics.sendFailed(payload.signal, payload.items, error);
      ctx.logger.error({ error: (error as Error).message, [`dropped_${ITEM_NAME[payload.signal]}`]: payload.items },
        queued ? 'Exporting failed. Dropping data.' : 'Exporting failed. Rejecting data.');
      throw error;
    } finally {
      metrics.inFlight(payload.signal, -1);
    }
    const rejected = Math.min(result?.rejected ?? 0, payload.items);
    if (result && (rejected > 0 || result.message)) {
      ctx.logger.warn({ message: result.message, [`dropped_${ITEM_NAME[payload.signal]}`]: rejected }, 'Partial success response');
    }
    metrics.sent(payload.signal, payload.items - rejected);
    if (rejected > 0) metrics.sendFailed(payload.signal, rejected);
  };

  // One queue per signal, as upstream creates one exporter (and queue) per signal.
  const queues = Object.fromEntries(SIGNALS.map((signal) =>
    [signal, new SendingQueue({ config: config.sending_queue, signal, deliver, metrics, logger: ctx.logger, clock })])) as Record<Signal, SendingQueue>;
  return {
    consume: (payload) => queues[payload.signal].consume(payload),
    start: async () => {
      await client.start?.();
      if (storage === undefined) return;
      const extension = storageExtension(ctx.extensions, storage, `exporters.${ctx.id}.sending_queue.storage`);
      await Promise.all(SIGNALS.map((signal) => queues[signal].open(extension.queueStore(ctx.id, signal, ctx.logger))));
    },
    backlog: () => SIGNALS.map((signal) => ({ ...queues[signal].held, location: queues[signal].location })),
    shutdown: async (deadline) => {
      drainDeadline = deadline;
      const abort = () => stop.abort(new Error('drain deadline reached'));
      await Promise.all(SIGNALS.map((signal) => queues[signal].drain(deadline, abort)));
      await client.shutdown?.();
    },
  };
}

// Not an upstream metric: upstream shows retries only indirectly (queue size, delayed sends).
// One counter per registry, shared by the exporters that report into it.
const retryCounters = new WeakMap<Registry, Counter>();

function retryCounter(registry: Registry): Counter {
  let counter = retryCounters.get(registry);
  if (!counter) {
    counter = new Counter({
      name: 'otelcol_exporter_send_retries',
      help: 'Export requests retried after a retryable failure (not an upstream metric)',
      labelNames: ['exporter'],
      registers: [registry],
    });
    retryCounters.set(registry, counter);
  }
  return counter;
}
