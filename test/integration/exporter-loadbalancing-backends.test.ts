// The loadbalancing exporter while its backend set changes: three real OTLP sinks on 127.0.0.1, a resolver the test
// drives. Each change rebuilds the ring: a new backend gets an exporter and its share of the traces, a removed one
// gets nothing more, and every new trace goes where the current ring says (a trace routed before the change stays on
// its backend: trace-pins.ts, test/unit/exporters/loadbalancing-pins.test.ts).
import { loadBalancingConfigSchema } from '../../src/collector/exporters/loadbalancing/config.ts';
import { LoadBalancingExporter } from '../../src/collector/exporters/loadbalancing/exporter.ts';
import { HashRing } from '../../src/collector/exporters/loadbalancing/hash-ring.ts';
import type { OnBackends, Resolver } from '../../src/collector/exporters/loadbalancing/resolvers.ts';
import { splitByTrace } from '../../src/collector/otlp/by-trace.ts';
import { jsonToProtobuf, parseRequest } from '../../src/collector/otlp/index.ts';
import { metricValue, testContext } from '../support/exporter-metrics.ts';
import { OtlpSink } from '../support/otlp-sink.ts';

class DrivenResolver implements Resolver {
  readonly name = 'dns' as const;
  readonly #initial: readonly string[];
  #onBackends: OnBackends = () => {};
  constructor(initial: readonly string[]) {
    this.#initial = initial;
  }
  async start(onBackends: OnBackends): Promise<void> {
    this.#onBackends = onBackends;
    onBackends(this.#initial);
  }
  set(endpoints: readonly string[], draining: readonly string[] = []): void {
    this.#onBackends(endpoints, draining);
  }
  shutdown(): void {}
}

let sinks: OtlpSink[];
let endpoints: string[];

beforeAll(async () => {
  sinks = await Promise.all([0, 1, 2].map(() => OtlpSink.start()));
  endpoints = sinks.map((sink) => `127.0.0.1:${sink.grpcPort}`).sort();
});

afterAll(async () => {
  await Promise.all((sinks ?? []).map((sink) => sink.stop()));
});

let batch = 0;
/** A request of one span (number `span`) of each trace of `ids`. */
function spansOf(ids: readonly string[], span = 1) {
  const resourceSpans = [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
    scopeSpans: [{ scope: { name: 's' }, spans: ids.map((traceId) => ({ traceId, spanId: span.toString(16).padStart(16, '0'), name: 'op' })) }],
  }];
  return parseRequest('traces', jsonToProtobuf('traces', JSON.stringify({ resourceSpans })));
}

/** A request of `count` one-span traces with fresh ids; returns the ids (hex). */
function traces(count: number) {
  batch++;
  const ids = Array.from({ length: count }, (_, i) => `${batch.toString(16).padStart(8, '0')}${i.toString(16).padStart(8, '0')}0000000000000001`);
  return { ids, payload: spansOf(ids) };
}

/** The sink endpoint each trace id arrived at. */
function arrivals(): Map<string, string[]> {
  const at = new Map<string, string[]>();
  sinks.forEach((sink) => {
    const endpoint = `127.0.0.1:${sink.grpcPort}`;
    for (const request of sink.requests) {
      for (const entry of parseRequest('traces', request.body).resources) {
        for (const part of splitByTrace(entry)) {
          const id = Buffer.from(part.key, 'latin1').toString('hex');
          at.set(id, [...(at.get(id) ?? []), endpoint]);
        }
      }
    }
  });
  return at;
}

