// The OTLP v1 schema this codec needs, written as TS constants. Field numbers are facts from
// opentelemetry-proto (opentelemetry/proto/{common,resource,trace,metrics,logs}/v1 and the
// collector/*/v1 services); the hot path uses the named constants, full decode and OTLP/JSON use MESSAGES.
import type { Signal } from '../component.ts';

// ---- hot-path field numbers -------------------------------------------------------------------
/** Export{Trace,Metrics,Logs}ServiceRequest.resource_{spans,metrics,logs} */
export const REQUEST_RESOURCES = 1;
/** Resource{Spans,Metrics,Logs}.resource */
export const ENTRY_RESOURCE = 1;
/** Resource{Spans,Metrics,Logs}.scope_{spans,metrics,logs} */
export const ENTRY_SCOPES = 2;
/** Scope{Spans,Metrics,Logs}.scope */
export const SCOPE_ENTRY_SCOPE = 1;
/** ScopeSpans.spans, ScopeMetrics.metrics, ScopeLogs.log_records */
export const SCOPE_ENTRY_ITEMS = 2;
export const METRIC_NAME = 1;
/** Metric oneof data: the fields holding a message whose field 1 is data_points. */
export const METRIC_GAUGE = 5;
export const METRIC_SUM = 7;
export const METRIC_HISTOGRAM = 9;
export const METRIC_EXPONENTIAL_HISTOGRAM = 10;
export const METRIC_SUMMARY = 11;
/** Gauge/Sum/Histogram/ExponentialHistogram/Summary.data_points */
export const DATA_POINTS = 1;
export const RESOURCE_ATTRIBUTES = 1;
export const SCOPE_NAME = 1;
export const SCOPE_VERSION = 2;
export const SCOPE_ATTRIBUTES = 3;
export const KEY_VALUE_KEY = 1;
export const KEY_VALUE_VALUE = 2;
export const ANY_STRING = 1;
export const ANY_BOOL = 2;
export const ANY_INT = 3;
export const ANY_DOUBLE = 4;
export const ANY_ARRAY = 5;
export const ANY_KVLIST = 6;
export const ANY_BYTES = 7;
export const SPAN_TRACE_ID = 1;
export const SPAN_TRACE_STATE = 3;
export const SPAN_NAME = 5;
export const SPAN_KIND = 6;
export const SPAN_ATTRIBUTES = 9;
export const LOG_SEVERITY_NUMBER = 2;
export const LOG_SEVERITY_TEXT = 3;
export const LOG_BODY = 5;
export const LOG_ATTRIBUTES = 6;
export const LOG_TRACE_ID = 9;
export const LOG_EVENT_NAME = 12;
export const NUMBER_POINT_ATTRIBUTES = 7;
export const HISTOGRAM_POINT_ATTRIBUTES = 9;
export const EXPONENTIAL_HISTOGRAM_POINT_ATTRIBUTES = 1;
export const SUMMARY_POINT_ATTRIBUTES = 7;
/** Export*ServiceResponse.partial_success */
export const RESPONSE_PARTIAL_SUCCESS = 1;
/** Export*PartialSuccess.rejected_{spans,data_points,log_records} */
export const PARTIAL_SUCCESS_REJECTED = 1;
export const PARTIAL_SUCCESS_MESSAGE = 2;

/** Item kinds the rewrite walk hands to processors, with the field number of their attributes. */
export type ItemKind = 'span' | 'log_record' | 'number_data_point' | 'histogram_data_point' | 'exponential_histogram_data_point' | 'summary_data_point';

export const ITEM_ATTRIBUTES: Readonly<Record<ItemKind, number>> = {
  span: SPAN_ATTRIBUTES,
  log_record: LOG_ATTRIBUTES,
  number_data_point: NUMBER_POINT_ATTRIBUTES,
  histogram_data_point: HISTOGRAM_POINT_ATTRIBUTES,
  exponential_histogram_data_point: EXPONENTIAL_HISTOGRAM_POINT_ATTRIBUTES,
  summary_data_point: SUMMARY_POINT_ATTRIBUTES,
};

/** Metric data field number -> kind of its data points (undefined: not a data field). */
export function dataPointKind(metricField: number): ItemKind | undefined {
  switch (metricField) {
    case METRIC_GAUGE:
    case METRIC_SUM:
      return 'number_data_point';
    case METRIC_HISTOGRAM:
      return 'histogram_data_point';
    case METRIC_EXPONENTIAL_HISTOGRAM:
      return 'exponential_histogram_data_point';
    case METRIC_SUMMARY:
      return 'summary_data_point';
    default:
      return undefined;
  }
}

