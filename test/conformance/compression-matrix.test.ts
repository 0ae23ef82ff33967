// Every compression the upstream collector (the pinned bench build, v0.161.0) offers, in both directions:
// upstream's otlp (gRPC) and otlphttp exporters -> our OTLP receiver, and our exporters -> upstream's OTLP
// receiver. 1000 spans per compression must arrive exactly once. The reference binary is built when missing.
import type { Exporter } from '../../src/collector/exporters/exporter-helper.ts';
import { createOtlpGrpcExporter, otlpGrpcConfigSchema } from '../../src/collector/exporters/otlp-grpc.ts';
import { createOtlpHttpExporter, otlpHttpConfigSchema } from '../../src/collector/exporters/otlp-http.ts';
import { decodeRequest } from '../../src/collector/otlp/index.ts';
import { testContext } from '../support/exporter-metrics.ts';
import { freePorts } from '../support/free-port.ts';
import { RawOtlpGrpcClient } from '../support/grpc-raw.ts';
import { Capture, captureExporterFactory, startInProcessCollector, type InProcessCollector } from '../support/in-process-collector.ts';
import { itemsOf } from '../support/otlp-items.ts';
import { spanBatch, spansRequest } from '../support/otlp-payloads.ts';
import { OtlpSink } from '../support/otlp-sink.ts';
import { waitFor } from '../support/wait.ts';
import { startUpstream, stopUpstream, type Upstream } from '../support/upstream-collector.ts';

const SPANS = 1000;
const PER_REQUEST = 100;

/** What upstream's exporters offer: configgrpc's client codecs and confighttp's compressors. */
const UPSTREAM_GRPC = ['gzip', 'zstd', 'snappy', 'none'];
const UPSTREAM_HTTP = ['gzip', 'zlib', 'deflate', 'snappy', 'x-snappy-framed', 'zstd', 'lz4', 'none'];

const UPSTREAM_TELEMETRY = { metrics: { level: 'none' }, logs: { level: 'warn' } };

/** Names of the spans that reached `capture`, with how often each came. */
function nameCounts(capture: Capture): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of itemsOf('traces', capture.requests.traces)) counts.set(item.name, (counts.get(item.name) ?? 0) + 1);
  return counts;
}

const names = (label: string) => Array.from({ length: SPANS }, (_, i) => `${label}-${i}`);

/** Counts of the `label` spans, and whether each arrived exactly once. */
function delivery(counts: Map<string, number>, label: string): { received: number; exactlyOnce: boolean } {
  const expected = names(label);
  const received = expected.reduce((sum, name) => sum + (counts.get(name) ?? 0), 0);
  return { received, exactlyOnce: expected.every((name) => counts.get(name) === 1) };
}

