// The exporter/receiver matrix against the upstream collector (the pinned bench build, v0.161.0), in both directions:
// upstream's otlp (gRPC) and otlphttp (protobuf and JSON) exporters -> our OTLP receiver, and our exporters -> upstream's
// OTLP receiver. Every signal (traces, metrics, logs) over every transport and encoding upstream has (gRPC, HTTP
// protobuf, HTTP JSON: upstream's otlphttp exporter `encoding: json`, which its receiver reads too), with every
// compression upstream's exporters offer (its gRPC client codecs, its confighttp compressors; both receivers read all
// of them). ITEMS labelled items per case must each arrive exactly once and as they were sent (support/labelled-items.ts).
// One upstream process per direction serves every case. The reference binary is built when missing.
import type { Signal } from '../../src/collector/component.ts';
import type { Exporter } from '../../src/collector/exporters/exporter-helper.ts';
import { createOtlpGrpcExporter, otlpGrpcConfigSchema } from '../../src/collector/exporters/otlp-grpc.ts';
import { createOtlpHttpExporter, otlpHttpConfigSchema } from '../../src/collector/exporters/otlp-http.ts';
import { HTTP_COMPRESSIONS } from '../../src/collector/compression/compress.ts';
import { decodeRequest, jsonToProtobuf, parseRequest, type JsonObject } from '../../src/collector/otlp/index.ts';
import { testContext } from '../support/exporter-metrics.ts';
import { freePorts } from '../support/free-port.ts';
import { RawOtlpGrpcClient } from '../support/grpc-raw.ts';
import { Capture, captureExporterFactory, startInProcessCollector, type InProcessCollector } from '../support/in-process-collector.ts';
import { OtlpSink } from '../support/otlp-sink.ts';
import { waitFor } from '../support/wait.ts';
import { startUpstreamOnFreePorts, stopUpstream, type Upstream } from '../support/upstream-collector.ts';
import { itemIds, labelledRequest, sentTally, Tally } from './support/labelled-items.ts';

const ITEMS = 300;
const PER_REQUEST = 100;
const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];

/** What upstream's exporters offer: configgrpc's client codecs and confighttp's compressors. */
const UPSTREAM_GRPC = ['gzip', 'zstd', 'snappy', 'none'];
const UPSTREAM_HTTP = ['gzip', 'zlib', 'deflate', 'snappy', 'x-snappy-framed', 'zstd', 'lz4', 'none'];

type Transport = 'grpc' | 'http-proto' | 'http-json';

interface Route {
  readonly transport: Transport;
  readonly compression: string;
  /** `${transport}-${compression}`, also the upstream component name. */
  readonly name: string;
}

interface Case {
  readonly signal: Signal;
  readonly route: Route;
  readonly label: string;
}

const route = (transport: Transport, compression: string): Route => ({ transport, compression, name: `${transport}-${compression}` });
const ROUTES: readonly Route[] = [
  ...UPSTREAM_GRPC.map((c) => route('grpc', c)),
  ...UPSTREAM_HTTP.map((c) => route('http-proto', c)),
  ...UPSTREAM_HTTP.map((c) => route('http-json', c)),
];
const CASES: readonly Case[] = ROUTES.flatMap((r) => SIGNALS.map((signal) => ({ signal, route: r, label: `${signal}/${r.name}` })));

const UPSTREAM_TELEMETRY = { metrics: { level: 'none' }, logs: { level: 'warn' } };

/** The case's requests (OTLP/JSON), ITEMS items in requests of PER_REQUEST. */
function requestsOf(c: Case, direction: string): { ids: string[]; requests: JsonObject[] } {
  const ids = itemIds(`${direction}:${c.label}`, ITEMS);
  const requests: JsonObject[] = [];
  for (let from = 0; from < ITEMS; from += PER_REQUEST) requests.push(labelledRequest(c.signal, ids, from, Math.min(ITEMS, from + PER_REQUEST)));
  return { ids, requests };
}

/** Arrivals read into per-signal tallies as they come; `read` gives what came since it was last asked. */
class Arrivals {
  readonly tallies: Record<Signal, Tally> = { traces: new Tally(), metrics: new Tally(), logs: new Tally() };
  readonly #read: () => Array<{ signal: Signal; request: JsonObject }>;

  constructor(read: () => Array<{ signal: Signal; request: JsonObject }>) {
    this.#read = read;
  }

