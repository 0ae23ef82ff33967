// Overload: the exporter's backend is down, so accepted data piles up in its queue. memory_limiter
// must turn clients away with retryable refusals (gRPC UNAVAILABLE, HTTP 503 + Retry-After) before
// the process passes its limit, and the process must survive.
import { status as GrpcStatus } from '@grpc/grpc-js';
import { startCollectorProcess, type CollectorProcess } from '../support/collector-process.ts';
import { freePort } from '../support/free-port.ts';
import { RawOtlpGrpcClient } from '../support/grpc-raw.ts';
import { realisticSpansRequest } from '../support/otlp-payloads.ts';

const MIB = 1024 * 1024;
const LIMIT_MIB = 150;
const SPIKE_MIB = 50;

let collector: CollectorProcess;

beforeAll(async () => {
  const deadPort = await freePort(); // nothing listens there
  collector = await startCollectorProcess({
    args: ['--drain-timeout', '1s'],
    config: (ports, host) => ({
      receivers: { otlp: { protocols: { grpc: { endpoint: `${host}:${ports.grpc}` }, http: { endpoint: `${host}:${ports.http}` } } } },
      processors: { memory_limiter: { check_interval: '100ms', limit_mib: LIMIT_MIB, spike_limit_mib: SPIKE_MIB } },
      exporters: {
        otlp: {
          endpoint: `127.0.0.1:${deadPort}`, tls: { insecure: true }, timeout: '1s',
          sending_queue: { queue_size: 100_000 }, retry_on_failure: { initial_interval: '10s', max_elapsed_time: '0' },
        },
      },
      service: { pipelines: { traces: { receivers: ['otlp'], processors: ['memory_limiter'], exporters: ['otlp'] } } },
    }),
  });
});

afterAll(async () => {
  await collector?.stop('SIGKILL');
});

test('overload gets retryable refusals, memory stays under the limit, the process survives', async () => {
  const client = new RawOtlpGrpcClient(`${collector.host}:${collector.ports.grpc}`);
  const request = realisticSpansRequest(1000); // ~800 KB
  const codes = new Map<number, number>();
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await collector.metric('otelcol_process_runtime_heap_alloc_bytes'));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  const deadline = Date.now() + 20_000;
  let sent = 0;
  const worker = async () => {
    // Bounded in count and time; stops once refusals are steady.
    while (sent < 1500 && Date.now() < deadline && (codes.get(GrpcStatus.UNAVAILABLE) ?? 0) < 200) {
      sent++;
      const { code } = await client.export('traces', request);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));

  // Memory can dip under the soft limit between checks (after a forced GC), and then a 200 is right; what it
  // accepted adds to the stuck queue, so a few bounded tries reach the refusal this checks.
  let http!: Response;
  let httpAccepted = 0;
  for (let attempt = 0; attempt < 20; attempt++) {
    http = await fetch(`http://${collector.host}:${collector.ports.http}/v1/traces`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: request,
    });
    if (http.status !== 200) break;
    await http.arrayBuffer();
    httpAccepted++;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  sampling = false;
  await sampler;
  client.close();

  process.stdout.write(`memory_limiter overload: ${sent} requests, codes ${JSON.stringify(Object.fromEntries(codes))}, HTTP accepted before refusing ${httpAccepted}, peak heap+external ${Math.round(peak / MIB)} MiB (limit ${LIMIT_MIB})\n`);
  expect(codes.get(GrpcStatus.OK) ?? 0).toBeGreaterThan(0);
  expect(codes.get(GrpcStatus.UNAVAILABLE) ?? 0).toBeGreaterThan(0);
  expect([...codes.keys()].sort()).toEqual([GrpcStatus.OK, GrpcStatus.UNAVAILABLE].sort());
  expect(http.status).toBe(503);
  expect(http.headers.get('retry-after')).toBe('1');
  expect(peak).toBeLessThan(LIMIT_MIB * MIB);

  const refusedByLimiter = await collector.metric('otelcol_processor_refused_spans', { processor: 'memory_limiter' });
  expect(refusedByLimiter).toBe(((codes.get(GrpcStatus.UNAVAILABLE) ?? 0) + 1) * 1000);
  expect(await collector.metric('otelcol_receiver_refused_spans')).toBe(refusedByLimiter);
  expect(await collector.metric('otelcol_receiver_accepted_spans')).toBe(((codes.get(GrpcStatus.OK) ?? 0) + httpAccepted) * 1000);
  expect((await fetch(`http://${collector.host}:${collector.ports.health}/`)).status).toBe(200);
  expect(collector.logs()).toContain('Memory usage is above soft limit. Refusing data.');
});

test('after the overload it still stops cleanly; undelivered data is counted as failed', async () => {
  const accepted = await collector.metric('otelcol_receiver_accepted_spans');
  expect(await collector.stop()).toBe(0);
  const summary = shutdownSummary(collector.logs());
  expect(summary.accepted).toBe(accepted);
  expect(summary.delivered + summary.dropped).toBe(accepted);
});

function shutdownSummary(logs: string): { accepted: number; delivered: number; dropped: number } {
  const line = logs.split('\n').find((entry) => entry.includes('"Shutdown complete."'));
  const parsed = JSON.parse(line ?? '{}') as { items?: { traces?: { accepted: number; delivered: number; dropped: number } } };
  if (!parsed.items?.traces) throw new Error(`no shutdown summary in logs:\n${logs}`);
  return parsed.items.traces;
}
