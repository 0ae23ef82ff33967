// The tail_sampling processor's self-metrics, named and labelled as upstream's (contrib tailsamplingprocessor
// v0.161.0, metadata.yaml; the span and byte counts per policy are behind alpha feature gates there and left out).
// Created once per registry and shared by every instance; unlabelled ones that upstream may never record (so never
// exports) are made on first use, since prom-client exports an unlabelled metric from its creation.
import { Counter, Gauge, Histogram } from '../prom-classes.ts';
import type { Telemetry } from '../telemetry.ts';
import type { Decision } from './tail-sampling-policies.ts';

const PREFIX = 'otelcol_processor_tail_sampling_';
// OpenTelemetry's default explicit histogram buckets, which upstream's histograms without their own use.
const DEFAULT_BUCKETS = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
const TIMER_BUCKETS = [1, 2, 5, 10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 50000];

export interface TailSamplingMetrics {
  readonly countTracesSampled: Counter;
  readonly globalCountTracesSampled: Counter;
  readonly earlyReleasesFromCacheDecision: Counter;
  readonly newTraceIdReceived: Counter;
  readonly decisionTimerLatency: Histogram;
  /** Made on first use, as upstream exports it only once recorded. */
  lateSpanAge(): Histogram;
  readonly policyEvaluationError: Counter;
  readonly policyExecutionCount: Counter;
  readonly policyExecutionTimeSum: Counter;
  readonly traceDroppedTooEarly: Counter;
  /** Made on first use, as upstream exports it only once recorded. */
  traceRemovalAge(): Histogram;
  readonly tracesOnMemory: Gauge;
  /** Made on first use, as upstream exports it only once recorded. */
  tracesDroppedTooLarge(): Counter;
}

/** The `decision` and `sampled` labels upstream gives a decision. */
export function decisionLabels(decision: Decision): { decision: string; sampled: string } {
  return { decision, sampled: String(decision === 'sampled') };
}

type Metric = Counter | Gauge | Histogram;

export function tailSamplingMetrics(telemetry: Telemetry): TailSamplingMetrics {
  const registry = telemetry.registry;
  const get = <M extends Metric>(name: string, make: (options: { name: string; registers: [typeof registry] }) => M): M =>
    (registry.getSingleMetric(PREFIX + name) as M | undefined) ?? make({ name: PREFIX + name, registers: [registry] });
  const counter = (name: string, help: string, labelNames: string[] = []) => get(name, (o) => new Counter({ ...o, help, labelNames }));
  const histogram = (name: string, help: string, buckets: number[]) => get(name, (o) => new Histogram({ ...o, help, buckets }));
  return {
    countTracesSampled: counter('count_traces_sampled', 'Count of traces that were sampled or not per sampling policy', ['decision', 'policy', 'sampled']),
    globalCountTracesSampled: counter('global_count_traces_sampled', 'Global count of traces that were sampled or not by at least one policy', ['decision', 'sampled']),
    earlyReleasesFromCacheDecision: counter('early_releases_from_cache_decision', 'Number of spans that were able to be immediately released due to a decision cache hit.', ['sampled']),
    newTraceIdReceived: counter('new_trace_id_received', 'Counts the arrival of new traces'),
    decisionTimerLatency: histogram('sampling_decision_timer_latency', 'Latency (in milliseconds) of each run of the sampling decision timer', TIMER_BUCKETS),
    lateSpanAge: () => histogram('sampling_late_span_age', 'Time (in seconds) from the sampling decision was taken and the arrival of a late span', DEFAULT_BUCKETS),
    policyEvaluationError: counter('sampling_policy_evaluation_error', 'Count of sampling policy evaluation errors'),
    policyExecutionCount: counter('sampling_policy_execution_count', 'Total number of executions of a specific sampling policy', ['policy']),
    policyExecutionTimeSum: counter('sampling_policy_execution_time_sum', 'Total time spent (in microseconds) executing a specific sampling policy', ['policy']),
    traceDroppedTooEarly: counter('sampling_trace_dropped_too_early', 'Count of traces that needed to be dropped before the configured wait time'),
    traceRemovalAge: () => histogram('sampling_trace_removal_age', 'Time (in seconds) from arrival of a new trace until its removal from memory', DEFAULT_BUCKETS),
    tracesOnMemory: get('sampling_traces_on_memory', (o) => new Gauge({ ...o, help: 'Tracks the number of traces current on memory' })),
    tracesDroppedTooLarge: () => counter('traces_dropped_too_large', 'Count of traces that were dropped because they were too large'),
  };
}