  pump(): void {
    for (const { signal, request } of this.#read()) this.tallies[signal].add(signal, request);
  }
}

/** After sending `c`'s items: every one arrived exactly once, as sent. */
async function expectDelivered(arrivals: Arrivals, c: Case, ids: string[], requests: JsonObject[], wait: (done: () => boolean) => Promise<void>): Promise<void> {
  const tally = arrivals.tallies[c.signal];
  await wait(() => {
    arrivals.pump();
    return tally.arrived(ids) === ids.length;
  }).catch(() => undefined);
  arrivals.pump();
  expect({ arrived: tally.arrived(ids), notOnce: tally.notOnce(ids) }).toEqual({ arrived: ITEMS, notOnce: {} });
  expect(tally.changed(ids, sentTally(c.signal, requests)).slice(0, 1)).toEqual([]);
}

/** Once a direction's cases are done: nothing arrived late a second time, nothing arrived that was not sent. */
async function expectSettled(arrivals: Arrivals, sent: Map<string, string[]>): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 500));
  arrivals.pump();
  const twice: Record<string, number> = {};
  for (const c of CASES) Object.assign(twice, Object.fromEntries(Object.entries(arrivals.tallies[c.signal].notOnce(sent.get(c.label) ?? [])).filter(([, n]) => n > 1)));
  const known = new Set([...sent.values()].flat());
  const unknown = SIGNALS.flatMap((signal) => [...arrivals.tallies[signal].counts.keys()].filter((id) => !known.has(id)));
  expect({ twice, unknown, unlabelled: SIGNALS.map((signal) => arrivals.tallies[signal].unlabelled) }).toEqual({ twice: {}, unknown: [], unlabelled: [0, 0, 0] });
}

