// The collector's own metrics, named and labelled as the upstream collector exports them by default
// (Prometheus names without the `_total` suffix), so dashboards and the autoscaler read either one.
import { getHeapStatistics } from 'node:v8';
import { Counter, Gauge, Histogram, Registry } from './prom-classes.ts';
import type { Signal } from './component.ts';
import { VERSION } from './version.ts';
import { crypto } from './builtins.ts';

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

export interface MemoryLimiterMetrics {
  accepted(signal: Signal, items: number): void;
  refused(signal: Signal, items: number): void;
}

/** Items into and out of a processor (upstream's processorhelper counts every processor but batch). */
export interface ProcessorFlow {
  incoming(items: number): void;
  outgoing(items: number): void;
}

export interface ExporterMetrics {
  sent(signal: Signal, items: number): void;
  /** Failed items, labelled with the error's type and whether it was permanent, as upstream. */
  sendFailed(signal: Signal, items: number, error?: unknown): void;
  enqueueFailed(signal: Signal, items: number): void;
  /** Sending-queue gauges; with `signal` labelled data_type as upstream (one queue per signal). */
  queue(size: number, capacity: number, signal?: Signal): void;
  /** A request to the destination started (+1) or ended (-1). */
  inFlight(signal: Signal, delta: number): void;
}

export interface BatchMetrics {
  sent(items: number, trigger: 'size' | 'timeout' | 'shutdown'): void;
}

/** Labels of an exporter's sent and failed counters beyond `exporter`: server_address, server_port, url_path. */
export type EndpointLabels = (signal: Signal) => Readonly<Record<string, string>>;

// grpc-go's codes.Code names, which upstream reports as error_type.
const GRPC_CODES = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];

/** Upstream's error.type of a failed export: the gRPC code, Deadline_Exceeded, Shutdown, or _OTHER. */
export function exportErrorType(error: unknown): string {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'number' && GRPC_CODES[code] && code !== 0) return GRPC_CODES[code]!;
    if (/drain deadline/.test(cause.message)) return 'Shutdown';
    if (cause.name === 'TimeoutError' || /deadline|timed? ?out/i.test(cause.message)) return 'Deadline_Exceeded';
  }
  return '_OTHER';
}

const isPermanent = (error: unknown): boolean => (error as { retryable?: unknown } | undefined)?.retryable === false;

