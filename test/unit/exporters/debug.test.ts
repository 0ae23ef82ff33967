// debug exporter: verbosity levels, output destinations, zap-style sampling, text formats.
import { formatDetailed, formatNormal, timestamp, anyValue } from '../../../src/collector/exporters/debug-format.ts';
import { createDebugExporter, debugConfigSchema, Sampler, summary } from '../../../src/collector/exporters/debug.ts';
import { protobufToJson } from '../../../src/collector/otlp/index.ts';
import { exporterCounts, testContext } from '../../support/exporter-metrics.ts';
import { sdkLogsRequest, sdkMetricsRequest, sdkPayload, sdkTracesRequest } from '../../support/sdk-payloads.ts';

describe('Sampler (zap semantics, per key per second)', () => {
  test.each([
    [2, 1, 6, [true, true, true, true, true, true]],
    [2, 3, 8, [true, true, false, false, true, false, false, true]],
    [1, 0, 4, [true, false, false, false]],
    [0, 2, 4, [false, true, false, true]],
  ])('initial %d thereafter %d', (initial, thereafter, n, expected) => {
    const sampler = new Sampler(initial, thereafter, () => 5000);
    expect(Array.from({ length: n }, () => sampler.allow('Traces'))).toEqual(expected);
  });

  test('counts reset every second and keys are independent', () => {
    let now = 1000;
    const sampler = new Sampler(1, 0, () => now);
    expect([sampler.allow('Traces'), sampler.allow('Traces'), sampler.allow('Logs')]).toEqual([true, false, true]);
    now = 2000;
    expect(sampler.allow('Traces')).toBe(true);
  });
});

describe('summary line fields', () => {
  test.each([
    ['traces', 5, { 'resource spans': 1, spans: 5 }],
    ['metrics', 3, { 'resource metrics': 1, metrics: 1, 'data points': 3 }],
    ['logs', 4, { 'resource logs': 1, 'log records': 4 }],
  ] as const)('%s', async (signal, items, expected) => {
    expect(summary(await sdkPayload(signal, items))).toEqual(expected);
  });
});

describe('text formats', () => {
  test('timestamps and values as upstream prints them', () => {
    expect(timestamp('1713343244555461596')).toBe('2024-04-17 08:40:44.555461596 +0000 UTC');
    expect(timestamp('1713343244000000000')).toBe('2024-04-17 08:40:44 +0000 UTC');
    expect(anyValue({ stringValue: 'x' })).toBe('Str(x)');
    expect(anyValue({ intValue: '5' })).toBe('Int(5)');
    expect(anyValue({ arrayValue: { values: [{ intValue: '1' }, { stringValue: 'a' }] } })).toBe('Slice(["1","a"])');
    expect(anyValue({ kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } })).toBe('Map({"k":true})');
  });

  test('detailed traces', () => {
    const text = formatDetailed('traces', protobufToJson('traces', sdkTracesRequest(2)));
    expect(text).toMatch(/^ResourceSpans #0\nResource SchemaURL: \nResource attributes:\n     -> service.name: Str\(checkout\)/);
    expect(text).toContain('InstrumentationScope exporter-tests 1.0.0');
    expect(text).toMatch(/Span #1\n    Trace ID       : [0-9a-f]{32}\n    Parent ID      : \n    ID             : [0-9a-f]{16}\n    Name           : GET \/api\/items\/1\n    Kind           : Internal/);
    expect(text).toContain('     -> app.index: Int(1)');
  });

  test('detailed metrics and logs', async () => {
    const metrics = formatDetailed('metrics', protobufToJson('metrics', await sdkMetricsRequest(2)));
    expect(metrics).toContain('     -> Name: orders.placed\n');
    expect(metrics).toContain('     -> DataType: Sum\n     -> IsMonotonic: true\n     -> AggregationTemporality: Cumulative');
    expect(metrics).toContain('NumberDataPoints #1\nData point attributes:\n     -> shop.region: Str(region-1)');
    const logs = formatDetailed('logs', protobufToJson('logs', sdkLogsRequest(1)));
    expect(logs).toContain('LogRecord #0\n');
    expect(logs).toContain('SeverityText: INFO\nSeverityNumber: Info(9)\nBody: Str(order 0 placed)\nAttributes:\n     -> order.id: Int(0)');
  });

  test('normal: about one line per record', async () => {
    const traces = formatNormal('traces', protobufToJson('traces', sdkTracesRequest(3))).split('\n');
    expect(traces).toHaveLength(5);
    expect(traces[0]).toBe('ResourceSpans #0 service.name="checkout" k8s.namespace.name="shop"');
    expect(traces[1]).toBe('ScopeSpans #0 exporter-tests@1.0.0');
    expect(traces[4]).toMatch(/^GET \/api\/items\/2 [0-9a-f]{32} [0-9a-f]{16} http.request.method="GET"/);
    const metrics = formatNormal('metrics', protobufToJson('metrics', await sdkMetricsRequest(2))).split('\n');
    expect(metrics[2]).toBe('orders.placed {shop.region="region-0"} 1 {shop.region="region-1"} 2');
  });
});

describe('debug exporter', () => {
  test('config defaults as upstream: basic, sampling 2/1, internal logger, no queue', () => {
    expect(debugConfigSchema.parse({})).toMatchObject({ verbosity: 'basic', sampling_initial: 2, sampling_thereafter: 1, use_internal_logger: true, sending_queue: { enabled: false } });
    expect(debugConfigSchema.parse({ sending_queue: { queue_size: 5 } }).sending_queue).toMatchObject({ enabled: true, queue_size: 5 });
    expect(debugConfigSchema.safeParse({ verbosity: 'loud' }).error?.issues[0]?.path).toEqual(['verbosity']);
  });

  test('basic through the internal logger: one line with counts', async () => {
    const ctx = testContext('debug');
    const exp = createDebugExporter(ctx, debugConfigSchema.parse({}));
    await exp.consume(await sdkPayload('traces', 4));
    expect(ctx.logs).toEqual([expect.objectContaining({ msg: 'Traces', 'resource spans': 1, spans: 4 })]);
    expect(await exporterCounts(ctx.telemetry, 'debug')).toMatchObject({ sent: 4 });
  });

  test('detailed to stdout when use_internal_logger is false', async () => {
    const ctx = testContext('debug/detailed');
    const out: string[] = [];
    const exp = createDebugExporter(ctx, debugConfigSchema.parse({ verbosity: 'detailed', use_internal_logger: false }), { write: (t) => out.push(t) });
    await exp.consume(await sdkPayload('logs', 2));
    expect(ctx.logs).toEqual([]);
    expect(out.join('')).toMatch(/^Logs\t\{"resource logs":1,"log records":2\}\nResourceLog #0\n[\s\S]*LogRecord #1\n/);
  });

  test('sampling drops requests beyond the configured rate but they still count as sent', async () => {
    const ctx = testContext('debug/sampled');
    const exp = createDebugExporter(ctx, debugConfigSchema.parse({ sampling_initial: 1, sampling_thereafter: 0 }));
    const payload = await sdkPayload('traces', 1);
    for (let i = 0; i < 5; i++) await exp.consume(payload);
    expect(ctx.logs.length).toBeLessThanOrEqual(2);
    expect(await exporterCounts(ctx.telemetry, 'debug/sampled')).toMatchObject({ sent: 5 });
  });
});
