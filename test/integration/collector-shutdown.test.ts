// SIGTERM under load: the receiver stops taking data, the batch flushes, the exporter drains its
// queue until the drain deadline. Everything a client got an OK for is delivered downstream, or, when
// the backend cannot take it in time, counted as dropped: accepted == delivered + dropped.
import { status as GrpcStatus } from '@grpc/grpc-js';
import { refused } from '../../src/collector/errors.ts';
import { startCollectorProcess, type CollectorProcess } from '../support/collector-process.ts';
import { freePort } from '../support/free-port.ts';
import { RawOtlpGrpcClient } from '../support/grpc-raw.ts';
import { Capture, captureExporterFactory, startInProcessCollector, type InProcessCollector } from '../support/in-process-collector.ts';
import { itemsOf } from '../support/otlp-items.ts';
import { spansRequest } from '../support/otlp-payloads.ts';

interface Downstream {
  readonly b: InProcessCollector;
  readonly capture: Capture;
  readonly port: number;
}

async function downstream(): Promise<Downstream> {
  const capture = new Capture();
  const port = await freePort();
  const b = await startInProcessCollector(
    {
      receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${port}` } } } },
      exporters: { capture: {} },
      service: { telemetry: { metrics: { level: 'none' } }, pipelines: { traces: { receivers: ['otlp'], exporters: ['capture'] } } },
    },
    { exporters: [captureExporterFactory(capture)] },
  );
  return { b, capture, port };
}

function upstream(port: number, drainTimeout: string): Promise<CollectorProcess> {
  return startCollectorProcess({
    args: ['--drain-timeout', drainTimeout],
    config: (ports, host) => ({
      receivers: { otlp: { protocols: { grpc: { endpoint: `${host}:${ports.grpc}` } } } },
      processors: { batch: { timeout: '500ms', send_batch_size: 2000 } },
      exporters: { otlp: { endpoint: `127.0.0.1:${port}`, tls: { insecure: true }, retry_on_failure: { initial_interval: '100ms', max_interval: '200ms' } } },
      service: { pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['otlp'] } } },
    }),
  });
}

/** Sends 50-span requests from 4 workers until the collector is gone (bounded); returns the span names acknowledged with OK. */
async function loadUntilStopped(a: CollectorProcess, stopAfterMs: number): Promise<{ acked: Set<string>; health: number[] }> {
  const client = new RawOtlpGrpcClient(`${a.host}:${a.ports.grpc}`);
  const acked = new Set<string>();
  const health: number[] = [];
  let gone = false;
  void a.exited.then(() => (gone = true));
  const deadline = Date.now() + 30_000;
  let sequence = 0;
  const worker = async (w: number) => {
    while (!gone && Date.now() < deadline && sequence < 5000) {
      const names = Array.from({ length: 50 }, (_, i) => `w${w}-r${sequence}-s${i}`);
      sequence++;
      // A generous deadline: a call the collector accepted must not count as failed on a busy machine.
      const { code } = await client.export('traces', spansRequest({ load: names }), 15_000);
      if (code === GrpcStatus.OK) for (const name of names) acked.add(name);
      else await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const workers = Promise.all([0, 1, 2, 3].map(worker));
  const watcher = (async () => {
    await new Promise((resolve) => setTimeout(resolve, stopAfterMs));
    void a.stop();
    while (!gone) {
      health.push(await fetch(`http://${a.host}:${a.ports.health}/`).then((r) => r.status, () => 0));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  await Promise.all([workers, watcher]);
  client.close();
  return { acked, health };
}

function summary(logs: string) {
  const line = logs.split('\n').find((entry) => entry.includes('"Shutdown complete."'));
  return (JSON.parse(line ?? '{}') as { items?: { traces?: { accepted: number; delivered: number; dropped: number } } }).items?.traces;
}

test('with a healthy backend every acknowledged span is delivered exactly once', async () => {
  const { b, capture, port } = await downstream();
  try {
    const a = await upstream(port, '10s');
    const { acked } = await loadUntilStopped(a, 1500);
    expect(await a.exited).toBe(0);
    const delivered = itemsOf('traces', capture.requests.traces).map((item) => item.name);
    process.stdout.write(`drain (healthy backend): acked ${acked.size}, delivered ${delivered.length}\n`);
    expect(acked.size).toBeGreaterThan(0);
    expect(delivered.length).toBe(new Set(delivered).size);
    expect(new Set(delivered)).toEqual(acked);
    expect(summary(a.logs())).toEqual({ accepted: acked.size, refused: expect.any(Number), delivered: acked.size, dropped: 0 });
  } finally {
    await b.stop();
  }
});

test('when the backend refuses past the drain deadline, what is left is counted as dropped; health turns 503', async () => {
  const { b, capture, port } = await downstream();
  try {
    const a = await upstream(port, '2s');
    setTimeout(() => (capture.refuse = refused('backend overloaded')), 1000);
    const { acked, health } = await loadUntilStopped(a, 1500);
    expect(await a.exited).toBe(0);
    const delivered = itemsOf('traces', capture.requests.traces).length;
    const result = summary(a.logs())!;
    process.stdout.write(`drain (refusing backend): acked ${acked.size}, delivered ${delivered}, dropped ${result.dropped}\n`);
    expect(result.accepted).toBe(acked.size);
    expect(result.delivered).toBe(delivered);
    expect(result.dropped).toBeGreaterThan(0);
    expect(result.delivered + result.dropped).toBe(result.accepted);
    expect(health).toContain(503);
  } finally {
    await b.stop();
  }
});
