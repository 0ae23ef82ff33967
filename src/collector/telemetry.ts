// The collector's own metrics, named and labelled as the upstream collector exports them by default
// (Prometheus names without the `_total` suffix), so dashboards and the autoscaler read either one.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Signal } from './component.ts';

export const ITEM_NAME: Record<Signal, string> = { traces: 'spans', metrics: 'metric_points', logs: 'log_records' };

type PerSignal<T> = Record<Signal, T>;

function counters(registry: Registry, prefix: string, help: string, labelNames: string[]): PerSignal<Counter> {
  const make = (signal: Signal) =>
    new Counter({ name: `${prefix}_${ITEM_NAME[signal]}`, help: `${help} (${ITEM_NAME[signal]})`, labelNames, registers: [registry] });
  return { traces: make('traces'), metrics: make('metrics'), logs: make('logs') };
}

export interface ReceiverMetrics {
  accepted(signal: Signal, items: number): void;
  refused(signal: Signal, items: number): void;
}

export interface ProcessorMetrics {
  refused(signal: Signal, items: number): void;
  dropped(signal: Signal, items: number): void;
}

export interface ExporterMetrics {
  sent(signal: Signal, items: number): void;
  sendFailed(signal: Signal, items: number): void;
  enqueueFailed(signal: Signal, items: number): void;
  /** Sending-queue gauges; with `signal` labelled data_type as upstream (one queue per signal). */
  queue(size: number, capacity: number, signal?: Signal): void;
}

export interface BatchMetrics {
  sent(items: number, trigger: 'size' | 'timeout' | 'shutdown'): void;
}