/** Message names per signal, for decoding and error messages. */
export const SIGNAL_MESSAGES: Readonly<Record<Signal, { request: string; response: string; entry: string; scope: string; item: string }>> = {
  traces: { request: 'ExportTraceServiceRequest', response: 'ExportTraceServiceResponse', entry: 'ResourceSpans', scope: 'ScopeSpans', item: 'Span' },
  metrics: { request: 'ExportMetricsServiceRequest', response: 'ExportMetricsServiceResponse', entry: 'ResourceMetrics', scope: 'ScopeMetrics', item: 'Metric' },
  logs: { request: 'ExportLogsServiceRequest', response: 'ExportLogsServiceResponse', entry: 'ResourceLogs', scope: 'ScopeLogs', item: 'LogRecord' },
};

// ---- full schema for decoding and OTLP/JSON ---------------------------------------------------
/** `id`: bytes written as hex in OTLP/JSON (trace and span ids); `bytes`: base64. */
export type ScalarKind =
  | 'string' | 'bytes' | 'id' | 'bool' | 'int32' | 'uint32' | 'sint32' | 'int64' | 'uint64'
  | 'fixed32' | 'fixed64' | 'sfixed64' | 'double' | 'enum';

export interface FieldDef {
  readonly no: number;
  /** proto (snake_case) name */
  readonly name: string;
  /** OTLP/JSON (lowerCamelCase) name */
  readonly json: string;
  readonly kind: ScalarKind | 'message';
  /** Message type for `message`, enum type for `enum`. */
  readonly type: string;
  readonly repeated: boolean;
  readonly oneof: string | undefined;
  /** Explicit presence (proto3 `optional` or a oneof member): a zero value is still written. */
  readonly hasPresence: boolean;
}

export interface MessageDef {
  readonly name: string;
  readonly fields: readonly FieldDef[];
  readonly byNumber: ReadonlyMap<number, FieldDef>;
  /** By JSON name and by proto name (OTLP/JSON readers accept both). */
  readonly byKey: ReadonlyMap<string, FieldDef>;
}

type Spec = readonly [no: number, name: string, type: string, flags?: 'repeated' | 'optional' | `oneof:${string}`];

const SCALARS = new Set<string>(['string', 'bytes', 'id', 'bool', 'int32', 'uint32', 'sint32', 'int64', 'uint64', 'fixed32', 'fixed64', 'sfixed64', 'double']);

export const ENUMS: Readonly<Record<string, readonly string[]>> = {
  SpanKind: ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'],
  StatusCode: ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'],
  AggregationTemporality: ['AGGREGATION_TEMPORALITY_UNSPECIFIED', 'AGGREGATION_TEMPORALITY_DELTA', 'AGGREGATION_TEMPORALITY_CUMULATIVE'],
  SeverityNumber: [
    'SEVERITY_NUMBER_UNSPECIFIED',
    ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((level) => [level, `${level}2`, `${level}3`, `${level}4`].map((name) => `SEVERITY_NUMBER_${name}`)),
  ],
};

const PARTIAL_SUCCESS = (rejected: string): Spec[] => [[1, rejected, 'int64'], [2, 'error_message', 'string']];

