// otlp_http exporter against a real HTTP server on loopback (the test sink): paths, protobuf and
// JSON, gzip, headers, TLS, Retry-After, permanent 4xx, partial success.
import type { Signal } from '../../src/collector/component.ts';
import { isRetryable } from '../../src/collector/errors.ts';
import { createOtlpHttpExporter, otlpHttpConfigSchema } from '../../src/collector/exporters/otlp-http.ts';
import { parseRequest } from '../../src/collector/otlp/index.ts';
import { exporterCounts, testContext } from '../support/exporter-metrics.ts';
import type { TestContext } from '../support/exporter-metrics.ts';
import { useExporterHarness } from '../support/exporter-harness.ts';
import { sdkPayload } from '../support/sdk-payloads.ts';
import { makeTestPki } from '../support/tls-cert.ts';

const FAST_RETRY = { initial_interval: '50ms', max_interval: '200ms', max_elapsed_time: '10s' };

const harness = useExporterHarness({
  id: 'otlphttp/down',
  parse: (input) => otlpHttpConfigSchema.parse(input),
  create: createOtlpHttpExporter,
  base: (sink) => ({ endpoint: sink.httpEndpoint, sending_queue: { enabled: false } }),
});
const exporter = harness.exporter;

describe('otlp_http exporter', () => {
  test.each<[Signal, string]>([['traces', 'proto'], ['metrics', 'proto'], ['logs', 'proto'], ['traces', 'json'], ['metrics', 'json'], ['logs', 'json']])(
    'posts %s as %s to /v1/<signal>, content intact',
    async (signal, encoding) => {
      const { exp, ctx } = await exporter({ encoding });
      const payload = await sdkPayload(signal, 9);
      await exp.consume(payload);
      expect(harness.sink.requests).toHaveLength(1);
      const received = harness.sink.requests[0]!;
      expect(received).toMatchObject({ signal, transport: 'http', items: 9, contentType: encoding === 'json' ? 'application/json' : 'application/x-protobuf' });
      if (encoding === 'proto') {
        expect(parseRequest(signal, received.body).resources.map((r) => Buffer.from(r).toString('hex')))
          .toEqual(payload.resources.map((r) => Buffer.from(r).toString('hex')));
      }
      expect(await exporterCounts(ctx.telemetry, 'otlphttp/down', signal)).toMatchObject({ sent: 9, sendFailed: 0 });
    },
  );

  test('gzip by default: Content-Encoding gzip and fewer bytes than the request', async () => {
    const { exp } = await exporter({});
    const payload = await sdkPayload('traces', 300);
    await exp.consume(payload);
    const received = harness.sink.requests[0]!;
    expect(received.headers['content-encoding']).toBe('gzip');
    expect(received.wireBytes).toBeLessThan(payload.bytes / 3);
    expect(received.body.length).toBe(payload.bytes);
  });

  test('compression: none sends the request as is with a Content-Length', async () => {
    const { exp } = await exporter({ compression: 'none' });
    const payload = await sdkPayload('traces', 20);
    await exp.consume(payload);
    const received = harness.sink.requests[0]!;
    expect(received.headers['content-encoding']).toBeUndefined();
    expect(received.headers['content-length']).toBe(String(payload.bytes));
    expect(received.wireBytes).toBe(payload.bytes);
  });

  test('sends configured headers (map or list form)', async () => {
    const { exp } = await exporter({ headers: [{ name: 'Authorization', value: 'Bearer t0k3n' }, { name: 'X-Scope-OrgID', value: 'shop' }] });
    await exp.consume(await sdkPayload('logs', 1));
    expect(harness.sink.requests[0]!.headers).toMatchObject({ authorization: 'Bearer t0k3n', 'x-scope-orgid': 'shop' });
  });

  test('per-signal *_endpoint overrides endpoint', async () => {
    const { exp } = await exporter({ endpoint: 'http://127.0.0.1:1', traces_endpoint: `${harness.sink.httpEndpoint}/v1/traces` });
    await exp.consume(await sdkPayload('traces', 2));
    expect(harness.sink.items('traces')).toBe(2);
  });

  test('https with tls.ca_file', async () => {
    const pki = makeTestPki();
    await harness.restartSink({ tls: { cert: pki.cert, key: pki.key } });
    try {
      const { exp } = await exporter({ tls: { ca_file: pki.caFile } });
      await exp.consume(await sdkPayload('traces', 4));
      expect(harness.sink.items()).toBe(4);
      const { exp: untrusting } = await exporter({ retry_on_failure: { enabled: false } });
      await expect(untrusting.consume(await sdkPayload('traces', 1))).rejects.toThrow(/failed to make an HTTP request/);
    } finally {
      pki.cleanup();
    }
  });

  test.each([429, 502, 503, 504])('retries %d, the retries show in the metrics', async (status) => {
    harness.sink.fail({ http: { status }, times: 2 });
    const { exp, ctx } = await exporter({ retry_on_failure: FAST_RETRY });
    await exp.consume(await sdkPayload('traces', 3));
    expect(harness.sink.failed).toBe(2);
    expect(await exporterCounts(ctx.telemetry, 'otlphttp/down')).toMatchObject({ sent: 3, retries: 2 });
  });

  test.each([400, 401, 403, 404, 413, 500])('%d is permanent: not retried, counted as send_failed', async (status) => {
    harness.sink.fail({ http: { status } });
    const { exp, ctx } = await exporter({ retry_on_failure: FAST_RETRY });
    const error = await Promise.resolve(exp.consume(await sdkPayload('traces', 3))).catch((e: unknown) => e);
    expect(isRetryable(error)).toBe(false);
    expect((error as Error).message).toContain(`HTTP Status Code ${status}, Message=sink told to fail`);
    expect(harness.sink.failed).toBe(1);
    expect(await exporterCounts(ctx.telemetry, 'otlphttp/down')).toMatchObject({ sent: 0, sendFailed: 3 });
  });

  test('honours Retry-After (seconds) on 503', async () => {
    harness.sink.fail({ http: { status: 503, retryAfter: '1' }, times: 1 });
    const { exp } = await exporter({ retry_on_failure: FAST_RETRY });
    const started = Date.now();
    await exp.consume(await sdkPayload('traces', 1));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(harness.sink.items()).toBe(1);
  });

  test('honours Retry-After (HTTP date) on 429', async () => {
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000);
    harness.sink.fail({ http: { status: 429, retryAfter: at.toUTCString() }, times: 1 });
    const { exp } = await exporter({ retry_on_failure: FAST_RETRY });
    await exp.consume(await sdkPayload('traces', 1));
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime() - 5);
  });

  test.each(['proto', 'json'])('partial success (%s response) counts rejected items as send_failed', async (encoding) => {
    harness.sink.partialSuccess(2, 'two bad');
    const { exp, ctx } = await exporter({ encoding });
    await exp.consume(await sdkPayload('logs', 5));
    expect(await exporterCounts(ctx.telemetry, 'otlphttp/down', 'logs')).toMatchObject({ sent: 3, sendFailed: 2 });
  });

  test('timeout bounds each attempt', async () => {
    harness.sink.delay(1000);
    const { exp } = await exporter({ timeout: '200ms', retry_on_failure: { enabled: false } });
    const started = Date.now();
    const error = await Promise.resolve(exp.consume(await sdkPayload('traces', 1))).catch((e: unknown) => e);
    expect(isRetryable(error)).toBe(true);
    expect((error as Error).message).toMatch(/timeout/i);
    expect(Date.now() - started).toBeLessThan(900);
  });

  test('config: at least one endpoint, URLs only', () => {
    expect(otlpHttpConfigSchema.safeParse({}).error?.issues[0]).toMatchObject({ path: ['endpoint'], message: 'at least one endpoint must be specified' });
    expect(otlpHttpConfigSchema.safeParse({ endpoint: 'collector:4318' }).error?.issues[0]?.path).toEqual(['endpoint']);
    expect(otlpHttpConfigSchema.parse({ logs_endpoint: 'http://x:4318/logs' })).toMatchObject({ encoding: 'proto', compression: 'gzip', timeout: 30_000 });
  });
});
