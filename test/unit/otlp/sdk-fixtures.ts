// Real telemetry from the official OpenTelemetry JS SDK, and the SDK's own serializers and object form:
// the reference the codec is checked against.
import { context, SpanKind, SpanStatusCode, trace, ValueType } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import {
  JsonLogsSerializer, JsonMetricsSerializer, JsonTraceSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { createExportLogsServiceRequest } from '@opentelemetry/otlp-transformer/build/src/logs/internal.js';
import { createExportMetricsServiceRequest } from '@opentelemetry/otlp-transformer/build/src/metrics/internal.js';
import { createExportTraceServiceRequest } from '@opentelemetry/otlp-transformer/build/src/trace/internal.js';
import { JSON_ENCODER } from '@opentelemetry/otlp-transformer/build/src/common/utils.js';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { AggregationType, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Signal } from '../../../src/collector/component.ts';

export const checkoutResource = resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '1.4.2', 'host.name': 'node-a', 'process.pid': 4242 });
export const paymentResource = resourceFromAttributes({ 'service.name': 'payment', 'deployment.environment': 'prod' });

export interface SpanSpec {
  name: string;
  kind?: SpanKind;
  attributes?: Record<string, string | number | boolean | string[] | number[]>;
  error?: boolean;
  /** Child of the previous span (same trace). */
  child?: boolean;
}

/** Ends spans made with the SDK tracer of a provider for `resource`; one scope per distinct scope name. */
export function makeSpans(resource = checkoutResource, specs: SpanSpec[] = defaultSpans(), scopeName = 'shop.checkout'): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer(scopeName, '2.1.0');
  let parent: ReturnType<typeof tracer.startSpan> | undefined;
  for (const spec of specs) {
    const ctx = spec.child && parent ? trace.setSpan(context.active(), parent) : context.active();
    const span = tracer.startSpan(spec.name, { kind: spec.kind ?? SpanKind.INTERNAL, attributes: spec.attributes }, ctx);
    span.addEvent('checkpoint', { 'step.index': 3, 'step.ok': true });
    if (spec.error) span.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
    else span.setStatus({ code: SpanStatusCode.OK });
    span.end();
    parent = span;
  }
  return exporter.getFinishedSpans();
}

export function defaultSpans(): SpanSpec[] {
  return [
    { name: 'GET /cart', kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET', 'http.route': '/cart', 'http.response.status_code': 200, 'user.id': 'u-17' } },
    { name: 'SELECT carts', kind: SpanKind.CLIENT, child: true, attributes: { 'db.system': 'postgresql', 'db.statement': 'SELECT * FROM carts', 'internal.debug': 'x' } },
    { name: 'POST /pay', kind: SpanKind.CLIENT, error: true, attributes: { 'http.request.method': 'POST', ratio: 0.25, tags: ['a', 'b'], counts: [1, 2] } },
    { name: 'healthcheck', attributes: { 'http.route': '/healthz' } },
  ];
}

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** Metrics of every OTLP point type (sum, gauge, histogram, exponential histogram) from the SDK. */
export async function makeMetrics(resource = checkoutResource): Promise<ResourceMetrics> {
  const reader = new TestReader();
  const provider = new MeterProvider({
    resource,
    readers: [reader],
    views: [{ instrumentName: 'checkout.payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('shop.metrics', '1.0.0');
  const orders = meter.createCounter('checkout.orders', { description: 'Orders placed', unit: '{order}' });
  orders.add(3, { 'payment.method': 'card', region: 'eu' });
  orders.add(1, { 'payment.method': 'cash', region: 'us' });
  const inflight = meter.createUpDownCounter('checkout.inflight', { valueType: ValueType.INT });
  inflight.add(5, { queue: 'a' });
  inflight.add(-2, { queue: 'b' });
  const latency = meter.createHistogram('checkout.latency', { unit: 'ms' });
  for (const ms of [3, 12, 40, 250]) latency.record(ms, { route: '/cart' });
  latency.record(9, { route: '/pay' });
  const size = meter.createHistogram('checkout.payload.size', { unit: 'By' });
  for (const bytes of [10, 100, 1000, 0.5]) size.record(bytes, { codec: 'gzip' });
  meter.createObservableGauge('checkout.temperature').addCallback((result) => {
    result.observe(21.5, { room: 'a' });
    result.observe(-3, { room: 'b' });
  });
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) throw errors[0];
  return resourceMetrics;
}

/** Log records from the SDK, some inside a span (trace and span ids set), with various bodies. */
export function makeLogs(resource = checkoutResource): ReadableLogRecord[] {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('shop.logs', '3.0.0');
  const spans = makeSpans(resource, [{ name: 'work' }]);
  const spanContext = spans[0]!.spanContext();
  const inSpan = trace.setSpanContext(context.active(), spanContext);
  logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'order placed', attributes: { 'order.id': 'o-1', amount: 12.5 }, context: inSpan });
  logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: { code: 42, reason: 'declined' }, attributes: { 'order.id': 'o-2', retry: false } });
  logger.emit({ severityNumber: SeverityNumber.DEBUG, body: ['a', 1, true], attributes: { 'internal.trace': 'x', blob: new Uint8Array([1, 2, 3]) } });
  logger.emit({ eventName: 'checkout.done', body: 'done', attributes: { count: 7 }, context: inSpan });
  return exporter.getFinishedLogRecords();
}

export type Telemetry = { traces: ReadableSpan[]; metrics: ResourceMetrics[]; logs: ReadableLogRecord[] };

/** The SDK's protobuf encoding (what its OTLP/proto and gRPC exporters send). */
export function sdkProtobuf<S extends Signal>(signal: S, data: Telemetry[S]): Uint8Array {
  if (signal === 'traces') return ProtobufTraceSerializer.serializeRequest(data as ReadableSpan[])!;
  if (signal === 'metrics') return ProtobufMetricsSerializer.serializeRequest((data as ResourceMetrics[])[0]!)!;
  return ProtobufLogsSerializer.serializeRequest(data as ReadableLogRecord[])!;
}

/** The SDK's OTLP/JSON encoding (what its OTLP/HTTP JSON exporters send). */
export function sdkJson<S extends Signal>(signal: S, data: Telemetry[S]): string {
  const bytes = signal === 'traces'
    ? JsonTraceSerializer.serializeRequest(data as ReadableSpan[])
    : signal === 'metrics'
      ? JsonMetricsSerializer.serializeRequest((data as ResourceMetrics[])[0]!)
      : JsonLogsSerializer.serializeRequest(data as ReadableLogRecord[]);
  return new TextDecoder().decode(bytes);
}

/** The SDK's own object form of the request (its JSON encoder's view: hex ids, string timestamps). */
export function sdkObject<S extends Signal>(signal: S, data: Telemetry[S]): unknown {
  const request = signal === 'traces'
    ? createExportTraceServiceRequest(data as ReadableSpan[], JSON_ENCODER)
    : signal === 'metrics'
      ? createExportMetricsServiceRequest(data as ResourceMetrics[], JSON_ENCODER)
      : createExportLogsServiceRequest(data as ReadableLogRecord[], JSON_ENCODER);
  // Drops undefined members, as the JSON the SDK sends would.
  return JSON.parse(JSON.stringify(request));
}

export const SDK_RESPONSE_DESERIALIZERS = {
  traces: ProtobufTraceSerializer,
  metrics: ProtobufMetricsSerializer,
  logs: ProtobufLogsSerializer,
};
