// A collector for the receiver-side TLS and authentication tests: OTLP gRPC and HTTP on loopback with the same
// `tls` and `auth` blocks on both listeners, an authenticator extension, and a capture exporter that counts what
// arrived by span `test.id`.
import { freePorts } from './free-port.ts';
import { Capture, captureExporterFactory, startInProcessCollector, type InProcessCollector } from './in-process-collector.ts';
import { countById, itemsOf } from './otlp-items.ts';

export interface SecuredCollector {
  readonly collector: InProcessCollector;
  readonly grpcPort: number;
  readonly httpPort: number;
  readonly capture: Capture;
  /** How many spans with this `test.id` arrived. */
  arrived(id: string): number;
}

export async function startSecuredCollector(opts: {
  /** The authenticator extension's id and config, e.g. `bearertokenauth/in`. */
  readonly authenticator: string;
  readonly extension: Record<string, unknown>;
  readonly tls: Record<string, unknown>;
}): Promise<SecuredCollector> {
  const [grpcPort, httpPort] = (await freePorts(2)) as [number, number];
  const capture = new Capture();
  const auth = { authenticator: opts.authenticator };
  const collector = await startInProcessCollector({
    extensions: { [opts.authenticator]: opts.extension },
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpcPort}`, tls: opts.tls, auth }, http: { endpoint: `127.0.0.1:${httpPort}`, tls: opts.tls, auth } } } },
    exporters: { capture: {} },
    service: { extensions: [opts.authenticator], telemetry: { metrics: { level: 'none' } }, pipelines: { traces: { receivers: ['otlp'], exporters: ['capture'] } } },
  } as never, { exporters: [captureExporterFactory(capture)] });
  return {
    collector, grpcPort, httpPort, capture,
    arrived: (id) => countById(itemsOf('traces', capture.requests.traces)).get(id) ?? 0,
  };
}
