// Why the operator renders `keepalive.server_parameters.max_connection_age` on the gRPC receiver: a
// ClusterIP Service balances TCP connections, not RPCs, and an OTLP/gRPC client keeps one connection
// for its whole life, so replicas added by a scale-up would get nothing from clients already
// connected. With a connection age the collector sends GOAWAY, the client reconnects, and the
// Service's per-connection choice spreads clients over the new replicas, without failing an export.
// The official JS SDK gRPC exporter (one channel) sends through a round-robin TCP proxy standing in
// for kube-proxy, to two collectors.
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { freePorts } from '../support/free-port.ts';
import { Capture, captureExporterFactory, startInProcessCollector, type InProcessCollector } from '../support/in-process-collector.ts';
import { countById, itemsOf } from '../support/otlp-items.ts';
import { testAttributes } from '../support/sdk-clients.ts';
import { CountingProxy } from '../support/tcp-proxy.ts';

const BURSTS = 30;
const SPANS_PER_BURST = 20;
const BURST_EVERY_MS = 100;

interface Fleet {
  readonly captures: Capture[];
  readonly proxy: CountingProxy;
  stop(): Promise<void>;
}

async function startFleet(serverParameters: object | undefined): Promise<Fleet> {
  const ports = await freePorts(2);
  const captures = ports.map(() => new Capture());
  const collectors: InProcessCollector[] = [];
  for (const [i, port] of ports.entries()) {
    const grpc = { endpoint: `127.0.0.1:${port}`, ...(serverParameters && { keepalive: { server_parameters: serverParameters } }) };
    collectors.push(
      await startInProcessCollector(
        {
          receivers: { otlp: { protocols: { grpc } } },
          exporters: { capture: {} },
          service: { telemetry: { metrics: { level: 'none' } }, pipelines: { traces: { receivers: ['otlp'], exporters: ['capture'] } } },
        },
        { exporters: [captureExporterFactory(captures[i]!)] },
      ),
    );
  }
  const proxy = await CountingProxy.start(ports);
  return {
    captures,
    proxy,
    stop: async () => {
      await proxy.close();
      await Promise.all(collectors.map((c) => c.stop()));
    },
  };
}

/** One long-lived SDK exporter sends bursts of spans for about three seconds; returns the ids sent. */
async function sendOverTime(port: number, runId: string): Promise<string[]> {
  const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${port}` });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'rebalance-test' }),
    spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: SPANS_PER_BURST, scheduledDelayMillis: 20 })],
  });
  const tracer = provider.getTracer('rebalance-test');
  const ids: string[] = [];
  for (let burst = 0; burst < BURSTS; burst++) {
    for (let i = 0; i < SPANS_PER_BURST; i++) {
      const id = `${runId}-${burst}-${i}`;
      ids.push(id);
      tracer.startSpan(`span ${id}`, { attributes: testAttributes(id, i) }).end();
    }
    await new Promise((resolve) => setTimeout(resolve, BURST_EVERY_MS));
  }
  await provider.forceFlush();
  await provider.shutdown();
  return ids;
}

function received(captures: readonly Capture[]): { perCollector: number[]; byId: Map<string, number> } {
  const byId = new Map<string, number>();
  for (const capture of captures) {
    for (const [id, n] of countById(itemsOf('traces', capture.requests.traces))) byId.set(id, (byId.get(id) ?? 0) + n);
  }
  return { perCollector: captures.map((c) => c.items.traces), byId };
}

function expectExactlyOnce(ids: readonly string[], byId: Map<string, number>): void {
  const wrong = ids.filter((id) => byId.get(id) !== 1);
  expect(wrong).toEqual([]);
  expect(byId.size).toBe(ids.length);
}

describe('gRPC connection age behind a per-connection balancer', () => {
  it('without a connection age, one long-lived client stays on the first collector', async () => {
    const fleet = await startFleet(undefined);
    try {
      const ids = await sendOverTime(fleet.proxy.port, 'pinned');
      await fleet.captures[0]!.until(() => received(fleet.captures).byId.size >= ids.length);
      const { perCollector, byId } = received(fleet.captures);
      expectExactlyOnce(ids, byId);
      expect(fleet.proxy.connections).toEqual([1, 0]);
      expect(perCollector).toEqual([ids.length, 0]);
    } finally {
      await fleet.stop();
    }
  }, 30_000);

  it('with max_connection_age the client reconnects and its spans spread over both, each exactly once', async () => {
    const fleet = await startFleet({ max_connection_age: '400ms', max_connection_age_grace: '5s' });
    try {
      const ids = await sendOverTime(fleet.proxy.port, 'spread');
      await fleet.captures[0]!.until(() => received(fleet.captures).byId.size >= ids.length);
      const { perCollector, byId } = received(fleet.captures);
      expectExactlyOnce(ids, byId);
      expect(fleet.proxy.connections[0]).toBeGreaterThanOrEqual(2);
      expect(fleet.proxy.connections[1]).toBeGreaterThanOrEqual(2);
      // Each collector gets a real share, not a stray request.
      for (const n of perCollector) expect(n).toBeGreaterThan(ids.length / 5);
    } finally {
      await fleet.stop();
    }
  }, 30_000);
});
