// Persistent sending queues with real collector processes, the OpenTelemetry JS SDK as the client and a
// backend (OtlpSink) that is down while the spans are accepted: every span the SDK got an OK for arrives
// after a SIGKILL and a restart, after a SIGTERM whose drain deadline passed, and through
// `--drain-persistent-queues` (exit 1 with its line while the backend stays down, exit 0 once delivered).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { stringify } from 'yaml';
import { startCollectorProcess, type CollectorProcess } from '../support/collector-process.ts';
import { OtlpSink } from '../support/otlp-sink.ts';
import { spanIdCounts } from '../support/span-ids.ts';
import { waitFor } from '../support/wait.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let storage: string;
let sink: OtlpSink;

beforeEach(async () => {
  storage = mkdtempSync(join(tmpdir(), 'tpo-pq-'));
  sink = await OtlpSink.start();
  await sink.stop(); // the backend is down; its ports stay reserved for restart()
});
afterEach(async () => {
  await sink.stop();
  rmSync(storage, { recursive: true, force: true });
});

function pipeline(grpcHost = '127.0.0.1', grpcPort = 0) {
  return {
    receivers: { otlp: { protocols: { grpc: { endpoint: `${grpcHost}:${grpcPort}` } } } },
    exporters: {
      'otlp/backend': {
        endpoint: sink.grpcEndpoint,
        tls: { insecure: true },
        retry_on_failure: { initial_interval: '100ms', max_interval: '300ms', max_elapsed_time: 0 },
        sending_queue: { storage: 'file_storage/queue', queue_size: 5000 },
      },
    },
    extensions: { 'file_storage/queue': { directory: storage, create_directory: true } },
    service: { extensions: ['file_storage/queue'], pipelines: { traces: { receivers: ['otlp'], exporters: ['otlp/backend'] } } },
  };
}

function collector(drainTimeout = '5s'): Promise<CollectorProcess> {
  return startCollectorProcess({ args: ['--drain-timeout', drainTimeout], config: (ports, host) => pipeline(host, ports.grpc) });
}

/** Records the ids of the spans the SDK exporter got an OK for. */
class Acked implements SpanExporter {
  readonly ids = new Set<string>();
  readonly #inner: SpanExporter;
  constructor(inner: SpanExporter) {
    this.#inner = inner;
  }
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.#inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) for (const span of spans) this.ids.add(span.spanContext().spanId);
      done(result);
    });
  }
  shutdown(): Promise<void> {
    return this.#inner.shutdown();
  }
}

/** `count` spans through the SDK's gRPC exporter, 100 per request; the ids acknowledged. */
async function sendSpans(a: CollectorProcess, count: number): Promise<Set<string>> {
  const exporter = new Acked(new OTLPTraceExporter({ url: `http://${a.host}:${a.ports.grpc}`, timeoutMillis: 20_000 }));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'persistent-queue-test' }),
    spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 100, maxQueueSize: count, scheduledDelayMillis: 20, exportTimeoutMillis: 20_000 })],
  });
  const tracer = provider.getTracer('persistent-queue-test');
  // In flushes of 1000: the exporter refuses more than 30 concurrent requests.
  for (let start = 0; start < count; start += 1000) {
    for (let i = start; i < Math.min(count, start + 1000); i++) tracer.startSpan(`span ${i}`).end();
    await provider.forceFlush();
  }
  await provider.shutdown();
  return exporter.ids;
}

/** Waits until every acknowledged span arrived; returns how many span ids arrived more than once. */
async function allArrived(acked: ReadonlySet<string>, timeoutMs = 90_000): Promise<number> {
  await waitFor('every acknowledged span at the backend', async () => {
    const ids = spanIdCounts(sink);
    return [...acked].every((id) => ids.has(id));
  }, timeoutMs, 500);
  return [...spanIdCounts(sink).values()].filter((n) => n > 1).length;
}

function queueDirs(): string[] {
  return readdirSync(storage).filter((name) => name.endsWith('.tpo-queue'));
}

