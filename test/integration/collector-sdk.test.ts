// The official JS SDK exporters send traces, metrics and logs over gRPC, HTTP/protobuf and HTTP/JSON
// into collector A (a `tpo collector` process: memory_limiter + batch), which exports them with its
// otlp (gRPC) and otlphttp exporters into collector B (in this process, real receiver, capturing).
// Every item must arrive exactly once with its attributes intact.
import type { Signal } from '../../src/collector/component.ts';
import { startCollectorProcess, type CollectorProcess } from '../support/collector-process.ts';
import { freePorts } from '../support/free-port.ts';
import { Capture, captureExporterFactory, startInProcessCollector, type InProcessCollector } from '../support/in-process-collector.ts';
import { countById, itemsOf } from '../support/otlp-items.ts';
import { sendLogRecords, sendMetricPoints, sendSpans, testAttributes, TRANSPORTS, type Target, type Transport } from '../support/sdk-clients.ts';

const PER_TRANSPORT: Record<Signal, number> = { traces: 120, metrics: 20, logs: 120 };
const SEND = { traces: sendSpans, metrics: sendMetricPoints, logs: sendLogRecords };

let b: InProcessCollector;
let a: CollectorProcess;
const capture = new Capture();

beforeAll(async () => {
  const [grpc, http] = (await freePorts(2)) as [number, number];
  const pipeline = { receivers: ['otlp'], exporters: ['capture'] };
  b = await startInProcessCollector(
    {
      receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpc}` }, http: { endpoint: `127.0.0.1:${http}` } } } },
      exporters: { capture: {} },
      service: { telemetry: { metrics: { level: 'none' } }, pipelines: { traces: pipeline, metrics: pipeline, logs: pipeline } },
    },
    { exporters: [captureExporterFactory(capture)] },
  );
  a = await startCollectorProcess({
    config: (ports, host) => {
      const processors = ['memory_limiter', 'batch'];
      return {
        receivers: { otlp: { protocols: { grpc: { endpoint: `${host}:${ports.grpc}` }, http: { endpoint: `${host}:${ports.http}` } } } },
        processors: { memory_limiter: { check_interval: '1s', limit_mib: 1024 }, batch: { timeout: '50ms', send_batch_size: 100, send_batch_max_size: 150 } },
        exporters: {
          'otlp/b': { endpoint: `127.0.0.1:${grpc}`, tls: { insecure: true } },
          'otlphttp/b': { endpoint: `http://127.0.0.1:${http}` },
          debug: { verbosity: 'basic' },
        },
        service: {
          pipelines: {
            traces: { receivers: ['otlp'], processors, exporters: ['otlp/b'] },
            // Two exporters: the pipeline fans out; debug only prints.
            metrics: { receivers: ['otlp'], processors, exporters: ['otlp/b', 'debug'] },
            logs: { receivers: ['otlp'], processors, exporters: ['otlphttp/b'] },
          },
        },
      };
    },
  });
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
});

const ids = (signal: Signal, transport: Transport) => Array.from({ length: PER_TRANSPORT[signal] }, (_, i) => `${signal}-${transport}-${i}`);

describe.each(['traces', 'metrics', 'logs'] as const)('%s', (signal) => {
  test('every item sent over gRPC, HTTP/protobuf and HTTP/JSON arrives downstream exactly once, attributes intact', async () => {
    const target: Target = { host: a.host, grpcPort: a.ports.grpc, httpPort: a.ports.http };
    await Promise.all(TRANSPORTS.map((transport, index) => SEND[signal](target, transport, ids(signal, transport), index === 0)));
    const expected = TRANSPORTS.flatMap((transport) => ids(signal, transport));
    await capture.until(() => expected.every((id) => countById(itemsOf(signal, capture.requests[signal])).has(id)));
    await new Promise((resolve) => setTimeout(resolve, 300)); // late duplicates would show up here

    const items = itemsOf(signal, capture.requests[signal]);
    const counts = countById(items);
    expect([...counts.keys()].sort()).toEqual([...expected].sort());
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    for (const transport of TRANSPORTS) {
      ids(signal, transport).forEach((id, index) => {
        const item = items.find((candidate) => candidate.attributes['test.id'] === id)!;
        expect(item.attributes).toEqual(testAttributes(id, index));
        expect(item.resource).toMatchObject({ 'service.name': 'collector-test', 'service.instance.id': 'i-1' });
      });
    }

    const item = signal === 'traces' ? 'spans' : signal === 'metrics' ? 'metric_points' : 'log_records';
    const total = PER_TRANSPORT[signal] * TRANSPORTS.length;
    expect(await a.metric(`otelcol_receiver_accepted_${item}`, { transport: 'grpc' })).toBe(PER_TRANSPORT[signal]);
    expect(await a.metric(`otelcol_receiver_accepted_${item}`, { transport: 'http' })).toBe(2 * PER_TRANSPORT[signal]);
    expect(await a.metric(`otelcol_receiver_refused_${item}`)).toBe(0);
    const exporter = signal === 'logs' ? 'otlphttp/b' : 'otlp/b';
    expect(await a.metric(`otelcol_exporter_sent_${item}`, { exporter })).toBe(total);
  });
});

test('SIGTERM stops collector A cleanly (exit code 0)', async () => {
  expect(await a.stop()).toBe(0);
  expect(a.logs()).toContain('Shutdown complete.');
});