const SPECS: Record<string, readonly Spec[]> = {
  // common/v1
  AnyValue: [
    [1, 'string_value', 'string', 'oneof:value'], [2, 'bool_value', 'bool', 'oneof:value'], [3, 'int_value', 'int64', 'oneof:value'],
    [4, 'double_value', 'double', 'oneof:value'], [5, 'array_value', 'ArrayValue', 'oneof:value'],
    [6, 'kvlist_value', 'KeyValueList', 'oneof:value'], [7, 'bytes_value', 'bytes', 'oneof:value'],
  ],
  ArrayValue: [[1, 'values', 'AnyValue', 'repeated']],
  KeyValueList: [[1, 'values', 'KeyValue', 'repeated']],
  KeyValue: [[1, 'key', 'string'], [2, 'value', 'AnyValue']],
  InstrumentationScope: [[1, 'name', 'string'], [2, 'version', 'string'], [3, 'attributes', 'KeyValue', 'repeated'], [4, 'dropped_attributes_count', 'uint32']],
  EntityRef: [[1, 'schema_url', 'string'], [2, 'type', 'string'], [3, 'id_keys', 'string', 'repeated'], [4, 'description_keys', 'string', 'repeated']],
  // resource/v1
  Resource: [[1, 'attributes', 'KeyValue', 'repeated'], [2, 'dropped_attributes_count', 'uint32'], [3, 'entity_refs', 'EntityRef', 'repeated']],
  // trace/v1 and collector/trace/v1
  ExportTraceServiceRequest: [[1, 'resource_spans', 'ResourceSpans', 'repeated']],
  ResourceSpans: [[1, 'resource', 'Resource'], [2, 'scope_spans', 'ScopeSpans', 'repeated'], [3, 'schema_url', 'string']],
  ScopeSpans: [[1, 'scope', 'InstrumentationScope'], [2, 'spans', 'Span', 'repeated'], [3, 'schema_url', 'string']],
  Span: [
    [1, 'trace_id', 'id'], [2, 'span_id', 'id'], [3, 'trace_state', 'string'], [4, 'parent_span_id', 'id'], [16, 'flags', 'fixed32'],
    [5, 'name', 'string'], [6, 'kind', 'SpanKind'], [7, 'start_time_unix_nano', 'fixed64'], [8, 'end_time_unix_nano', 'fixed64'],
    [9, 'attributes', 'KeyValue', 'repeated'], [10, 'dropped_attributes_count', 'uint32'], [11, 'events', 'Span.Event', 'repeated'],
    [12, 'dropped_events_count', 'uint32'], [13, 'links', 'Span.Link', 'repeated'], [14, 'dropped_links_count', 'uint32'], [15, 'status', 'Status'],
  ],
  'Span.Event': [[1, 'time_unix_nano', 'fixed64'], [2, 'name', 'string'], [3, 'attributes', 'KeyValue', 'repeated'], [4, 'dropped_attributes_count', 'uint32']],
  'Span.Link': [
    [1, 'trace_id', 'id'], [2, 'span_id', 'id'], [3, 'trace_state', 'string'], [4, 'attributes', 'KeyValue', 'repeated'],
    [5, 'dropped_attributes_count', 'uint32'], [6, 'flags', 'fixed32'],
  ],
  Status: [[2, 'message', 'string'], [3, 'code', 'StatusCode']],
  ExportTraceServiceResponse: [[1, 'partial_success', 'ExportTracePartialSuccess']],
  ExportTracePartialSuccess: PARTIAL_SUCCESS('rejected_spans'),
  // metrics/v1 and collector/metrics/v1
  ExportMetricsServiceRequest: [[1, 'resource_metrics', 'ResourceMetrics', 'repeated']],
  ResourceMetrics: [[1, 'resource', 'Resource'], [2, 'scope_metrics', 'ScopeMetrics', 'repeated'], [3, 'schema_url', 'string']],
  ScopeMetrics: [[1, 'scope', 'InstrumentationScope'], [2, 'metrics', 'Metric', 'repeated'], [3, 'schema_url', 'string']],
  Metric: [
    [1, 'name', 'string'], [2, 'description', 'string'], [3, 'unit', 'string'], [5, 'gauge', 'Gauge', 'oneof:data'], [7, 'sum', 'Sum', 'oneof:data'],
    [9, 'histogram', 'Histogram', 'oneof:data'], [10, 'exponential_histogram', 'ExponentialHistogram', 'oneof:data'],
    [11, 'summary', 'Summary', 'oneof:data'], [12, 'metadata', 'KeyValue', 'repeated'],
  ],
  Gauge: [[1, 'data_points', 'NumberDataPoint', 'repeated']],
  Sum: [[1, 'data_points', 'NumberDataPoint', 'repeated'], [2, 'aggregation_temporality', 'AggregationTemporality'], [3, 'is_monotonic', 'bool']],
  Histogram: [[1, 'data_points', 'HistogramDataPoint', 'repeated'], [2, 'aggregation_temporality', 'AggregationTemporality']],
  ExponentialHistogram: [[1, 'data_points', 'ExponentialHistogramDataPoint', 'repeated'], [2, 'aggregation_temporality', 'AggregationTemporality']],
  Summary: [[1, 'data_points', 'SummaryDataPoint', 'repeated']],
  NumberDataPoint: [
    [7, 'attributes', 'KeyValue', 'repeated'], [2, 'start_time_unix_nano', 'fixed64'], [3, 'time_unix_nano', 'fixed64'],
    [4, 'as_double', 'double', 'oneof:value'], [6, 'as_int', 'sfixed64', 'oneof:value'], [5, 'exemplars', 'Exemplar', 'repeated'], [8, 'flags', 'uint32'],
  ],
  HistogramDataPoint: [
    [9, 'attributes', 'KeyValue', 'repeated'], [2, 'start_time_unix_nano', 'fixed64'], [3, 'time_unix_nano', 'fixed64'], [4, 'count', 'fixed64'],
    [5, 'sum', 'double', 'optional'], [6, 'bucket_counts', 'fixed64', 'repeated'], [7, 'explicit_bounds', 'double', 'repeated'],
    [8, 'exemplars', 'Exemplar', 'repeated'], [10, 'flags', 'uint32'], [11, 'min', 'double', 'optional'], [12, 'max', 'double', 'optional'],
  ],
  ExponentialHistogramDataPoint: [
    [1, 'attributes', 'KeyValue', 'repeated'], [2, 'start_time_unix_nano', 'fixed64'], [3, 'time_unix_nano', 'fixed64'], [4, 'count', 'fixed64'],
    [5, 'sum', 'double', 'optional'], [6, 'scale', 'sint32'], [7, 'zero_count', 'fixed64'], [8, 'positive', 'ExponentialHistogramDataPoint.Buckets'],
    [9, 'negative', 'ExponentialHistogramDataPoint.Buckets'], [10, 'flags', 'uint32'], [11, 'exemplars', 'Exemplar', 'repeated'],
    [12, 'min', 'double', 'optional'], [13, 'max', 'double', 'optional'], [14, 'zero_threshold', 'double'],
  ],
  'ExponentialHistogramDataPoint.Buckets': [[1, 'offset', 'sint32'], [2, 'bucket_counts', 'uint64', 'repeated']],
  SummaryDataPoint: [
    [7, 'attributes', 'KeyValue', 'repeated'], [2, 'start_time_unix_nano', 'fixed64'], [3, 'time_unix_nano', 'fixed64'], [4, 'count', 'fixed64'],
    [5, 'sum', 'double'], [6, 'quantile_values', 'SummaryDataPoint.ValueAtQuantile', 'repeated'], [8, 'flags', 'uint32'],
  ],
  'SummaryDataPoint.ValueAtQuantile': [[1, 'quantile', 'double'], [2, 'value', 'double']],
  Exemplar: [
    [7, 'filtered_attributes', 'KeyValue', 'repeated'], [2, 'time_unix_nano', 'fixed64'], [3, 'as_double', 'double', 'oneof:value'],
    [6, 'as_int', 'sfixed64', 'oneof:value'], [4, 'span_id', 'id'], [5, 'trace_id', 'id'],
  ],
  ExportMetricsServiceResponse: [[1, 'partial_success', 'ExportMetricsPartialSuccess']],
  ExportMetricsPartialSuccess: PARTIAL_SUCCESS('rejected_data_points'),
  // logs/v1 and collector/logs/v1
  ExportLogsServiceRequest: [[1, 'resource_logs', 'ResourceLogs', 'repeated']],
  ResourceLogs: [[1, 'resource', 'Resource'], [2, 'scope_logs', 'ScopeLogs', 'repeated'], [3, 'schema_url', 'string']],
  ScopeLogs: [[1, 'scope', 'InstrumentationScope'], [2, 'log_records', 'LogRecord', 'repeated'], [3, 'schema_url', 'string']],
  LogRecord: [
    [1, 'time_unix_nano', 'fixed64'], [11, 'observed_time_unix_nano', 'fixed64'], [2, 'severity_number', 'SeverityNumber'], [3, 'severity_text', 'string'],
    [5, 'body', 'AnyValue'], [6, 'attributes', 'KeyValue', 'repeated'], [7, 'dropped_attributes_count', 'uint32'], [8, 'flags', 'fixed32'],
    [9, 'trace_id', 'id'], [10, 'span_id', 'id'], [12, 'event_name', 'string'],
  ],
  ExportLogsServiceResponse: [[1, 'partial_success', 'ExportLogsPartialSuccess']],
  ExportLogsPartialSuccess: PARTIAL_SUCCESS('rejected_log_records'),
};

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