export class Telemetry {
  readonly registry = new Registry();
  readonly #receiverAccepted = counters(this.registry, 'otelcol_receiver_accepted', 'Items successfully pushed into the pipeline', ['receiver', 'transport']);
  readonly #receiverRefused = counters(this.registry, 'otelcol_receiver_refused', 'Items that could not be pushed into the pipeline', ['receiver', 'transport']);
  readonly #processorRefused = counters(this.registry, 'otelcol_processor_refused', 'Items refused by a processor (memory_limiter back-pressure)', ['processor']);
  readonly #processorDropped = counters(this.registry, 'otelcol_processor_dropped', 'Items dropped by a processor', ['processor']);
  readonly #exporterSent = counters(this.registry, 'otelcol_exporter_sent', 'Items successfully sent to the destination', ['exporter']);
  readonly #exporterSendFailed = counters(this.registry, 'otelcol_exporter_send_failed', 'Items that failed to be sent, including those given up at shutdown', ['exporter']);
  readonly #exporterEnqueueFailed = counters(this.registry, 'otelcol_exporter_enqueue_failed', 'Items that failed to be added to the sending queue', ['exporter']);
  readonly #queueSize = new Gauge({ name: 'otelcol_exporter_queue_size', help: 'Current size of the retry queue (in batches)', labelNames: ['exporter', 'data_type'], registers: [this.registry] });
  readonly #queueCapacity = new Gauge({ name: 'otelcol_exporter_queue_capacity', help: 'Fixed capacity of the retry queue (in batches)', labelNames: ['exporter', 'data_type'], registers: [this.registry] });
  readonly #batchSendSize = new Histogram({
    name: 'otelcol_processor_batch_batch_send_size',
    help: 'Number of units in the batch',
    labelNames: ['processor'],
    buckets: [10, 25, 50, 75, 100, 250, 500, 750, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 20000, 30000, 50000, 100000],
    registers: [this.registry],
  });
  readonly #batchSizeTrigger = new Counter({ name: 'otelcol_processor_batch_batch_size_trigger_send', help: 'Number of times the batch was sent due to a size trigger', labelNames: ['processor'], registers: [this.registry] });
  readonly #batchTimeoutTrigger = new Counter({ name: 'otelcol_processor_batch_timeout_trigger_send', help: 'Number of times the batch was sent due to a timeout trigger', labelNames: ['processor'], registers: [this.registry] });

  constructor() {
    registerProcessMetrics(this.registry);
  }

  receiver(receiver: string, transport: 'grpc' | 'http'): ReceiverMetrics {
    const labels = { receiver, transport };
    const accepted = bind(this.#receiverAccepted, labels);
    const refused = bind(this.#receiverRefused, labels);
    return {
      accepted: (signal, items) => accepted[signal].inc(items),
      refused: (signal, items) => refused[signal].inc(items),
    };
  }

  processor(processor: string): ProcessorMetrics {
    const refused = bind(this.#processorRefused, { processor });
    const dropped = bind(this.#processorDropped, { processor });
    return {
      refused: (signal, items) => refused[signal].inc(items),
      dropped: (signal, items) => dropped[signal].inc(items),
    };
  }

  exporter(exporter: string): ExporterMetrics {
    const labels = { exporter };
    const sent = bind(this.#exporterSent, labels);
    const failed = bind(this.#exporterSendFailed, labels);
    const enqueueFailed = bind(this.#exporterEnqueueFailed, labels);
    const gauges = new Map<string, { size: Gauge.Internal<string>; capacity: Gauge.Internal<string> }>();
    const queueGauges = (signal: Signal | undefined) => {
      let bound = gauges.get(signal ?? '');
      if (!bound) {
        const queueLabels = signal ? { exporter, data_type: signal } : labels;
        bound = { size: this.#queueSize.labels(queueLabels), capacity: this.#queueCapacity.labels(queueLabels) };
        gauges.set(signal ?? '', bound);
      }
      return bound;
    };
    return {
      sent: (signal, items) => sent[signal].inc(items),
      sendFailed: (signal, items) => failed[signal].inc(items),
      enqueueFailed: (signal, items) => enqueueFailed[signal].inc(items),
      queue: (queueSize, queueCapacity, signal) => {
        const { size, capacity } = queueGauges(signal);
        size.set(queueSize);
        capacity.set(queueCapacity);
      },
    };
  }

  batch(processor: string): BatchMetrics {
    const sendSize = this.#batchSendSize.labels({ processor });
    const sizeTrigger = this.#batchSizeTrigger.labels({ processor });
    const timeoutTrigger = this.#batchTimeoutTrigger.labels({ processor });
    return {
      sent: (items, trigger) => {
        sendSize.observe(items);
        if (trigger === 'size') sizeTrigger.inc();
        else if (trigger === 'timeout') timeoutTrigger.inc();
      },
    };
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

type Child = ReturnType<Counter['labels']>;

// Label lookups cost a hash per call; binding once keeps the hot path to one add.
function bind(perSignal: PerSignal<Counter>, labels: Record<string, string>): PerSignal<Child> {
  return { traces: perSignal.traces.labels(labels), metrics: perSignal.metrics.labels(labels), logs: perSignal.logs.labels(labels) };
}

function registerProcessMetrics(registry: Registry): void {
  const started = Date.now();
  new Gauge({
    name: 'otelcol_process_memory_rss', help: 'Total physical memory (resident set size) [By]', registers: [registry],
    collect() { this.set(process.memoryUsage.rss()); },
  });
  new Counter({
    name: 'otelcol_process_cpu_seconds', help: 'Total CPU user and system time in seconds [s]', registers: [registry],
    collect() {
      const { user, system } = process.cpuUsage();
      this.reset();
      this.inc((user + system) / 1e6);
    },
  });
  new Gauge({
    name: 'otelcol_process_runtime_heap_alloc_bytes', help: 'Bytes of allocated heap objects (V8 heap used plus external memory) [By]', registers: [registry],
    collect() {
      const usage = process.memoryUsage();
      this.set(usage.heapUsed + usage.external);
    },
  });
  new Counter({
    name: 'otelcol_process_uptime', help: 'Uptime of the process [s]', registers: [registry],
    collect() {
      this.reset();
      this.inc((Date.now() - started) / 1000);
    },
  });
}
