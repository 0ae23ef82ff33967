// Self-metrics: on the same config and the same traffic, ours exports every metric name, label set and label value
// the upstream collector (v0.161.0) exports, and beyond them only the extras listed here (each with its reason).
import type { Signal } from '../../src/collector/component.ts';
import { jsonToProtobuf } from '../../src/collector/otlp/index.ts';
import { freePorts } from '../support/free-port.ts';
import { RawOtlpGrpcClient } from '../support/grpc-raw.ts';
import { startInProcessCollector, type InProcessCollector } from '../support/in-process-collector.ts';
import { OtlpSink } from '../support/otlp-sink.ts';
import { startUpstreamOnFreePorts, stopUpstream, type Upstream } from '../support/upstream-collector.ts';
import { waitFor } from '../support/wait.ts';
import { REQUESTS } from './support/inputs.ts';

/** Series ours exports that upstream does not, with why. */
const EXTRAS: Record<string, string> = {
  'otelcol_exporter_send_retries{exporter}': 'retries made visible (upstream shows them only indirectly)',
  'otelcol_processor_refused_log_records{processor}': 'the memory_limiter refusals under the pre-0.110 name the autoscaler reads',
  'otelcol_processor_refused_metric_points{processor}': 'as above',
  'otelcol_processor_refused_spans{processor}': 'as above',
};

/** Series upstream exports whose label values differ by nature (process identity); only their label names are compared. */
const IDENTITY = new Set(['target_info']);

type Series = Map<string, string>;

/** `name{label,...}` -> a sample line, for each series of a Prometheus text (histogram parts folded into their name). */
function series(text: string, withValues: boolean): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (!match) continue;
    const name = match[1]!.replace(/_(bucket|sum|count)$/, '');
    const labels = [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .filter(([, key]) => key !== 'le')
      .map(([, key, value]) => (withValues && !IDENTITY.has(name) ? `${key}=${value}` : key!))
      .sort();
    out.add(`${name}{${labels.join(',')}}`);
  }
  return out;
}

describe('self-metrics against upstream on the same traffic', () => {
  let sink: OtlpSink;
  let ours: InProcessCollector | undefined;
  let upstream: Upstream | undefined;
  let texts: { ours: string; upstream: string };

  beforeAll(async () => {
    sink = await OtlpSink.start();
    const [oursGrpc, oursMetrics] = (await freePorts(2)) as [number, number];
    const config = (grpc: number, metrics: number) => ({
      receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpc}` } } } },
      processors: {
        memory_limiter: { check_interval: '1s', limit_mib: 4000, spike_limit_mib: 500 },
        batch: { timeout: '100ms' },
        attributes: { actions: [{ key: 'env', value: 'prod', action: 'insert' }] },
        filter: { error_mode: 'ignore', traces: { span: ['name == "health"'] }, logs: { log_record: ['severity_number < SEVERITY_NUMBER_INFO'] } },
        probabilistic_sampler: { sampling_percentage: 50 },
      },
      exporters: {
        otlp: { endpoint: sink.grpcEndpoint, tls: { insecure: true } },
        otlphttp: { endpoint: sink.httpEndpoint },
      },
      service: {
        telemetry: { metrics: { readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port: metrics } } } }] }, logs: { level: 'warn' } },
        pipelines: {
          traces: { receivers: ['otlp'], processors: ['memory_limiter', 'filter', 'probabilistic_sampler', 'attributes', 'batch'], exporters: ['otlp'] },
          metrics: { receivers: ['otlp'], processors: ['memory_limiter', 'attributes', 'batch'], exporters: ['otlp', 'otlphttp'] },
          logs: { receivers: ['otlp'], processors: ['memory_limiter', 'filter', 'batch'], exporters: ['otlphttp'] },
        },
      },
    });
    ours = await startInProcessCollector(config(oursGrpc, oursMetrics));
    const started = await startUpstreamOnFreePorts(2, ([grpc, metrics]) => ({ config: config(grpc!, metrics!), ready: [grpc!, metrics!] }));
    upstream = started.upstream;
    const [upGrpc, upMetrics] = started.ports as [number, number];
    for (const port of [oursGrpc, upGrpc]) {
      const client = new RawOtlpGrpcClient(`127.0.0.1:${port}`);
      for (const signal of ['traces', 'metrics', 'logs'] as Signal[]) expect((await client.export(signal, jsonToProtobuf(signal, REQUESTS[signal]()))).code).toBe(0);
      client.close();
    }
    const scrape = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    // Both have exported everything once their exporters counted it.
    await waitFor('exports counted', async () => [await scrape(oursMetrics), await scrape(upMetrics)].every((text) => /otelcol_exporter_sent_log_records\{[^}]*\} [1-9]/.test(text)), 20_000, 100);
    texts = { ours: await scrape(oursMetrics), upstream: await scrape(upMetrics) };
  });

  afterAll(async () => {
    await ours?.stop();
    await stopUpstream(upstream);
    await sink?.stop();
  });

  test('every upstream name and label set is exported by ours', () => {
    const mine = series(texts.ours, false);
    expect([...series(texts.upstream, false)].filter((entry) => !mine.has(entry))).toEqual([]);
  });

  test('label values agree (component ids, transports, signals, policies)', () => {
    const mine = series(texts.ours, true);
    expect([...series(texts.upstream, true)].filter((entry) => !mine.has(entry))).toEqual([]);
  });

  test('beyond upstream, ours exports only the listed extras (refusals and retries appear once they happen)', () => {
    const theirs = new Set([...series(texts.upstream, false)].map((entry) => entry.replace(/\{.*$/, '')));
    const extras = [...series(texts.ours, false)].filter((entry) => !theirs.has(entry.replace(/\{.*$/, '')));
    expect(extras.filter((entry) => !(entry in EXTRAS))).toEqual([]);
  });
});
