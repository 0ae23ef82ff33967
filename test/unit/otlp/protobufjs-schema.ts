// An independent OTLP encoder/decoder for property tests: protobufjs reflection over a schema written
// here in TS (field numbers from opentelemetry-proto, typed again for this test, not shared with the
// codec), so the codec is checked against a second implementation.
import protobuf from 'protobufjs';
import type { Signal } from '../../../src/collector/component.ts';

const f = (id: number, type: string, rule?: 'repeated') => (rule ? { id, type, rule } : { id, type });
const KV = f(0, 'KeyValue', 'repeated');
const attrs = (id: number) => ({ ...KV, id });
const points = (type: string) => ({ fields: { dataPoints: f(1, type, 'repeated'), aggregationTemporality: f(2, 'int32'), isMonotonic: f(3, 'bool') } });

const root = protobuf.Root.fromJSON({
  nested: {
    AnyValue: {
      oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
      fields: {
        stringValue: f(1, 'string'), boolValue: f(2, 'bool'), intValue: f(3, 'int64'), doubleValue: f(4, 'double'),
        arrayValue: f(5, 'ArrayValue'), kvlistValue: f(6, 'KeyValueList'), bytesValue: f(7, 'bytes'),
      },
    },
    ArrayValue: { fields: { values: f(1, 'AnyValue', 'repeated') } },
    KeyValueList: { fields: { values: f(1, 'KeyValue', 'repeated') } },
    KeyValue: { fields: { key: f(1, 'string'), value: f(2, 'AnyValue') } },
    Resource: { fields: { attributes: attrs(1), droppedAttributesCount: f(2, 'uint32') } },
    Scope: { fields: { name: f(1, 'string'), version: f(2, 'string'), attributes: attrs(3) } },
    Span: {
      fields: {
        traceId: f(1, 'bytes'), spanId: f(2, 'bytes'), traceState: f(3, 'string'), name: f(5, 'string'), kind: f(6, 'int32'),
        startTimeUnixNano: f(7, 'fixed64'), attributes: attrs(9), flags: f(16, 'fixed32'),
      },
    },
    ScopeSpans: { fields: { scope: f(1, 'Scope'), spans: f(2, 'Span', 'repeated'), schemaUrl: f(3, 'string') } },
    ResourceSpans: { fields: { resource: f(1, 'Resource'), scopeSpans: f(2, 'ScopeSpans', 'repeated'), schemaUrl: f(3, 'string') } },
    TracesRequest: { fields: { resourceSpans: f(1, 'ResourceSpans', 'repeated') } },
    LogRecord: {
      fields: {
        timeUnixNano: f(1, 'fixed64'), severityNumber: f(2, 'int32'), severityText: f(3, 'string'), body: f(5, 'AnyValue'), attributes: attrs(6),
        traceId: f(9, 'bytes'), spanId: f(10, 'bytes'), eventName: f(12, 'string'),
      },
    },
    ScopeLogs: { fields: { scope: f(1, 'Scope'), logRecords: f(2, 'LogRecord', 'repeated'), schemaUrl: f(3, 'string') } },
    ResourceLogs: { fields: { resource: f(1, 'Resource'), scopeLogs: f(2, 'ScopeLogs', 'repeated'), schemaUrl: f(3, 'string') } },
    LogsRequest: { fields: { resourceLogs: f(1, 'ResourceLogs', 'repeated') } },
    NumberDataPoint: { oneofs: { value: { oneof: ['asDouble', 'asInt'] } }, fields: { attributes: attrs(7), timeUnixNano: f(3, 'fixed64'), asDouble: f(4, 'double'), asInt: f(6, 'sfixed64') } },
    HistogramDataPoint: { fields: { attributes: attrs(9), count: f(4, 'fixed64'), sum: f(5, 'double'), bucketCounts: f(6, 'fixed64', 'repeated'), explicitBounds: f(7, 'double', 'repeated') } },
    ExponentialHistogramDataPoint: { fields: { attributes: attrs(1), count: f(4, 'fixed64'), scale: f(6, 'sint32'), zeroCount: f(7, 'fixed64') } },
    SummaryDataPoint: { fields: { attributes: attrs(7), count: f(4, 'fixed64'), sum: f(5, 'double') } },
    Gauge: points('NumberDataPoint'),
    Sum: points('NumberDataPoint'),
    Histogram: points('HistogramDataPoint'),
    ExponentialHistogram: points('ExponentialHistogramDataPoint'),
    Summary: points('SummaryDataPoint'),
    Metric: {
      oneofs: { data: { oneof: ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] } },
      fields: {
        name: f(1, 'string'), description: f(2, 'string'), unit: f(3, 'string'), gauge: f(5, 'Gauge'), sum: f(7, 'Sum'), histogram: f(9, 'Histogram'),
        exponentialHistogram: f(10, 'ExponentialHistogram'), summary: f(11, 'Summary'), metadata: attrs(12),
      },
    },
    ScopeMetrics: { fields: { scope: f(1, 'Scope'), metrics: f(2, 'Metric', 'repeated'), schemaUrl: f(3, 'string') } },
    ResourceMetrics: { fields: { resource: f(1, 'Resource'), scopeMetrics: f(2, 'ScopeMetrics', 'repeated'), schemaUrl: f(3, 'string') } },
    MetricsRequest: { fields: { resourceMetrics: f(1, 'ResourceMetrics', 'repeated') } },
  },
});

const REQUEST: Record<Signal, protobuf.Type> = {
  traces: root.lookupType('TracesRequest'),
  metrics: root.lookupType('MetricsRequest'),
  logs: root.lookupType('LogsRequest'),
};

export function pbEncode(signal: Signal, request: object): Uint8Array {
  const type = REQUEST[signal];
  return type.encode(type.fromObject(request)).finish();
}

/** Decoded with protobufjs, as a plain object (64-bit integers as strings, bytes as base64). */
export function pbDecode(signal: Signal, bytes: Uint8Array): Record<string, any> {
  const type = REQUEST[signal];
  return type.toObject(type.decode(bytes), { longs: String, enums: Number, bytes: String, defaults: false, oneofs: false }) as Record<string, any>;
}

export const ENTRIES: Record<Signal, [entries: string, scopes: string, items: string]> = {
  traces: ['resourceSpans', 'scopeSpans', 'spans'],
  metrics: ['resourceMetrics', 'scopeMetrics', 'metrics'],
  logs: ['resourceLogs', 'scopeLogs', 'logRecords'],
};

/** Every item (span, log record, data point) with its resource and scope, in order. */
export function flatItems(signal: Signal, request: Record<string, any>): unknown[] {
  const [entriesKey, scopesKey, itemsKey] = ENTRIES[signal];
  const out: unknown[] = [];
  for (const entry of request[entriesKey] ?? []) {
    for (const scope of entry[scopesKey] ?? []) {
      for (const item of scope[itemsKey] ?? []) {
        if (signal !== 'metrics') {
          out.push({ resource: entry.resource ?? null, scope: scope.scope ?? null, item });
          continue;
        }
        const data = item.gauge ?? item.sum ?? item.histogram ?? item.exponentialHistogram ?? item.summary;
        for (const point of data?.dataPoints ?? []) out.push({ resource: entry.resource ?? null, scope: scope.scope ?? null, metric: item.name, point });
      }
    }
  }
  return out;
}
