// Slow clients and connection floods on both OTLP listeners: 500 connections to each that never finish a request
// (idle ones, HTTP headers or bodies cut off, gRPC calls whose message stops half way) are closed by the configured
// timeouts while the collector keeps serving others. And calls that declare a 4 MiB message and stall do not
// hold 4 MiB each (they made the memory_limiter refuse every client).
import { startCollectorProcess, type CollectorProcess } from '../support/collector-process.ts';
import { RawOtlpGrpcClient } from '../support/grpc-raw.ts';
import { startFuzzCollector } from '../support/fuzz/fuzz-collector.ts';
import { SEEDS } from '../support/fuzz/seeds.ts';
import { halfSentGrpcMessage, halfSentHttpBody, halfSentHttpHeaders, idleConnection, type Held } from '../support/slow-clients.ts';

let collector: CollectorProcess;

beforeAll(async () => {
  collector = await startCollectorProcess({
    config: (ports, host) => ({
      receivers: {
        otlp: {
          protocols: {
            grpc: { endpoint: `${host}:${ports.grpc}`, keepalive: { server_parameters: { max_connection_idle: '1s', max_connection_age: '2s', max_connection_age_grace: '1s' } } },
            http: { endpoint: `${host}:${ports.http}`, read_header_timeout: '1s', read_timeout: '2s', idle_timeout: '1s' },
          },
        },
      },
      exporters: { debug: {} },
      service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['debug'] } } },
    }),
  });
});

afterAll(async () => {
  await collector?.stop();
});

const WAIT_MS = 15_000;

async function servesValidRequests(): Promise<void> {
  const http = await fetch(`http://127.0.0.1:${collector.ports.http}/v1/traces`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: SEEDS.traces.protobuf, signal: AbortSignal.timeout(5000),
  });
  expect(http.status).toBe(200);
  const grpc = new RawOtlpGrpcClient(`127.0.0.1:${collector.ports.grpc}`);
  try {
    expect((await grpc.export('traces', SEEDS.traces.protobuf, 5000)).code).toBe(0);
  } finally {
    grpc.close();
  }
}

/** Opens `count` of each kind at once, checks the collector serves meanwhile, and returns when each was closed. */
async function flood(kinds: Record<string, () => Held>, count: number): Promise<Record<string, (number | undefined)[]>> {
  const held = Object.fromEntries(Object.entries(kinds).map(([name, open]) => [name, Array.from({ length: count }, open)]));
  try {
    await servesValidRequests();
    const closed = await Promise.all(Object.entries(held).map(async ([name, all]) => [name, await Promise.all(all.map((h) => h.closedAfterMs))] as const));
    return Object.fromEntries(closed);
  } finally {
    for (const all of Object.values(held)) for (const h of all) h.release();
  }
}

const slowest = (times: (number | undefined)[]) => (times.includes(undefined) ? Infinity : Math.max(...(times as number[])));

test('HTTP: 500 idle, header-less and half-sent-body connections are closed by read_header_timeout / read_timeout', async () => {
  const port = collector.ports.http;
  const closed = await flood({
    idle: () => idleConnection(port, WAIT_MS),
    headers: () => halfSentHttpHeaders(port, WAIT_MS),
    body: () => halfSentHttpBody(port, WAIT_MS),
  }, 167);
  // read_header_timeout 1s, read_timeout 2s, checked every 100 ms.
  expect(slowest(closed.idle!)).toBeLessThan(3000);
  expect(slowest(closed.headers!)).toBeLessThan(3000);
  expect(slowest(closed.body!)).toBeLessThan(4000);
  expect(Math.min(...(closed.body as number[]))).toBeGreaterThanOrEqual(1900);
  await servesValidRequests();
}, 30_000);

test('gRPC: 500 idle and half-sent-message connections are closed by max_connection_idle / max_connection_age(+grace)', async () => {
  const port = collector.ports.grpc;
  const closed = await flood({
    idle: () => idleConnection(port, WAIT_MS),
    message: () => halfSentGrpcMessage(port, WAIT_MS),
  }, 250);
  expect(slowest(closed.idle!)).toBeLessThan(3000);
  // The call keeps its connection busy, so only the age limit ends it: GOAWAY after 2 s +/- 10 %, cut 1 s later.
  expect(slowest(closed.message!)).toBeLessThan(5000);
  expect(Math.min(...(closed.message as number[]))).toBeGreaterThanOrEqual(2700);
  await servesValidRequests();
}, 30_000);

test('200 gRPC calls that declare 4 MiB and send 10 bytes do not make the memory_limiter refuse others', async () => {
  const { collector: limited, target } = await startFuzzCollector();
  const held = Array.from({ length: 200 }, () => halfSentGrpcMessage(target.grpcPort, WAIT_MS, 4 * 1024 * 1024 - 16, 10));
  const grpc = new RawOtlpGrpcClient(`127.0.0.1:${target.grpcPort}`);
  try {
    // Past two of the limiter's 1 s checks.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await grpc.export('traces', SEEDS.traces.protobuf, 5000)).toEqual({ code: 0, details: '' });
    expect(await limited.metric('otelcol_processor_memory_limiter_refused_spans')).toBe(0);
  } finally {
    grpc.close();
    for (const h of held) h.release();
    await limited.stop();
  }
}, 30_000);