async function until(condition: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** An exporter sending synchronously (no queue, no retry) to the backends `resolver` names, starting with `initial`. */
async function startExporter(initial: string[]) {
  const cfg = loadBalancingConfigSchema.parse({
    protocol: { otlp: { tls: { insecure: true }, compression: 'none', sending_queue: { enabled: false }, retry_on_failure: { enabled: false } } },
    resolver: { static: { hostnames: ['unused'] } },
  });
  const ctx = testContext('loadbalancing');
  const resolver = new DrivenResolver(initial);
  const exporter = new LoadBalancingExporter(ctx, cfg, resolver);
  await exporter.start();
  return { ctx, resolver, exporter };
}

test('a new backend takes its share, a removed one gets nothing more, each trace where the current ring says', async () => {
  const [a, b, c] = endpoints as [string, string, string];
  const { ctx, resolver, exporter } = await startExporter([a, b]);

  const phases: { set: string[]; ids: string[] }[] = [];
  const send = async (set: string[]) => {
    const { ids, payload } = traces(90);
    await exporter.consume(payload);
    phases.push({ set, ids });
  };

  await send([a, b]);
  resolver.set([c, a, b]);
  await until(() => exporter.endpoints.length === 3);
  await send([a, b, c]);
  resolver.set([a, c]);
  await until(() => exporter.endpoints.length === 2);
  const atBBefore = sinks.find((sink) => `127.0.0.1:${sink.grpcPort}` === b)!.requests.length;
  await send([a, c]);
  await exporter.shutdown(Date.now() + 5_000);

  const at = arrivals();
  for (const { set, ids } of phases) {
    const ring = new HashRing(set);
    const owners = ids.map((id) => ring.endpointFor(Buffer.from(id, 'hex')));
    expect(ids.map((id) => at.get(id))).toEqual(owners.map((owner) => [owner]));
    // Every backend of the set got some of the 90 traces.
    for (const endpoint of set) expect(owners.filter((owner) => owner === endpoint).length).toBeGreaterThan(5);
  }
  expect(sinks.find((sink) => `127.0.0.1:${sink.grpcPort}` === b)!.requests.length).toBe(atBBefore);
  expect(await metricValue(ctx.telemetry, 'otelcol_loadbalancer_backend_outcome', { success: 'true' })).toBeGreaterThanOrEqual(7);
  expect(ctx.logs.filter((line) => line['msg'] === 'load balancer backends changed')).toHaveLength(3);
});

test('without a backend a request is refused as retryable, as upstream', async () => {
  const cfg = loadBalancingConfigSchema.parse({ protocol: { otlp: { tls: { insecure: true } } }, resolver: { static: { hostnames: ['unused'] } } });
  const exporter = new LoadBalancingExporter(testContext('loadbalancing'), cfg, new DrivenResolver([]));
  await exporter.start();
  await expect(exporter.consume(traces(1).payload)).rejects.toMatchObject({ retryable: true, message: 'couldn\'t find the exporter for the endpoint ""' });
  await exporter.shutdown(Date.now() + 1_000);
});

test('a trace keeps its first backend across a scale-up and while that backend drains; new traces follow the ring', async () => {
  const [a, b, c] = endpoints as [string, string, string];
  const { ctx, resolver, exporter } = await startExporter([a, b]);
  const ownersIn = (set: string[], ids: string[]) => ids.map((id) => new HashRing(set).endpointFor(Buffer.from(id, 'hex')));
  const where = (ids: string[]) => { const at = arrivals(); return ids.map((id) => [...new Set(at.get(id))]); };
  try {
    const { ids, payload } = traces(90);
    await exporter.consume(payload);
    const first = ownersIn([a, b], ids);
    // Without pins these would move at the scale-up.
    expect(ownersIn([a, b, c], ids).filter((owner, i) => owner !== first[i]).length).toBeGreaterThan(5);

    resolver.set([a, b, c]);
    await until(() => exporter.endpoints.length === 3);
    await exporter.consume(spansOf(ids, 2));
    const fresh = traces(90);
    await exporter.consume(fresh.payload);

    // b terminating but serving: its traces stay, new ones avoid it.
    resolver.set([a, c], [b]);
    await until(() => exporter.endpoints.length === 2);
    await exporter.consume(spansOf(ids, 3));
    const late = traces(90);
    await exporter.consume(late.payload);
    expect(where(ids)).toEqual(first.map((owner) => [owner]));
    expect(where(fresh.ids)).toEqual(ownersIn([a, b, c], fresh.ids).map((owner) => [owner]));
    expect(where(late.ids)).toEqual(ownersIn([a, c], late.ids).map((owner) => [owner]));

    // b gone: its pinned traces follow the ring, counted as moved.
    resolver.set([a, c]);
    await until(() => ctx.logs.filter((line) => line['msg'] === 'load balancer backends changed').length === 4);
    const onB = ids.filter((_, i) => first[i] === b);
    expect(onB.length).toBeGreaterThan(5);
    await exporter.consume(spansOf(onB, 4));
    expect(await metricValue(ctx.telemetry, 'otelcol_loadbalancer_trace_pins_moved', {})).toBe(onB.length);
    expect(await metricValue(ctx.telemetry, 'otelcol_loadbalancer_trace_pins', {})).toBe(270);
  } finally {
    await exporter.shutdown(Date.now() + 5_000);
  }
});
