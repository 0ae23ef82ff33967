// Text renderings of an export request for the debug exporter, from its OTLP/JSON form
// (protobufToJson). `detailed` follows the layout of upstream's otlptext marshaler, `normal`
// prints about one line per record. Pure functions; upstream calls the format unstable too.
import type { Signal } from '../component.ts';

type Json = Record<string, unknown>;

const obj = (value: unknown): Json => (typeof value === 'object' && value !== null ? (value as Json) : {});
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.map(obj) : []);
const str = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

const TOP: Record<Signal, { resources: string; scopes: string; records: string; resourceLabel: string; scopeLabel: string }> = {
  traces: { resources: 'resourceSpans', scopes: 'scopeSpans', records: 'spans', resourceLabel: 'ResourceSpans', scopeLabel: 'ScopeSpans' },
  metrics: { resources: 'resourceMetrics', scopes: 'scopeMetrics', records: 'metrics', resourceLabel: 'ResourceMetrics', scopeLabel: 'ScopeMetrics' },
  logs: { resources: 'resourceLogs', scopes: 'scopeLogs', records: 'logRecords', resourceLabel: 'ResourceLog', scopeLabel: 'ScopeLogs' },
};

/** AnyValue as upstream prints it: Str(x), Int(5), Map({...}). */
export function anyValue(value: unknown): string {
  const v = obj(value);
  if ('stringValue' in v) return `Str(${str(v.stringValue)})`;
  if ('boolValue' in v) return `Bool(${str(v.boolValue)})`;
  if ('intValue' in v) return `Int(${str(v.intValue)})`;
  if ('doubleValue' in v) return `Double(${str(v.doubleValue)})`;
  if ('bytesValue' in v) return `Bytes(${str(v.bytesValue)})`;
  if ('arrayValue' in v) return `Slice(${JSON.stringify(list(obj(v.arrayValue).values).map(plain))})`;
  if ('kvlistValue' in v) return `Map(${JSON.stringify(Object.fromEntries(list(obj(v.kvlistValue).values).map((kv) => [str(kv.key), plain(kv.value)])))})`;
  return 'Empty()';
}

function plain(value: unknown): unknown {
  const v = obj(value);
  if ('arrayValue' in v) return list(obj(v.arrayValue).values).map(plain);
  if ('kvlistValue' in v) return Object.fromEntries(list(obj(v.kvlistValue).values).map((kv) => [str(kv.key), plain(kv.value)]));
  const key = Object.keys(v)[0];
  return key === undefined ? null : v[key];
}

function attributes(lines: string[], title: string, attrs: unknown): void {
  const entries = list(attrs);
  if (entries.length === 0) return;
  lines.push(`${title}:`);
  for (const kv of entries) lines.push(`     -> ${str(kv.key)}: ${anyValue(kv.value)}`);
}

