// Runs the same OTLP requests through the same processors in the upstream collector and in ours, and gives back
// what each delivered, item by item. Upstream: OTLP gRPC receiver -> processors -> otlp exporter (no queue, no
// retry, so a request is answered once it is exported) -> a test sink. Ours: the same config in this process, with
// a capture exporter. Requests are written as OTLP/JSON and encoded once, so both get the same bytes.
import type { Signal } from '../../../src/collector/component.ts';
import { decodeRequest, jsonToProtobuf, type JsonObject } from '../../../src/collector/otlp/index.ts';
import { freePorts } from '../../support/free-port.ts';
import { RawOtlpGrpcClient } from '../../support/grpc-raw.ts';
import { Capture, captureExporterFactory, startInProcessCollector, type InProcessCollector } from '../../support/in-process-collector.ts';
import { OtlpSink } from '../../support/otlp-sink.ts';
import { startUpstreamOnFreePorts, stopUpstream, type Upstream } from '../../support/upstream-collector.ts';
import { flatten, type FlatItem } from './flatten.ts';

export interface Outputs {
  readonly ours: FlatItem[];
  readonly upstream: FlatItem[];
  /** gRPC status codes each answered the request with. */
  readonly codes: { readonly ours: number; readonly upstream: number };
}

export interface Differential {
  /** Sends one request (OTLP/JSON) to both; what each delivered for it, flattened. */
  send(signal: Signal, request: object): Promise<Outputs>;
  /** Everything each has delivered for `signal` so far, flattened (processors that deliver later: tail_sampling). */
  delivered(signal: Signal): { ours: FlatItem[]; upstream: FlatItem[] };
  /** Prometheus text of each collector's self-metrics. */
  metrics(): Promise<{ ours: string; upstream: string }>;
  stop(): Promise<void>;
}

export interface DifferentialOptions {
  /** `processors` section shared by both. */
  readonly processors: Record<string, unknown>;
  /** Processor ids per signal; a signal absent here has no pipeline. */
  readonly pipelines: Partial<Record<Signal, string[]>>;
}

const UPSTREAM_LOGS = { level: 'warn' };

export async function startDifferential(options: DifferentialOptions): Promise<Differential> {
  const [oursPort, oursMetrics] = (await freePorts(2)) as [number, number];
  const sink = await OtlpSink.start();
  const capture = new Capture();
  const telemetry = (port: number) => ({ metrics: { readers: [{ pull: { exporter: { prometheus: { host: '127.0.0.1', port } } } }] } });
  const pipelines = (exporter: string) => Object.fromEntries(Object.entries(options.pipelines).map(([signal, processors]) =>
    [signal, { receivers: ['otlp'], processors, exporters: [exporter] }]));
  const receiver = (port: number) => ({ otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${port}` } } } });
  let ours: InProcessCollector | undefined;
  let upstream: Upstream | undefined;
  let upstreamPort = 0;
  let upstreamMetrics = 0;
  try {
    ours = await startInProcessCollector(
      { receivers: receiver(oursPort), processors: options.processors, exporters: { capture: {} }, service: { telemetry: telemetry(oursMetrics), pipelines: pipelines('capture') } },
      { exporters: [captureExporterFactory(capture)] },
    );
    const started = await startUpstreamOnFreePorts(2, ([grpc, metrics]) => ({
      config: {
        receivers: receiver(grpc!),
        processors: options.processors,
        exporters: { otlp: { endpoint: sink.grpcEndpoint, compression: 'none', tls: { insecure: true }, sending_queue: { enabled: false }, retry_on_failure: { enabled: false } } },
        service: { telemetry: { ...telemetry(metrics!), logs: UPSTREAM_LOGS }, pipelines: pipelines('otlp') },
      },
      ready: [grpc!, metrics!],
    }));
    upstream = started.upstream;
    upstreamPort = started.ports[0]!;
    upstreamMetrics = started.ports[1]!;
  } catch (error) {
    await ours?.stop();
    await stopUpstream(upstream);
    await sink.stop();
    throw error;
  }
  const oursClient = new RawOtlpGrpcClient(`127.0.0.1:${oursPort}`);
  const upstreamClient = new RawOtlpGrpcClient(`127.0.0.1:${upstreamPort}`);
  const scrape = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();

  return {
    async send(signal, request) {
      const body = jsonToProtobuf(signal, request);
      const seenOurs = capture.requests[signal].length;
      const seenUpstream = sink.requests.length;
      const [oursResult, upstreamResult] = await Promise.all([oursClient.export(signal, body), upstreamClient.export(signal, body)]);
      const delivered = (requests: readonly JsonObject[]) => requests.flatMap((r) => flatten(signal, r));
      return {
        ours: delivered(capture.requests[signal].slice(seenOurs)),
        upstream: delivered(sink.requests.slice(seenUpstream).map((r) => decodeRequest(signal, r.body))),
        codes: { ours: oursResult.code, upstream: upstreamResult.code },
      };
    },
    delivered(signal) {
      return {
        ours: capture.requests[signal].flatMap((r) => flatten(signal, r)),
        upstream: sink.requests.filter((r) => r.signal === signal).flatMap((r) => flatten(signal, decodeRequest(signal, r.body))),
      };
    },
    async metrics() {
      return { ours: await scrape(oursMetrics), upstream: await scrape(upstreamMetrics) };
    },
    async stop() {
      oursClient.close();
      upstreamClient.close();
      await ours?.stop();
      await stopUpstream(upstream);
      await sink.stop();
    },
  };
}