describe('exporter/receiver matrix against the upstream collector', () => {
  test('the matrix has every compression our exporters offer, and they offer what upstream\'s do', () => {
    const candidates = [...new Set([...UPSTREAM_GRPC, ...UPSTREAM_HTTP, 'br', 'x-gzip', 'identity'])];
    const offered = (schema: { safeParse(value: unknown): { success: boolean } }, endpoint: string) =>
      candidates.filter((compression) => schema.safeParse({ endpoint, compression }).success);
    expect(offered(otlpGrpcConfigSchema, '127.0.0.1:4317')).toEqual(UPSTREAM_GRPC);
    expect(offered(otlpHttpConfigSchema, 'http://127.0.0.1:4318')).toEqual(candidates.filter((c) => UPSTREAM_HTTP.includes(c)));
    expect([...HTTP_COMPRESSIONS, 'none'].sort()).toEqual([...UPSTREAM_HTTP].sort());
  });

  describe('upstream exporters -> our receiver', () => {
    const capture = new Capture();
    const read: Record<Signal, number> = { traces: 0, metrics: 0, logs: 0 };
    const arrivals = new Arrivals(() => SIGNALS.flatMap((signal) => {
      const fresh = capture.requests[signal].slice(read[signal]);
      read[signal] += fresh.length;
      return fresh.map((request) => ({ signal, request }));
    }));
    const sent = new Map<string, string[]>();
    let ours: InProcessCollector | undefined;
    let upstream: Upstream | undefined;
    const inputs = new Map<string, number>();
    const clients = new Map<string, RawOtlpGrpcClient>();

    beforeAll(async () => {
      const [grpc, http] = await freePorts(2);
      const toCapture = { receivers: ['otlp'], exporters: ['capture'] };
      ours = await startInProcessCollector(
        {
          receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpc}` }, http: { endpoint: `127.0.0.1:${http}` } } } },
          exporters: { capture: {} },
          service: { telemetry: { metrics: { level: 'none' } }, pipelines: Object.fromEntries(SIGNALS.map((signal) => [signal, toCapture])) },
        },
        { exporters: [captureExporterFactory(capture)] },
      );
      const upstreamConfig = (ports: number[]) => {
        ROUTES.forEach((r, i) => inputs.set(r.name, ports[i]!));
        const receivers: Record<string, object> = {};
        const exporters: Record<string, object> = {};
        const pipelines: Record<string, object> = {};
        for (const r of ROUTES) {
          const exporter = r.transport === 'grpc' ? `otlp_grpc/${r.name}` : `otlp_http/${r.name}`;
          receivers[`otlp/${r.name}`] = { protocols: { grpc: { endpoint: `127.0.0.1:${inputs.get(r.name)}` } } };
          exporters[exporter] = r.transport === 'grpc'
            ? { endpoint: `127.0.0.1:${grpc}`, compression: r.compression, tls: { insecure: true } }
            : { endpoint: `http://127.0.0.1:${http}`, compression: r.compression, encoding: r.transport === 'http-json' ? 'json' : 'proto' };
          for (const signal of SIGNALS) pipelines[`${signal}/${r.name}`] = { receivers: [`otlp/${r.name}`], exporters: [exporter] };
        }
        return { config: { receivers, exporters, service: { telemetry: UPSTREAM_TELEMETRY, pipelines } }, ready: ports };
      };
      upstream = (await startUpstreamOnFreePorts(ROUTES.length, upstreamConfig)).upstream;
    });

    afterAll(async () => {
      for (const client of clients.values()) client.close();
      await stopUpstream(upstream);
      await ours?.stop();
    });

    test.each(CASES)('$label: every item arrives once, as sent', async (c) => {
      const { ids, requests } = requestsOf(c, 'to-ours');
      sent.set(c.label, ids);
      let client = clients.get(c.route.name);
      if (!client) clients.set(c.route.name, (client = new RawOtlpGrpcClient(`127.0.0.1:${inputs.get(c.route.name)}`)));
      for (const request of requests) expect((await client.export(c.signal, jsonToProtobuf(c.signal, request))).code).toBe(0);
      await expectDelivered(arrivals, c, ids, requests, (done) => capture.until(done, 30_000));
      // Upstream logs warnings and errors only: its exporter of this route has nothing to say (no retry, no failure).
      expect(upstream!.output.split('\n').filter((line) => line.includes(`/${c.route.name}"`))).toEqual([]);
    });

    test('after the matrix: nothing arrived twice or unsent', async () => {
      await expectSettled(arrivals, sent);
    });
  });

  describe('our exporters -> upstream receiver', () => {
    let sink: OtlpSink;
    let upstream: Upstream | undefined;
    let grpc: number;
    let http: number;
    let read = 0;
    const arrivals = new Arrivals(() => {
      const fresh = sink.requests.slice(read);
      read += fresh.length;
      return fresh.map((r) => ({ signal: r.signal, request: decodeRequest(r.signal, r.body) }));
    });
    const sent = new Map<string, string[]>();

    beforeAll(async () => {
      sink = await OtlpSink.start();
      const toSink = { receivers: ['otlp'], exporters: ['otlp_grpc'] };
      const started = await startUpstreamOnFreePorts(2, ([g, h]) => ({
        config: {
          receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${g}` }, http: { endpoint: `127.0.0.1:${h}` } } } },
          // No queue: upstream answers our exporter once the items are at the sink.
          exporters: { otlp_grpc: { endpoint: sink.grpcEndpoint, compression: 'none', tls: { insecure: true }, sending_queue: { enabled: false }, retry_on_failure: { enabled: false } } },
          service: { telemetry: UPSTREAM_TELEMETRY, pipelines: Object.fromEntries(SIGNALS.map((signal) => [signal, toSink])) },
        },
        ready: [g!, h!],
      }));
      upstream = started.upstream;
      [grpc, http] = started.ports as [number, number];
    });

    afterAll(async () => {
      await stopUpstream(upstream);
      await sink?.stop();
    });

    function exporterFor(r: Route, id: string) {
      const ctx = testContext(id);
      if (r.transport === 'grpc') {
        return { ctx, exporter: createOtlpGrpcExporter(ctx, otlpGrpcConfigSchema.parse({ endpoint: `127.0.0.1:${grpc}`, compression: r.compression, tls: { insecure: true } })) };
      }
      const cfg = otlpHttpConfigSchema.parse({ endpoint: `http://127.0.0.1:${http}`, compression: r.compression, encoding: r.transport === 'http-json' ? 'json' : 'proto' });
      return { ctx, exporter: createOtlpHttpExporter(ctx, cfg) };
    }

    test.each(CASES)('$label: every item arrives once, as sent', async (c) => {
      const { ids, requests } = requestsOf(c, 'to-upstream');
      sent.set(c.label, ids);
      const { ctx, exporter } = exporterFor(c.route, `${c.route.transport === 'grpc' ? 'otlp_grpc' : 'otlp_http'}/${c.route.name}`);
      const exp: Exporter = exporter;
      await exp.start!();
      try {
        for (const request of requests) await exp.consume(parseRequest(c.signal, jsonToProtobuf(c.signal, request)));
        await expectDelivered(arrivals, c, ids, requests, (done) => waitFor(`${c.label} at the sink`, async () => done(), 30_000, 20).then(() => undefined));
      } finally {
        await exp.shutdown!(Date.now() + 2000);
      }
      // Our exporter neither retried nor failed: no warnings or errors in its log.
      expect(ctx.logs.filter((line) => Number(line.level) >= 40)).toEqual([]);
    });

    test('after the matrix: nothing arrived twice or unsent', async () => {
      await expectSettled(arrivals, sent);
    });
  });
});
