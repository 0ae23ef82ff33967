// The collector process a fuzz campaign runs against, sized as the operator renders a 512 MiB pod (memory_limiter
// 75 % with a spike of 25 % of it, V8 heap capped at the soft limit, small young generation): both OTLP listeners
// with their default limits, all three signals through a processor that rewrites every item (so malformed data that
// passes the receiver's scan is decoded further down) to the debug exporter.
import { startCollectorProcess, type CollectorProcess } from '../collector-process.ts';
import type { Target } from './campaign.ts';

/** The memory_limiter's limit_mib here: RSS must stay under it. */
export const FUZZ_RSS_LIMIT_BYTES = 384 * 1024 * 1024;

export async function startFuzzCollector(): Promise<{ collector: CollectorProcess; target: Target }> {
  const pipeline = { receivers: ['otlp'], processors: ['memory_limiter', 'attributes/fuzz'], exporters: ['debug'] };
  const collector = await startCollectorProcess({
    config: (ports, host) => ({
      receivers: { otlp: { protocols: { grpc: { endpoint: `${host}:${ports.grpc}` }, http: { endpoint: `${host}:${ports.http}` } } } },
      processors: {
        memory_limiter: { check_interval: '1s', limit_mib: FUZZ_RSS_LIMIT_BYTES / 1024 / 1024, spike_limit_mib: 96 },
        'attributes/fuzz': { actions: [{ key: 'fuzzed', value: true, action: 'insert' }] },
      },
      exporters: { debug: { verbosity: 'basic' } },
      service: { telemetry: { logs: { level: 'warn' } }, pipelines: { traces: pipeline, metrics: pipeline, logs: pipeline } },
    }),
    env: { NODE_OPTIONS: '--max-semi-space-size=2 --max-old-space-size=288' },
  });
  return { collector, target: { pid: collector.pid, grpcPort: collector.ports.grpc, httpPort: collector.ports.http, exited: collector.exited } };
}
