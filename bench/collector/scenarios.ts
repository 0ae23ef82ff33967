// The benchmark's scenarios and the collector config each one runs with. The same YAML is
// given to our collector and to the upstream one.
import { stringify } from 'yaml';

export interface Scenario {
  readonly id: 'a' | 'b' | 'c';
  readonly title: string;
  readonly attributes: boolean;
  readonly gzip: boolean;
}

export const SCENARIOS: readonly Scenario[] = [
  { id: 'a', title: 'memory_limiter + batch', attributes: false, gzip: false },
  { id: 'b', title: 'memory_limiter + attributes + batch', attributes: true, gzip: false },
  { id: 'c', title: 'memory_limiter + batch, gzip in and out', attributes: false, gzip: true },
];

export interface Ports { otlpGrpc: number; metrics: number; sink: number }

export function collectorConfig(s: Pick<Scenario, 'attributes' | 'gzip'>, ports: Ports): string {
  const processors: Record<string, unknown> = {
    // Generous, so the limiter is on the path but never refuses at these loads.
    memory_limiter: { check_interval: '1s', limit_mib: 1024, spike_limit_mib: 256 },
    batch: {},
  };
  if (s.attributes) {
    processors['attributes/bench'] = {
      actions: [
        { key: 'bench.pipeline', action: 'insert', value: 'tpo-bench' },
        { key: 'user_agent.original', action: 'delete' },
        { key: 'client.address', action: 'hash' },
      ],
    };
  }
  const config = {
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${ports.otlpGrpc}` } } } },
    processors,
    exporters: {
      'otlp_grpc/sink': {
        endpoint: `127.0.0.1:${ports.sink}`,
        tls: { insecure: true },
        compression: s.gzip ? 'gzip' : 'none',
      },
    },
    service: {
      telemetry: {
        metrics: { readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: ports.metrics } } } }] },
      },
      pipelines: {
        traces: {
          receivers: ['otlp'],
          processors: s.attributes ? ['memory_limiter', 'attributes/bench', 'batch'] : ['memory_limiter', 'batch'],
          exporters: ['otlp_grpc/sink'],
        },
      },
    },
  };
  return stringify(config);
}