export class Telemetry {
  readonly registry = new Registry();
  readonly #receiverAccepted = counters(this.registry, 'otelcol_receiver_accepted', 'Items successfully pushed into the pipeline', ['receiver', 'transport']);
  readonly #receiverRefused = counters(this.registry, 'otelcol_receiver_refused', 'Items that could not be pushed into the pipeline', ['receiver', 'transport']);
  readonly #receiverFailed = counters(this.registry, 'otelcol_receiver_failed', 'Items that failed to be processed by the receiver', ['receiver', 'transport']);
  // Not upstream's name since 0.110 (memory_limiter_refused below is); kept because the autoscaler reads it.
  readonly #processorRefused = counters(this.registry, 'otelcol_processor_refused', 'Items refused by a processor (memory_limiter back-pressure; pre-0.110 name)', ['processor']);
  readonly #limiterAccepted = counters(this.registry, 'otelcol_processor_memory_limiter_accepted', 'Items accepted by the memory_limiter', ['processor']);
  readonly #limiterRefused = counters(this.registry, 'otelcol_processor_memory_limiter_refused', 'Items refused by the memory_limiter', ['processor']);
  readonly #incoming = new Counter({ name: 'otelcol_processor_incoming_items', help: 'Number of items passed to the processor', labelNames: ['otel_signal', 'processor'], registers: [this.registry] });
  readonly #outgoing = new Counter({ name: 'otelcol_processor_outgoing_items', help: 'Number of items emitted from the processor', labelNames: ['otel_signal', 'processor'], registers: [this.registry] });
  readonly #exporterSent = counters(this.registry, 'otelcol_exporter_sent', 'Items successfully sent to the destination', ['exporter', 'server_address', 'server_port', 'url_path']);
  readonly #exporterSendFailed = counters(this.registry, 'otelcol_exporter_send_failed', 'Items that failed to be sent, including those given up at shutdown',
    ['exporter', 'server_address', 'server_port', 'url_path', 'error_type', 'error_permanent']);
  readonly #exporterEnqueueFailed = counters(this.registry, 'otelcol_exporter_enqueue_failed', 'Items that failed to be added to the sending queue', ['exporter']);
  readonly #inFlight = new Gauge({ name: 'otelcol_exporter_in_flight_requests', help: 'Number of in-flight requests', labelNames: ['data_type', 'exporter'], registers: [this.registry] });
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
  readonly #batchCardinality = new Gauge({ name: 'otelcol_processor_batch_metadata_cardinality', help: 'Number of distinct metadata value combinations being processed', labelNames: ['processor'], registers: [this.registry] });

  /** `resource`: the collector's identity as upstream's target_info carries it (service_name, service_version, ...). */
  constructor(resource: Readonly<Record<string, string>> = {}) {
    registerProcessMetrics(this.registry);
    registerScrapeMetrics(this.registry, resource);
  }

  receiver(receiver: string, transport: 'grpc' | 'http'): ReceiverMetrics {
    const labels = { receiver, transport };
    const accepted = bind(this.#receiverAccepted, labels);
    const refused = bind(this.#receiverRefused, labels);
    const failed = bind(this.#receiverFailed, labels);
    // Upstream records all three for every request, so a refusal or failure counter exists (0) from the first one.
    const record = (signal: Signal, ok: number, no: number) => {
      accepted[signal].inc(ok);
      refused[signal].inc(no);
      failed[signal].inc(0);
    };
    return {
      accepted: (signal, items) => record(signal, items, 0),
      refused: (signal, items) => record(signal, 0, items),
    };
  }

  memoryLimiter(processor: string): MemoryLimiterMetrics {
    const legacy = bind(this.#processorRefused, { processor });
    const accepted = bind(this.#limiterAccepted, { processor });
    const refused = bind(this.#limiterRefused, { processor });
    return {
      accepted: (signal, items) => accepted[signal].inc(items),
      refused: (signal, items) => {
        refused[signal].inc(items);
        legacy[signal].inc(items);
      },
    };
  }

  processorFlow(processor: string, signal: Signal): ProcessorFlow {
    const incoming = this.#incoming.labels({ otel_signal: signal, processor });
    const outgoing = this.#outgoing.labels({ otel_signal: signal, processor });
    return {
      incoming: (items) => {
        incoming.inc(items);
        outgoing.inc(0);
      },
      outgoing: (items) => outgoing.inc(items),
    };
  }

  exporter(exporter: string, endpoint: EndpointLabels = () => ({})): ExporterMetrics {
    const sent = perSignal((signal) => this.#exporterSent[signal].labels({ exporter, ...endpoint(signal) }));
    const failed = new Map<string, Child>();
    const enqueueFailed = bind(this.#exporterEnqueueFailed, { exporter });
    const inFlight = perSignal((signal) => this.#inFlight.labels({ data_type: signal, exporter }));
    const gauges = new Map<string, { size: ReturnType<Gauge['labels']>; capacity: ReturnType<Gauge['labels']> }>();
    const queueGauges = (signal: Signal | undefined) => {
      let bound = gauges.get(signal ?? '');
      if (!bound) {
        const queueLabels = signal ? { exporter, data_type: signal } : { exporter };
        bound = { size: this.#queueSize.labels(queueLabels), capacity: this.#queueCapacity.labels(queueLabels) };
        gauges.set(signal ?? '', bound);
      }
      return bound;
    };
    return {
      sent: (signal, items) => sent[signal].inc(items),
      sendFailed: (signal, items, error) => {
        const labels = { exporter, ...endpoint(signal), error_type: exportErrorType(error), error_permanent: String(isPermanent(error)) };
        const key = `${signal} ${labels.error_type} ${labels.error_permanent}`;
        let child = failed.get(key);
        if (!child) failed.set(key, (child = this.#exporterSendFailed[signal].labels(labels)));
        child.inc(items);
      },
      enqueueFailed: (signal, items) => enqueueFailed[signal].inc(items),
      queue: (queueSize, queueCapacity, signal) => {
        const { size, capacity } = queueGauges(signal);
        size.set(queueSize);
        capacity.set(queueCapacity);
      },
      inFlight: (signal, delta) => inFlight[signal].inc(delta),
    };
  }

  batch(processor: string): BatchMetrics {
    const sendSize = this.#batchSendSize.labels({ processor });
    const sizeTrigger = this.#batchSizeTrigger.labels({ processor });
    const timeoutTrigger = this.#batchTimeoutTrigger.labels({ processor });
    // One batcher per pipeline, each with one (empty) metadata combination, as upstream counts them.
    this.#batchCardinality.labels({ processor }).inc();
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
function bind(counters: PerSignal<Counter>, labels: Record<string, string>): PerSignal<Child> {
  return perSignal((signal) => counters[signal].labels(labels));
}

function perSignal<T>(make: (signal: Signal) => T): PerSignal<T> {
  return { traces: make('traces'), metrics: make('metrics'), logs: make('logs') };
}

/** target_info (the collector's resource) and the scrape handler's error counters, as upstream's Prometheus endpoint has them. */
function registerScrapeMetrics(registry: Registry, resource: Readonly<Record<string, string>>): void {
  const labels = { service_instance_id: crypto.randomUUID(), service_name: 'tpo', service_version: VERSION, ...resource };
  new Gauge({ name: 'target_info', help: 'Target metadata', labelNames: Object.keys(labels), registers: [registry] }).set(labels, 1);
  const errors = new Counter({ name: 'promhttp_metric_handler_errors_total', help: 'Total number of internal errors encountered by the promhttp metric handler.', labelNames: ['cause'], registers: [registry] });
  for (const cause of ['encoding', 'gathering']) errors.inc({ cause }, 0);
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
  // Node has no count of all bytes ever allocated: this sums the growth of heap and external memory seen at each
  // scrape, a lower bound of upstream's Go figure.
  let seen = 0;
  let total = 0;
  new Counter({
    name: 'otelcol_process_runtime_total_alloc_bytes', help: 'Cumulative bytes allocated for heap objects (growth seen between scrapes, a lower bound) [By]', registers: [registry],
    collect() {
      const { heapUsed, external } = process.memoryUsage();
      total += Math.max(0, heapUsed + external - seen);
      seen = heapUsed + external;
      this.reset();
      this.inc(total);
    },
  });
  new Gauge({
    name: 'otelcol_process_runtime_total_sys_memory_bytes', help: 'Total bytes of memory obtained from the OS (V8 heap, malloc and external memory) [By]', registers: [registry],
    collect() {
      const heap = getHeapStatistics();
      this.set(heap.total_heap_size + heap.malloced_memory + heap.external_memory);
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