test('10,000 spans accepted while the backend is down survive a SIGKILL and arrive after the restart', async () => {
  const a = await collector();
  const acked = await sendSpans(a, 10_000);
  expect(acked.size).toBe(10_000);
  expect(await a.metric('otelcol_exporter_queue_size')).toBeGreaterThanOrEqual(100);
  expect(await a.stop('SIGKILL')).toBeNull();
  expect(queueDirs()).toEqual(['exporter_otlp_backend_traces.tpo-queue']);

  await sink.restart();
  const b = await collector();
  try {
    const duplicated = await allArrived(acked);
    process.stdout.write(`SIGKILL: acked ${acked.size}, received ${sink.items()} spans, ${duplicated} span ids more than once\n`);
    expect(duplicated).toBeLessThanOrEqual(10 * 100); // at most what the consumers had in flight
    expect(b.logs()).toContain('sending what a previous process left');
    await waitFor('the queue empty', async () => (await b.metric('otelcol_exporter_queue_size')) === 0, 10_000);
  } finally {
    expect(await b.stop()).toBe(0);
  }
}, 180_000);

test('a SIGKILL in the middle of delivering: every span arrives, only what was in flight arrives twice', async () => {
  const a = await collector();
  const acked = await sendSpans(a, 10_000);
  await sink.restart();
  await sink.waitForItems(2000, 'traces', 30_000);
  await a.stop('SIGKILL');
  const deliveredBefore = sink.items();
  const b = await collector();
  try {
    const duplicated = await allArrived(acked);
    process.stdout.write(`SIGKILL mid-delivery: ${deliveredBefore} spans delivered before the kill, ${duplicated} span ids arrived twice\n`);
    // At most what the 10 consumers had in flight (100 spans a request) and acks not yet written.
    expect(duplicated).toBeLessThanOrEqual(2000);
  } finally {
    expect(await b.stop()).toBe(0);
  }
}, 180_000);

test('SIGTERM with the backend down: what is left at the drain deadline stays on disk, not dropped, and is sent by the next process', async () => {
  const a = await collector('1s');
  const acked = await sendSpans(a, 2000);
  expect(await a.stop('SIGTERM')).toBe(0);
  expect(a.logs()).toMatch(/Drain deadline reached: 2000 items stay queued in .*exporter_otlp_backend_traces\.tpo-queue/);
  const shutdown = a.logs().split('\n').find((line) => line.includes('"Shutdown complete."'));
  expect(JSON.parse(shutdown!).items.traces).toMatchObject({ accepted: 2000, delivered: 0, dropped: 0 });

  await sink.restart();
  const b = await collector();
  try {
    expect(await allArrived(acked)).toBe(0);
  } finally {
    expect(await b.stop()).toBe(0);
  }
}, 120_000);

test('a second process on the same directory does not start while the first holds it', async () => {
  const a = await collector();
  try {
    const second = await collector().then(async (b) => `started (pid ${await b.stop('SIGKILL')})`, (error: Error) => error.message);
    expect(second).toMatch(/collector exited while starting[\s\S]*extensions\.file_storage\/queue: .* is held by process \d+ on .*, which is still running/);
  } finally {
    expect(await a.stop()).toBe(0);
  }
}, 60_000);

function drain(configFile: string, timeout: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'src/cli.ts'), 'collector', '--config', configFile, '--drain-persistent-queues', '--drain-timeout', timeout], {
    cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((resolveExit) => child.on('exit', (code) => {
    clearTimeout(timer);
    resolveExit({ code, stderr });
  }));
}

test('--drain-persistent-queues: exit 1 with its line while the backend stays down, exit 0 once it delivered everything', async () => {
  const a = await collector();
  const acked = await sendSpans(a, 3000);
  await a.stop('SIGKILL');
  const configFile = join(storage, 'config.yaml');
  writeFileSync(configFile, stringify(pipeline()));

  const down = await drain(configFile, '2s');
  expect(down.code).toBe(1);
  const lines = down.stderr.trim().split('\n').filter((line) => !line.startsWith('{'));
  expect(lines).toEqual([`3000 items still queued in ${storage} after 2s`]);
  expect(sink.items()).toBe(0);

  await sink.restart();
  const up = await drain(configFile, '60s');
  expect(up.code).toBe(0);
  expect(await allArrived(acked, 1000)).toBe(0);
  expect(queueDirs().flatMap((dir) => readdirSync(join(storage, dir)).filter((name) => name.endsWith('.log')))).toEqual([]);
}, 180_000);
