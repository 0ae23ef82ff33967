// otlp_grpc exporter against a real gRPC server on loopback (the test sink): delivery, headers,
// gzip on the wire, TLS, retries, throttling, permanent errors, partial success, full queue, timeout.
import type { Signal } from '../../src/collector/component.ts';
import { isRetryable } from '../../src/collector/errors.ts';
import { createOtlpGrpcExporter, otlpGrpcConfigSchema } from '../../src/collector/exporters/otlp-grpc.ts';
import { GrpcCode } from '../../src/collector/exporters/retry.ts';
import { parseRequest } from '../../src/collector/otlp/index.ts';
import { useExporterHarness } from '../support/exporter-harness.ts';
import { exporterCounts, testContext } from '../support/exporter-metrics.ts';
import { sdkPayload as payloadFor, sdkTracesRequest as tracesRequest } from '../support/sdk-payloads.ts';
import { CountingProxy } from '../support/tcp-proxy.ts';
import { makeTestPki } from '../support/tls-cert.ts';
import type { TestPki } from '../support/tls-cert.ts';

const FAST_RETRY = { initial_interval: '50ms', max_interval: '200ms', max_elapsed_time: '10s' };

const harness = useExporterHarness({
  id: 'otlp/down',
  parse: (input) => otlpGrpcConfigSchema.parse(input),
  create: createOtlpGrpcExporter,
  base: (sink) => ({ endpoint: sink.grpcEndpoint, tls: { insecure: true } }),
});
const exporter = harness.exporter;