/** Unix nanoseconds (string or number) as "2025-04-17 08:40:44.555461596 +0000 UTC". */
export function timestamp(nanos: unknown): string {
  const text = str(nanos);
  if (!/^\d+$/.test(text)) return '1970-01-01 00:00:00 +0000 UTC';
  const total = BigInt(text);
  const seconds = total / 1_000_000_000n;
  const fraction = (total % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  const iso = new Date(Number(seconds) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  return `${iso}${fraction ? `.${fraction}` : ''} +0000 UTC`;
}

function enumName(value: unknown, names: readonly string[], prefix: string): string {
  if (typeof value === 'string' && value.startsWith(prefix)) {
    const name = value.slice(prefix.length).toLowerCase();
    return name.charAt(0).toUpperCase() + name.slice(1);
  }
  return names[Number(value ?? 0)] ?? str(value);
}

const SPAN_KINDS = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS_CODES = ['Unset', 'Ok', 'Error'];
const TEMPORALITY = ['Unspecified', 'Delta', 'Cumulative'];
const METRIC_TYPES: Array<[key: string, label: string]> = [['gauge', 'Gauge'], ['sum', 'Sum'], ['histogram', 'Histogram'], ['exponentialHistogram', 'ExponentialHistogram'], ['summary', 'Summary']];

function span(lines: string[], s: Json, index: number): void {
  lines.push(`Span #${index}`,
    `    Trace ID       : ${str(s.traceId)}`,
    `    Parent ID      : ${str(s.parentSpanId)}`,
    `    ID             : ${str(s.spanId)}`,
    `    Name           : ${str(s.name)}`,
    `    Kind           : ${enumName(s.kind, SPAN_KINDS, 'SPAN_KIND_')}`,
    `    Start time     : ${timestamp(s.startTimeUnixNano)}`,
    `    End time       : ${timestamp(s.endTimeUnixNano)}`,
    `    Status code    : ${enumName(obj(s.status).code, STATUS_CODES, 'STATUS_CODE_')}`,
    `    Status message : ${str(obj(s.status).message)}`);
  attributes(lines, 'Attributes', s.attributes);
  list(s.events).forEach((event, i) => {
    lines.push(`SpanEvent #${i}`, `     -> Name: ${str(event.name)}`, `     -> Timestamp: ${timestamp(event.timeUnixNano)}`);
    attributes(lines, '     -> Attributes', event.attributes);
  });
  list(s.links).forEach((link, i) => lines.push(`SpanLink #${i}`, `     -> Trace ID: ${str(link.traceId)}`, `     -> ID: ${str(link.spanId)}`));
}

function dataPoint(lines: string[], kind: string, p: Json, index: number): void {
  lines.push(`${kind === 'Gauge' || kind === 'Sum' ? 'NumberDataPoints' : `${kind}DataPoints`} #${index}`);
  attributes(lines, 'Data point attributes', p.attributes);
  lines.push(`StartTimestamp: ${timestamp(p.startTimeUnixNano)}`, `Timestamp: ${timestamp(p.timeUnixNano)}`);
  if (kind === 'Gauge' || kind === 'Sum') {
    lines.push(`Value: ${str(p.asDouble ?? p.asInt)}`);
    return;
  }
  lines.push(`Count: ${str(p.count)}`, `Sum: ${str(p.sum)}`);
  if (p.min !== undefined) lines.push(`Min: ${str(p.min)}`);
  if (p.max !== undefined) lines.push(`Max: ${str(p.max)}`);
  if (kind === 'Histogram') {
    (Array.isArray(p.explicitBounds) ? p.explicitBounds : []).forEach((bound, i) => lines.push(`ExplicitBounds #${i}: ${str(bound)}`));
    (Array.isArray(p.bucketCounts) ? p.bucketCounts : []).forEach((count, i) => lines.push(`Buckets #${i}, Count: ${str(count)}`));
  } else if (kind === 'ExponentialHistogram') {
    lines.push(`Scale: ${str(p.scale)}`, `ZeroCount: ${str(p.zeroCount)}`);
  } else {
    list(p.quantileValues).forEach((q, i) => lines.push(`QuantileValue #${i}: Quantile ${str(q.quantile)}, Value ${str(q.value)}`));
  }
}

function metric(lines: string[], m: Json, index: number): void {
  const [key, kind] = METRIC_TYPES.find(([k]) => k in m) ?? ['', 'Empty'];
  const data = obj(m[key]);
  lines.push(`Metric #${index}`, 'Descriptor:', `     -> Name: ${str(m.name)}`, `     -> Description: ${str(m.description)}`, `     -> Unit: ${str(m.unit)}`, `     -> DataType: ${kind}`);
  if (kind === 'Sum') lines.push(`     -> IsMonotonic: ${str(data.isMonotonic ?? false)}`);
  if (kind === 'Sum' || kind === 'Histogram' || kind === 'ExponentialHistogram') {
    lines.push(`     -> AggregationTemporality: ${enumName(data.aggregationTemporality, TEMPORALITY, 'AGGREGATION_TEMPORALITY_')}`);
  }
  list(data.dataPoints).forEach((p, i) => dataPoint(lines, kind, p, i));
}

const SEVERITIES = ['Trace', 'Debug', 'Info', 'Warn', 'Error', 'Fatal'];

/** 9 -> "Info(9)", 10 -> "Info2(10)", as upstream. */
function severity(value: unknown): string {
  const n = Number(value ?? 0);
  if (!Number.isInteger(n) || n < 1 || n > 24) return n === 0 ? 'Unspecified(0)' : str(value);
  const step = (n - 1) % 4;
  return `${SEVERITIES[Math.floor((n - 1) / 4)]}${step > 0 ? step + 1 : ''}(${n})`;
}

function logRecord(lines: string[], r: Json, index: number): void {
  lines.push(`LogRecord #${index}`,
    `ObservedTimestamp: ${timestamp(r.observedTimeUnixNano)}`,
    `Timestamp: ${timestamp(r.timeUnixNano)}`,
    `SeverityText: ${str(r.severityText)}`,
    `SeverityNumber: ${severity(r.severityNumber)}`,
    `Body: ${r.body === undefined ? 'Empty()' : anyValue(r.body)}`);
  attributes(lines, 'Attributes', r.attributes);
  lines.push(`Trace ID: ${str(r.traceId)}`, `Span ID: ${str(r.spanId)}`, `Flags: ${str(r.flags ?? 0)}`);
}

const RECORD: Record<Signal, (lines: string[], record: Json, index: number) => void> = { traces: span, metrics: metric, logs: logRecord };

/** Every field of every record, multi-line (verbosity: detailed). */
export function formatDetailed(signal: Signal, request: unknown): string {
  const shape = TOP[signal];
  const lines: string[] = [];
  list(obj(request)[shape.resources]).forEach((resource, r) => {
    lines.push(`${shape.resourceLabel} #${r}`, `Resource SchemaURL: ${str(resource.schemaUrl)}`);
    attributes(lines, 'Resource attributes', obj(resource.resource).attributes);
    list(resource[shape.scopes]).forEach((scope, s) => {
      const info = obj(scope.scope);
      lines.push(`${shape.scopeLabel} #${s}`, `${shape.scopeLabel} SchemaURL: ${str(scope.schemaUrl)}`, `InstrumentationScope ${str(info.name)} ${str(info.version)}`);
      attributes(lines, 'InstrumentationScope attributes', info.attributes);
      list(scope[shape.records]).forEach((record, i) => RECORD[signal](lines, record, i));
    });
  });
  return lines.join('\n');
}

function inlineAttributes(attrs: unknown): string {
  return list(attrs).map((kv) => `${str(kv.key)}=${JSON.stringify(plain(kv.value))}`).join(' ');
}

function normalRecord(signal: Signal, r: Json): string {
  if (signal === 'traces') return `${str(r.name)} ${str(r.traceId)} ${str(r.spanId)} ${inlineAttributes(r.attributes)}`.trimEnd();
  if (signal === 'logs') return `${r.body === undefined ? '' : JSON.stringify(plain(r.body))} ${inlineAttributes(r.attributes)}`.trim();
  const [key] = METRIC_TYPES.find(([k]) => k in r) ?? [''];
  const points = list(obj(r[key]).dataPoints).map((p) => `{${inlineAttributes(p.attributes)}} ${str(p.asDouble ?? p.asInt ?? p.sum)}`);
  return `${str(r.name)}${str(r.unit) ? ` ${str(r.unit)}` : ''} ${points.join(' ')}`.trimEnd();
}

/** About one line per record (verbosity: normal). */
export function formatNormal(signal: Signal, request: unknown): string {
  const shape = TOP[signal];
  const lines: string[] = [];
  list(obj(request)[shape.resources]).forEach((resource, r) => {
    lines.push(`${shape.resourceLabel} #${r}${resource.schemaUrl ? ` [${str(resource.schemaUrl)}]` : ''} ${inlineAttributes(obj(resource.resource).attributes)}`.trimEnd());
    list(resource[shape.scopes]).forEach((scope, s) => {
      const info = obj(scope.scope);
      lines.push(`${shape.scopeLabel} #${s} ${str(info.name)}${info.version ? `@${str(info.version)}` : ''}`.trimEnd());
      for (const record of list(scope[shape.records])) lines.push(normalRecord(signal, record));
    });
  });
  return lines.join('\n');
}
