// Export requests made by the official OpenTelemetry JS SDK (tracer, meter, logger providers and
// the otlp-transformer protobuf serializers), as Payloads for exporter tests.
import { ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Payload, Signal } from '../../src/collector/component.ts';
import { parseRequest } from '../../src/collector/otlp/index.ts';

const resource = (service: string) => resourceFromAttributes({ 'service.name': service, 'k8s.namespace.name': 'shop' });

function bytesOf(encoded: Uint8Array | undefined): Uint8Array {
  if (!encoded) throw new Error('serializer returned nothing');
  return encoded;
}

export function sdkTracesRequest(spans: number, service = 'checkout'): Uint8Array {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resource(service), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('exporter-tests', '1.0.0');
  for (let i = 0; i < spans; i++) {
    const span = tracer.startSpan(`GET /api/items/${i % 7}`, { attributes: { 'http.request.method': 'GET', 'http.route': '/api/items/{id}', 'app.index': i } });
    span.end();
  }
  return bytesOf(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans()));
}

class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** `points` data points: one counter with that many attribute sets. */
export async function sdkMetricsRequest(points: number, service = 'checkout'): Promise<Uint8Array> {
  const reader = new CollectingReader();
  const provider = new MeterProvider({ resource: resource(service), readers: [reader] });
  const counter = provider.getMeter('exporter-tests').createCounter('orders.placed');
  for (let i = 0; i < points; i++) counter.add(i + 1, { 'shop.region': `region-${i}` });
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return bytesOf(ProtobufMetricsSerializer.serializeRequest(resourceMetrics));
}

export function sdkLogsRequest(records: number, service = 'checkout'): Uint8Array {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource: resource(service), processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('exporter-tests');
  for (let i = 0; i < records; i++) logger.emit({ body: `order ${i} placed`, severityText: 'INFO', severityNumber: 9, attributes: { 'order.id': i } });
  return bytesOf(ProtobufLogsSerializer.serializeRequest(exporter.getFinishedLogRecords()));
}

export async function sdkRequest(signal: Signal, items: number, service?: string): Promise<Uint8Array> {
  if (signal === 'traces') return sdkTracesRequest(items, service);
  if (signal === 'metrics') return sdkMetricsRequest(items, service);
  return sdkLogsRequest(items, service);
}

export async function sdkPayload(signal: Signal, items: number, service?: string): Promise<Payload> {
  return parseRequest(signal, await sdkRequest(signal, items, service));
}
