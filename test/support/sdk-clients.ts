// The official OpenTelemetry JS SDK exporters as collector clients: one factory per signal and
// transport (gRPC, HTTP/protobuf, HTTP/JSON), and helpers that send items tagged with `test.id`.
import { OTLPLogExporter as LogsGrpc } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as LogsJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogsProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as MetricsGrpc } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as MetricsJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as MetricsProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as TracesGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TracesJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TracesProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ExportResult } from '@opentelemetry/core';

export type Transport = 'grpc' | 'http/protobuf' | 'http/json';
export const TRANSPORTS: readonly Transport[] = ['grpc', 'http/protobuf', 'http/json'];

export interface Target {
  readonly host: string;
  readonly grpcPort: number;
  readonly httpPort: number;
}

const resource = resourceFromAttributes({ 'service.name': 'collector-test', 'service.instance.id': 'i-1' });

/** Attributes every test item carries; checked on arrival. */
export function testAttributes(id: string, index: number): Record<string, string | number | boolean | string[]> {
  return { 'test.id': id, 'test.int': index, 'test.double': index + 0.5, 'test.bool': index % 2 === 0, 'test.list': ['x', String(index)] };
}

function options(target: Target, transport: Transport, path: string, gzip: boolean) {
  const url = transport === 'grpc' ? `http://${target.host}:${target.grpcPort}` : `http://${target.host}:${target.httpPort}${path}`;
  return { url, ...(gzip && { compression: CompressionAlgorithm.GZIP }) };
}

export async function sendSpans(target: Target, transport: Transport, ids: readonly string[], gzip = false): Promise<void> {
  const config = options(target, transport, '/v1/traces', gzip);
  const exporter = transport === 'grpc' ? new TracesGrpc(config) : transport === 'http/json' ? new TracesJson(config) : new TracesProto(config);
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 64, scheduledDelayMillis: 50 })] });
  const tracer = provider.getTracer('collector-test', '1.0.0');
  ids.forEach((id, index) => tracer.startSpan(`span ${id}`, { attributes: testAttributes(id, index) }).end());
  await provider.forceFlush();
  await provider.shutdown();
}

class ManualReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** One counter data point per id, collected once and exported once (no periodic re-export). */
export async function sendMetricPoints(target: Target, transport: Transport, ids: readonly string[], gzip = false): Promise<void> {
  const config = options(target, transport, '/v1/metrics', gzip);
  const exporter = transport === 'grpc' ? new MetricsGrpc(config) : transport === 'http/json' ? new MetricsJson(config) : new MetricsProto(config);
  const reader = new ManualReader();
  const provider = new MeterProvider({ resource, readers: [reader] });
  const counter = provider.getMeter('collector-test').createCounter('test.requests');
  ids.forEach((id, index) => counter.add(index + 1, testAttributes(id, index)));
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) throw errors[0];
  const result = await new Promise<ExportResult>((resolve) => exporter.export(resourceMetrics, resolve));
  await exporter.shutdown();
  if (result.code !== 0) throw result.error ?? new Error('metric export failed');
}

export async function sendLogRecords(target: Target, transport: Transport, ids: readonly string[], gzip = false): Promise<void> {
  const config = options(target, transport, '/v1/logs', gzip);
  const exporter = transport === 'grpc' ? new LogsGrpc(config) : transport === 'http/json' ? new LogsJson(config) : new LogsProto(config);
  const provider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter, maxExportBatchSize: 64, scheduledDelayMillis: 50 })] });
  const logger = provider.getLogger('collector-test');
  ids.forEach((id, index) => logger.emit({ body: `log ${id}`, severityNumber: 9, severityText: 'INFO', attributes: testAttributes(id, index) }));
  await provider.forceFlush();
  await provider.shutdown();
}
