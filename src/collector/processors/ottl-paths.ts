// What OTTL paths and enums mean in each context the filter processor evaluates (resource, scope, span, log, metric,
// datapoint), read from the encoded item, its scope and resource, or its metric. Paths may carry their context
// name (`span.name`, `resource.attributes["k"]`, `scope.name`), as upstream's context-inferred conditions write them.
import type { AnyValue } from '../otlp/any-value.ts';
import { findAttribute, keyBytes } from '../otlp/attributes.ts';
import { decodeAnyValue } from '../otlp/any-value.ts';
import { lastLenField, stringField, varintField } from '../otlp/fields.ts';
import type { ItemContext } from '../otlp/index.ts';
import { RESOURCE_ATTRIBUTES, SCOPE_ATTRIBUTES } from '../otlp/schema.ts';
import { eventName, itemAttribute, logBody, scopeName, scopeVersion, severityNumber, severityText, spanName } from './item-fields.ts';

export type OttlContext = 'resource' | 'scope' | 'span' | 'log' | 'metric' | 'datapoint';
export type Value = string | bigint | number | boolean | null | { readonly opaque: true };
export type Operand = (item: Uint8Array, context: ItemContext) => Value;

const OPAQUE: Value = { opaque: true };

const numbered = (names: readonly string[], prefix: string): Record<string, bigint> =>
  Object.fromEntries(names.map((name, i) => [`${prefix}${name}`, BigInt(i)]));

