// One scrape of one collector reduced to what the autoscaler needs: counter totals per item,
// summed across label sets (receiver, transport, exporter, ...), and exporter queue gauges.
//
// Names: the upstream collector exports `otelcol_receiver_accepted_spans` in older releases and
// `otelcol_receiver_accepted_spans_total` in newer ones (OTel Go Prometheus exporter); both are
// accepted, the bare name winning if a collector were to export both.
import type { Exposition, Sample } from './prom-text.ts';
import { METRIC_SUFFIX, perItem, type PerItem } from './items.ts';

export interface QueueGauge {
  /** Canonical label set shared by the size and capacity gauges, e.g. `exporter="otlp"`. */
  labels: string;
  size: number;
  capacity: number;
}

export interface PodSnapshot {
  /** otelcol_receiver_accepted_*: items the receivers pushed into the pipeline. */
  accepted: PerItem<number>;
  /** otelcol_receiver_refused_*: items the pipeline turned away (memory_limiter, full queues). */
  receiverRefused: PerItem<number>;
  /** otelcol_processor_refused_*: items a processor (the memory_limiter) refused. */
  processorRefused: PerItem<number>;
  /** otelcol_exporter_sent_*: items delivered. */
  sent: PerItem<number>;
  /** otelcol_exporter_send_failed_*: items given up on after retries. */
  sendFailed: PerItem<number>;
  queues: QueueGauge[];
  /** otelcol_process_uptime, when exported: tells a restarted process from a busy one. */
  uptimeSeconds?: number;
  /** otelcol_process_cpu_seconds, when exported: the process's CPU time, from which item costs are learned. */
  cpuSeconds?: number;
  /** otelcol_processor_tail_sampling_sampling_traces_on_memory of a sampler: traces held, waiting for their decision. */
  tracesOnMemory?: number;
  /** otelcol_process_runtime_heap_alloc_bytes: the memory the memory_limiter holds against its limit. */
  heapBytes?: number;
}

export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

const UPTIME_NAMES = ['otelcol_process_uptime', 'otelcol_process_uptime_total', 'otelcol_process_uptime_seconds_total'];
const CPU_NAMES = ['otelcol_process_cpu_seconds', 'otelcol_process_cpu_seconds_total'];

export function snapshotOf(exposition: Exposition): PodSnapshot {
  const byName = groupByName(exposition.samples);
  const counter = (prefix: string) => perItem((item) => counterTotal(byName, `${prefix}_${METRIC_SUFFIX[item]}`));
  const snapshot: PodSnapshot = {
    accepted: counter('otelcol_receiver_accepted'),
    receiverRefused: counter('otelcol_receiver_refused'),
    processorRefused: counter('otelcol_processor_refused'),
    sent: counter('otelcol_exporter_sent'),
    sendFailed: counter('otelcol_exporter_send_failed'),
    queues: queueGauges(byName),
  };
  const uptime = UPTIME_NAMES.flatMap((name) => byName.get(name) ?? []);
  if (uptime.length > 0) snapshot.uptimeSeconds = Math.max(...uptime.map((s) => finite(s)));
  const cpu = CPU_NAMES.flatMap((name) => byName.get(name) ?? []);
  if (cpu.length > 0) snapshot.cpuSeconds = Math.max(...cpu.map((s) => finite(s)));
  const traces = byName.get('otelcol_processor_tail_sampling_sampling_traces_on_memory');
  if (traces) snapshot.tracesOnMemory = traces.reduce((sum, s) => sum + finite(s), 0);
  const heap = byName.get('otelcol_process_runtime_heap_alloc_bytes');
  if (heap) snapshot.heapBytes = Math.max(...heap.map((s) => finite(s)));
  return snapshot;
}

function groupByName(samples: Sample[]): Map<string, Sample[]> {
  const byName = new Map<string, Sample[]>();
  for (const sample of samples) {
    const list = byName.get(sample.name);
    if (list) list.push(sample);
    else byName.set(sample.name, [sample]);
  }
  return byName;
}

function counterTotal(byName: Map<string, Sample[]>, name: string): number {
  const samples = byName.get(name) ?? byName.get(`${name}_total`) ?? [];
  let total = 0;
  for (const sample of samples) {
    const value = finite(sample);
    if (value < 0) throw new SnapshotError(`${sample.name}: counter is negative (${value})`);
    total += value;
  }
  return total;
}

/** Pairs each otelcol_exporter_queue_size series with the capacity series of the same labels. */
function queueGauges(byName: Map<string, Sample[]>): QueueGauge[] {
  const capacities = new Map<string, number>();
  for (const sample of byName.get('otelcol_exporter_queue_capacity') ?? []) capacities.set(labelKey(sample.labels), finite(sample));
  const queues: QueueGauge[] = [];
  for (const sample of byName.get('otelcol_exporter_queue_size') ?? []) {
    const labels = labelKey(sample.labels);
    const capacity = capacities.get(labels);
    // A queue without a known capacity has no fill ratio; it cannot signal saturation.
    if (capacity !== undefined && capacity > 0) queues.push({ labels, size: finite(sample), capacity });
  }
  return queues;
}

function labelKey(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
}

function finite(sample: Sample): number {
  if (!Number.isFinite(sample.value)) throw new SnapshotError(`${sample.name}: value ${sample.value} is not a finite number`);
  return sample.value;
}