describe('otlp_grpc exporter', () => {
  test.each<Signal>(['traces', 'metrics', 'logs'])('delivers %s exactly once, bytes intact, counted as sent', async (signal) => {
    const { exp, ctx } = await exporter({ sending_queue: { enabled: false } });
    const payload = await payloadFor(signal, 12);
    await exp.consume(payload);
    expect(harness.sink.requests).toHaveLength(1);
    expect(harness.sink.requests[0]!.signal).toBe(signal);
    expect(harness.sink.items(signal)).toBe(12);
    expect(parseRequest(signal, harness.sink.requests[0]!.body).resources.map((r) => Buffer.from(r).toString('hex')))
      .toEqual(payload.resources.map((r) => Buffer.from(r).toString('hex')));
    expect(await exporterCounts(ctx.telemetry, 'otlp/down', signal)).toMatchObject({ sent: 12, sendFailed: 0 });
  });

  test('sends configured headers as metadata', async () => {
    const { exp } = await exporter({ sending_queue: { enabled: false }, headers: { 'X-Api-Key': 'secret-1', tenant: 'shop' } });
    await exp.consume(await payloadFor('traces', 1));
    expect(harness.sink.requests[0]!.headers).toMatchObject({ 'x-api-key': 'secret-1', tenant: 'shop' });
    expect(harness.sink.requests[0]!.headers['user-agent']).toMatch(/^telemetry-pipeline-operator collector/);
  });

  test('gzip (the default) shrinks what goes on the wire; compression: none does not', async () => {
    const proxy = await CountingProxy.start(harness.sink.grpcPort);
    const payload = parseRequest('traces', tracesRequest(400));
    const wire = async (compression: string) => {
      const { exp } = await exporter({ endpoint: `127.0.0.1:${proxy.port}`, compression, sending_queue: { enabled: false } });
      const before = proxy.bytesIn;
      await exp.consume(payload);
      return proxy.bytesIn - before;
    };
    const plain = await wire('none');
    const gzip = await wire('gzip');
    await proxy.close();
    expect(plain).toBeGreaterThan(payload.bytes);
    expect(gzip).toBeLessThan(plain / 3);
    expect(harness.sink.items()).toBe(800);
  });

  describe('TLS', () => {
    let pki: TestPki;
    beforeEach(async () => {
      pki = makeTestPki();
      await harness.restartSink({ tls: { cert: pki.cert, key: pki.key } });
    });
    afterEach(() => pki.cleanup());

    test('verifies the server with tls.ca_file', async () => {
      const { exp } = await exporter({ tls: { ca_file: pki.caFile }, sending_queue: { enabled: false } });
      await exp.consume(await payloadFor('traces', 3));
      expect(harness.sink.items()).toBe(3);
    });

    test('refuses a server its CA does not vouch for', async () => {
      const { exp, ctx } = await exporter({ tls: {}, sending_queue: { enabled: false }, retry_on_failure: { enabled: false } });
      await expect(exp.consume(await payloadFor('traces', 3))).rejects.toThrow(/UNAVAILABLE/);
      expect(harness.sink.items()).toBe(0);
      expect(await exporterCounts(ctx.telemetry, 'otlp/down')).toMatchObject({ sendFailed: 3 });
    });

    test('insecure_skip_verify accepts it without the CA', async () => {
      const { exp } = await exporter({ tls: { insecure_skip_verify: true }, sending_queue: { enabled: false } });
      await exp.consume(await payloadFor('traces', 2));
      expect(harness.sink.items()).toBe(2);
    });

    test('a missing ca_file fails start with the field named', async () => {
      const exp = createOtlpGrpcExporter(testContext(), otlpGrpcConfigSchema.parse({ endpoint: harness.sink.grpcEndpoint, tls: { ca_file: `${pki.dir}/nope.pem` } }));
      await expect(exp.start!()).rejects.toThrow(/tls\.ca_file: cannot read/);
    });
  });

  test('retries UNAVAILABLE and the retries show in the metrics', async () => {
    harness.sink.fail({ grpc: { code: GrpcCode.UNAVAILABLE }, times: 2 });
    const { exp, ctx } = await exporter({ sending_queue: { enabled: false }, retry_on_failure: FAST_RETRY });
    await exp.consume(await payloadFor('traces', 5));
    expect(harness.sink.failed).toBe(2);
    expect(harness.sink.items()).toBe(5);
    expect(await exporterCounts(ctx.telemetry, 'otlp/down')).toMatchObject({ sent: 5, sendFailed: 0, retries: 2 });
  });

  test.each([
    ['INVALID_ARGUMENT', GrpcCode.INVALID_ARGUMENT],
    ['PERMISSION_DENIED', GrpcCode.PERMISSION_DENIED],
    ['RESOURCE_EXHAUSTED without RetryInfo', GrpcCode.RESOURCE_EXHAUSTED],
  ])('%s is permanent: no retry, send_failed', async (_name, code) => {
    harness.sink.fail({ grpc: { code } });
    const { exp, ctx } = await exporter({ sending_queue: { enabled: false }, retry_on_failure: FAST_RETRY });
    const error = await Promise.resolve(exp.consume(await payloadFor('traces', 4))).catch((e: unknown) => e);
    expect(isRetryable(error)).toBe(false);
    expect(harness.sink.failed).toBe(1);
    expect(await exporterCounts(ctx.telemetry, 'otlp/down')).toMatchObject({ sent: 0, sendFailed: 4, retries: 0 });
  });

  test('honours RetryInfo: RESOURCE_EXHAUSTED with a retry delay waits at least that long', async () => {
    harness.sink.fail({ grpc: { code: GrpcCode.RESOURCE_EXHAUSTED, retryDelayMs: 1200 }, times: 1 });
    const { exp } = await exporter({ sending_queue: { enabled: false }, retry_on_failure: FAST_RETRY });
    const started = Date.now();
    await exp.consume(await payloadFor('traces', 2));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1200);
    expect(harness.sink.items()).toBe(2);
  });

  test('partial success: rejected items are counted as send_failed and logged', async () => {
    harness.sink.partialSuccess(3, '3 spans too old');
    const { exp, ctx } = await exporter({ sending_queue: { enabled: false } });
    await exp.consume(await payloadFor('traces', 10));
    expect(await exporterCounts(ctx.telemetry, 'otlp/down')).toMatchObject({ sent: 7, sendFailed: 3 });
    expect(ctx.logs.find((l) => l.msg === 'Partial success response')).toMatchObject({ message: '3 spans too old', dropped_spans: 3 });
  });

  test('a full queue refuses with a retryable error and counts enqueue_failed', async () => {
    harness.sink.delay(1500);
    const { exp, ctx } = await exporter({ sending_queue: { num_consumers: 1, queue_size: 2 } });
    const payload = await payloadFor('traces', 6);
    await exp.consume(payload);
    await exp.consume(payload);
    const error = await Promise.resolve(exp.consume(payload)).catch((e: unknown) => e);
    expect(isRetryable(error)).toBe(true);
    expect(await exporterCounts(ctx.telemetry, 'otlp/down')).toMatchObject({ enqueueFailed: 6, queueSize: 2, queueCapacity: 2 });
    await exp.shutdown!(Date.now() + 10_000);
    expect(await exporterCounts(ctx.telemetry, 'otlp/down')).toMatchObject({ sent: 12, enqueueFailed: 6, queueSize: 0 });
  });

  test('timeout bounds each attempt (DEADLINE_EXCEEDED is retryable)', async () => {
    harness.sink.delay(1000);
    const { exp } = await exporter({ timeout: '200ms', sending_queue: { enabled: false }, retry_on_failure: { enabled: false } });
    const started = Date.now();
    const error = await Promise.resolve(exp.consume(await payloadFor('traces', 1))).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/DEADLINE_EXCEEDED/);
    expect(isRetryable(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(900);
  });

  test('shutdown drains the queue: sent + send_failed == accepted', async () => {
    harness.sink.delay(100);
    const { exp, ctx } = await exporter({ sending_queue: { num_consumers: 2 } });
    const payload = await payloadFor('traces', 10);
    for (let i = 0; i < 20; i++) await exp.consume(payload);
    await exp.shutdown!(Date.now() + 600);
    const counts = await exporterCounts(ctx.telemetry, 'otlp/down');
    expect(counts.sent + counts.sendFailed).toBe(200);
    expect(counts.sent).toBe(harness.sink.items());
    expect(counts.sendFailed).toBeGreaterThan(0);
    expect(ctx.logs.some((l) => l.msg === 'Drain deadline reached: dropping queued data')).toBe(true);
  });
});
