// Upstream's otelcol_loadbalancer_* self-metrics (contrib loadbalancingexporter v0.161.0 metadata.yaml), and this
// collector's own trace_pins* series (trace-pins.ts), which upstream has no counterpart of.
import { Counter, Gauge, Histogram } from '../../prom-classes.ts';
import type { Telemetry } from '../../telemetry.ts';

const PREFIX = 'otelcol_loadbalancer_';
const LATENCY_BUCKETS = [5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

export type ResolverName = 'static' | 'dns' | 'k8s';

export interface LoadBalancerMetrics {
  readonly backendLatency: Histogram<'endpoint'>;
  readonly backendOutcome: Counter<'success'>;
  readonly numBackendUpdates: Counter<'resolver'>;
  readonly numBackends: Gauge<'resolver'>;
  readonly numResolutions: Counter<'success' | 'resolver'>;
  readonly tracePins: Gauge;
  readonly tracePinsEvicted: Counter;
  readonly tracePinsMoved: Counter;
}

type Metric = Counter | Gauge | Histogram;

/** One set per registry, shared by every loadbalancing exporter reporting into it (upstream's carry no exporter label). */
export function loadBalancerMetrics(telemetry: Telemetry): LoadBalancerMetrics {
  const registry = telemetry.registry;
  const get = <M extends Metric>(name: string, make: (options: { name: string; registers: [typeof registry] }) => M): M =>
    (registry.getSingleMetric(PREFIX + name) as M | undefined) ?? make({ name: PREFIX + name, registers: [registry] });
  return {
    backendLatency: get('backend_latency', (o) => new Histogram({ ...o, help: 'Response latency in ms for the backends.', labelNames: ['endpoint'], buckets: LATENCY_BUCKETS })),
    backendOutcome: get('backend_outcome', (o) => new Counter({ ...o, help: 'Number of successes and failures for each endpoint.', labelNames: ['success'] })),
    numBackendUpdates: get('num_backend_updates', (o) => new Counter({ ...o, help: 'Number of times the list of backends was updated.', labelNames: ['resolver'] })),
    numBackends: get('num_backends', (o) => new Gauge({ ...o, help: 'Current number of backends in use.', labelNames: ['resolver'] })),
    numResolutions: get('num_resolutions', (o) => new Counter({ ...o, help: 'Number of times the resolver has triggered new resolutions.', labelNames: ['success', 'resolver'] })),
    tracePins: get('trace_pins', (o) => new Gauge({ ...o, help: 'Traces currently pinned to the backend that got their first spans.' })),
    tracePinsEvicted: get('trace_pins_evicted', (o) => new Counter({ ...o, help: 'Pins dropped before their time to make room; later spans of those traces follow the current ring.' })),
    tracePinsMoved: get('trace_pins_moved', (o) => new Counter({ ...o, help: 'Pinned traces whose backend stopped serving; their later spans follow the current ring.' })),
  };
}