describe('compression against the upstream collector', () => {
  describe('upstream exporters -> our receiver', () => {
    const capture = new Capture();
    const cases = [...UPSTREAM_GRPC.map((c) => `grpc-${c}`), ...UPSTREAM_HTTP.map((c) => `http-${c}`)];
    let ours: InProcessCollector;
    let upstream: Upstream | undefined;
    let inputs: Record<string, number>;

    beforeAll(async () => {
      const [grpc, http, ...ports] = await freePorts(2 + cases.length);
      inputs = Object.fromEntries(cases.map((label, i) => [label, ports[i]!]));
      const pipeline = { receivers: ['otlp'], exporters: ['capture'] };
      ours = await startInProcessCollector(
        {
          receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpc}` }, http: { endpoint: `127.0.0.1:${http}` } } } },
          exporters: { capture: {} },
          service: { telemetry: { metrics: { level: 'none' } }, pipelines: { traces: pipeline } },
        },
        { exporters: [captureExporterFactory(capture)] },
      );
      const receivers: Record<string, object> = {};
      const exporters: Record<string, object> = {};
      const pipelines: Record<string, object> = {};
      for (const label of cases) {
        const [transport, compression] = [label.slice(0, label.indexOf('-')), label.slice(label.indexOf('-') + 1)];
        receivers[`otlp/${label}`] = { protocols: { grpc: { endpoint: `127.0.0.1:${inputs[label]}` } } };
        exporters[transport === 'grpc' ? `otlp/${label}` : `otlphttp/${label}`] = transport === 'grpc'
          ? { endpoint: `127.0.0.1:${grpc}`, compression, tls: { insecure: true } }
          : { endpoint: `http://127.0.0.1:${http}`, compression };
        pipelines[`traces/${label}`] = { receivers: [`otlp/${label}`], exporters: [transport === 'grpc' ? `otlp/${label}` : `otlphttp/${label}`] };
      }
      upstream = await startUpstream({ receivers, exporters, service: { telemetry: UPSTREAM_TELEMETRY, pipelines } }, Object.values(inputs));
    });

    afterAll(async () => {
      await stopUpstream(upstream);
      await ours?.stop();
    });

    test.each(cases)('%s: every span arrives exactly once', async (label) => {
      const client = new RawOtlpGrpcClient(`127.0.0.1:${inputs[label]}`);
      try {
        const all = names(label);
        for (let i = 0; i < SPANS; i += PER_REQUEST) {
          expect((await client.export('traces', spansRequest({ [label]: all.slice(i, i + PER_REQUEST) }))).code).toBe(0);
        }
      } finally {
        client.close();
      }
      await capture.until(() => delivery(nameCounts(capture), label).received >= SPANS, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(delivery(nameCounts(capture), label)).toEqual({ received: SPANS, exactlyOnce: true });
      expect(upstream!.output).not.toMatch(new RegExp(`(Exporting failed|dropping data).*${label}`));
    });
  });

  describe('our exporters -> upstream receiver', () => {
    let sink: OtlpSink;
    let upstream: Upstream | undefined;
    let grpc: number;
    let http: number;
    const open: Exporter[] = [];

    beforeAll(async () => {
      sink = await OtlpSink.start();
      [grpc, http] = (await freePorts(2)) as [number, number];
      upstream = await startUpstream({
        receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpc}` }, http: { endpoint: `127.0.0.1:${http}` } } } },
        exporters: { otlp: { endpoint: sink.grpcEndpoint, compression: 'none', tls: { insecure: true } } },
        service: { telemetry: UPSTREAM_TELEMETRY, pipelines: { traces: { receivers: ['otlp'], exporters: ['otlp'] } } },
      }, [grpc, http]);
    });

    afterAll(async () => {
      for (const exp of open) await exp.shutdown!(Date.now() + 1000);
      await stopUpstream(upstream);
      await sink?.stop();
    });

    async function exportThrough(exp: Exporter, label: string): Promise<void> {
      await exp.start!();
      open.push(exp);
      for (let batch = 0; batch < SPANS / PER_REQUEST; batch++) await exp.consume(spanBatch(`${label}-b${batch}`, PER_REQUEST));
      const expected = new Set(Array.from({ length: SPANS / PER_REQUEST }, (_, b) => Array.from({ length: PER_REQUEST }, (_, i) => `${label}-b${b}-${i}`)).flat());
      await waitFor(`${SPANS} ${label} spans at the sink`, async () => countIn(expected) >= SPANS, 30_000, 100);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(countIn(expected)).toBe(SPANS);
      expect(new Set(namesAtSink().filter((name) => expected.has(name))).size).toBe(SPANS);
    }

    const namesAtSink = () => itemsOf('traces', sink.requests.map((request) => decodeRequest('traces', request.body))).map((item) => item.name);
    const countIn = (expected: Set<string>) => namesAtSink().filter((name) => expected.has(name)).length;

    test.each(UPSTREAM_GRPC)('otlp (gRPC) compression %s', async (compression) => {
      const label = `grpc-${compression}`;
      const cfg = otlpGrpcConfigSchema.parse({ endpoint: `127.0.0.1:${grpc}`, compression, tls: { insecure: true } });
      await exportThrough(createOtlpGrpcExporter(testContext(`otlp/${label}`), cfg), label);
    });

    test.each(UPSTREAM_HTTP)('otlphttp compression %s', async (compression) => {
      const label = `http-${compression}`;
      const cfg = otlpHttpConfigSchema.parse({ endpoint: `http://127.0.0.1:${http}`, compression });
      await exportThrough(createOtlpHttpExporter(testContext(`otlphttp/${label}`), cfg), label);
    });
  });
});