const SPAN_ENUMS = {
  ...numbered(['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'], 'SPAN_KIND_'),
  ...numbered(['UNSET', 'OK', 'ERROR'], 'STATUS_CODE_'),
};
const SEVERITIES = ['UNSPECIFIED', ...['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].flatMap((level) => ['', '2', '3', '4'].map((n) => level + n))];
const LOG_ENUMS = numbered(SEVERITIES, 'SEVERITY_NUMBER_');
const METRIC_ENUMS = {
  ...numbered(['UNSPECIFIED', 'DELTA', 'CUMULATIVE'], 'AGGREGATION_TEMPORALITY_'),
  ...numbered(['NONE', 'GAUGE', 'SUM', 'HISTOGRAM', 'EXPONENTIAL_HISTOGRAM', 'SUMMARY'], 'METRIC_DATA_TYPE_'),
};
const ENUMS: Record<OttlContext, Record<string, bigint>> = {
  resource: {}, scope: {}, span: SPAN_ENUMS, log: LOG_ENUMS, metric: METRIC_ENUMS, datapoint: METRIC_ENUMS,
};

/** The value of an enum symbol in `context`, or undefined when the context has no such symbol. */
export function enumValue(name: string, context: OttlContext): bigint | undefined {
  return ENUMS[context][name];
}

export function fromAnyValue(value: AnyValue | undefined): Value {
  if (!value || value.type === 'empty') return null;
  if (value.type === 'string' || value.type === 'bool' || value.type === 'int' || value.type === 'double') return value.value;
  return OPAQUE;
}

const attribute = (message: (item: Uint8Array, ctx: ItemContext) => Uint8Array, field: number, key: string): Operand => {
  const bytes = keyBytes(key);
  return (item, ctx) => {
    const value = findAttribute(message(item, ctx), field, bytes);
    return fromAnyValue(value === undefined ? undefined : decodeAnyValue(value));
  };
};

const hexId = (field: number, message: string, bytes: number): Operand => (item) => {
  const id = lastLenField(item, field, message);
  return id && id.length > 0 ? Buffer.from(id).toString('hex') : '0'.repeat(bytes * 2);
};

// Span.status (15): Status.message (2), Status.code (3).
const statusField = (item: Uint8Array): Uint8Array => lastLenField(item, 15, 'Span') ?? new Uint8Array(0);

const SPAN_PATHS: Record<string, Operand> = {
  name: (item) => spanName(item),
  kind: (item) => BigInt(varintField(item, 6, 'Span')),
  trace_state: (item) => stringField(item, 3, 'Span'),
  'status.code': (item) => BigInt(varintField(statusField(item), 3, 'Status')),
  'status.message': (item) => stringField(statusField(item), 2, 'Status'),
  'trace_id.string': hexId(1, 'Span', 16),
  'span_id.string': hexId(2, 'Span', 8),
  'parent_span_id.string': (item) => {
    const id = lastLenField(item, 4, 'Span');
    return id && id.length > 0 ? Buffer.from(id).toString('hex') : '';
  },
};

const LOG_PATHS: Record<string, Operand> = {
  body: (item) => fromAnyValue(logBody(item)),
  severity_text: (item) => severityText(item),
  severity_number: (item) => BigInt(severityNumber(item)),
  event_name: (item) => eventName(item),
  'trace_id.string': hexId(9, 'LogRecord', 16),
  'span_id.string': hexId(10, 'LogRecord', 8),
};

// Metric: name 1, description 2, unit 3; data gauge 5, sum 7, histogram 9, exponential histogram 10, summary 11,
// whose aggregation_temporality is field 2 and (sum) is_monotonic field 3.
const DATA_TYPES: [number, bigint][] = [[5, 1n], [7, 2n], [9, 3n], [10, 4n], [11, 5n]];
const metricData = (metric: Uint8Array): [Uint8Array | undefined, bigint] => {
  for (const [field, type] of DATA_TYPES) {
    const data = lastLenField(metric, field, 'Metric');
    if (data) return [data, type];
  }
  return [undefined, 0n];
};
const METRIC_PATHS: Record<string, (metric: Uint8Array) => Value> = {
  name: (metric) => stringField(metric, 1, 'Metric'),
  description: (metric) => stringField(metric, 2, 'Metric'),
  unit: (metric) => stringField(metric, 3, 'Metric'),
  type: (metric) => metricData(metric)[1],
  aggregation_temporality: (metric) => {
    const [data, type] = metricData(metric);
    return data && type !== 1n && type !== 5n ? BigInt(varintField(data, 2, 'data')) : 0n;
  },
  is_monotonic: (metric) => {
    const [data, type] = metricData(metric);
    return data !== undefined && type === 2n && varintField(data, 3, 'Sum') !== 0;
  },
};
const onMetric = (read: (metric: Uint8Array) => Value): Operand => (_item, ctx) => read(ctx.metric());

const CONTEXT_NAMES = new Set<string>(['resource', 'scope', 'span', 'spanevent', 'log', 'metric', 'datapoint', 'profile']);

/** The context a path names with its first segment, if any (instrumentation_scope is the old name of scope). */
export function pathContext(first: string): string | undefined {
  if (first === 'instrumentation_scope') return 'scope';
  return CONTEXT_NAMES.has(first) ? first : undefined;
}

/** The operand of `parts` (and map key) in `context`, or undefined when the path does not exist there. */
export function resolvePath(parts: readonly string[], key: string | undefined, context: OttlContext): Operand | undefined {
  const [first, ...rest] = parts;
  const named = pathContext(first!);
  const own = named === context || (context === 'datapoint' && first === 'datapoint');
  const local = own ? rest : parts;
  const path = local.join('.');
  if (!own && named === 'resource') {
    return path === 'resource.attributes' && key !== undefined ? attribute((_item, ctx) => ctx.resource(), RESOURCE_ATTRIBUTES, key) : undefined;
  }
  if (!own && named === 'scope' && context !== 'resource') return scopePath(local.slice(1).join('.'), key);
  if (context === 'datapoint' && local[0] === 'metric' && key === undefined) {
    const read = METRIC_PATHS[local.slice(1).join('.')];
    return read && onMetric(read);
  }
  if (named !== undefined && !own) return undefined;
  switch (context) {
    case 'resource':
      return path === 'attributes' && key !== undefined ? attribute((_item, ctx) => ctx.resource(), RESOURCE_ATTRIBUTES, key) : undefined;
    case 'scope':
      return scopePath(path, key);
    case 'metric': {
      const read = key === undefined ? METRIC_PATHS[path] : undefined;
      return read && onMetric(read);
    }
    default: {
      if (path === 'attributes' && key !== undefined) {
        const bytes = keyBytes(key);
        return (item, ctx) => fromAnyValue(itemAttribute(item, ctx, bytes));
      }
      if (key !== undefined) return undefined;
      return context === 'span' ? SPAN_PATHS[path] : context === 'log' ? LOG_PATHS[path] : undefined;
    }
  }
}

function scopePath(path: string, key: string | undefined): Operand | undefined {
  if (path === 'attributes' && key !== undefined) return attribute((_item, ctx) => ctx.scope(), SCOPE_ATTRIBUTES, key);
  if (key !== undefined) return undefined;
  if (path === 'name') return (_item, ctx) => scopeName(ctx);
  if (path === 'version') return (_item, ctx) => scopeVersion(ctx);
  return undefined;
}