function build(name: string, specs: readonly Spec[]): MessageDef {
  const fields = specs.map(([no, fieldName, type, flags]): FieldDef => {
    const kind = SCALARS.has(type) ? (type as ScalarKind) : type in ENUMS ? 'enum' : 'message';
    if (kind === 'message' && !(type in SPECS)) throw new Error(`schema: ${name}.${fieldName} refers to unknown type ${type}`);
    const oneof = flags?.startsWith('oneof:') ? flags.slice('oneof:'.length) : undefined;
    return {
      no, name: fieldName, json: camel(fieldName), kind, type, repeated: flags === 'repeated', oneof,
      hasPresence: flags === 'optional' || oneof !== undefined,
    };
  });
  const byKey = new Map<string, FieldDef>();
  for (const field of fields) {
    byKey.set(field.json, field);
    byKey.set(field.name, field);
  }
  return { name, fields, byNumber: new Map(fields.map((field) => [field.no, field])), byKey };
}

export const MESSAGES: Readonly<Record<string, MessageDef>> = Object.fromEntries(
  Object.entries(SPECS).map(([name, specs]) => [name, build(name, specs)]),
);

export function messageDef(name: string): MessageDef {
  const def = MESSAGES[name];
  if (!def) throw new Error(`schema: unknown message ${name}`);
  return def;
}
