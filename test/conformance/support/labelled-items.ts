// Items that each carry a `test.id` attribute, for delivery checks: requests (OTLP/JSON) of `count` spans, metric data
// points or log records, and a tally of what arrived, item by item, compared with what was sent. The items cover the
// fields a transcoding could lose (every metric point kind, exemplars, events and links, every AnyValue type, ids,
// int64 and fixed64 beyond 2^53, doubles that print with exponents, flags, schema URLs), so a delivery through
// protobuf and OTLP/JSON, both collectors' encoders and decoders, must give back each item as it was.
import type { Signal } from '../../../src/collector/component.ts';
import { decodeRequest, jsonToProtobuf, type JsonObject, type JsonValue } from '../../../src/collector/otlp/index.ts';
import { flatten, type FlatItem } from './flatten.ts';

type Json = Record<string, unknown>;

export const ID_KEY = 'test.id';

const str = (value: string) => ({ stringValue: value });
const int = (value: number | string) => ({ intValue: String(value) });
const kv = (key: string, value: Json) => ({ key, value });

/** AnyValues of every type, for log bodies and attributes; doubles as OTLP/JSON writes NaN and infinities (strings). */
const VALUES: Json[] = [
  str('plain text'),
  int('-9007199254740993'),
  { doubleValue: 1.5e-7 },
  { doubleValue: 'NaN' },
  { doubleValue: '-Infinity' },
  { doubleValue: -0 },
  { boolValue: true },
  { bytesValue: 'AAEC/w==' },
  { arrayValue: { values: [str('a'), int(1), { doubleValue: 1e21 }] } },
  { kvlistValue: { values: [kv('nested', { kvlistValue: { values: [kv('deep', str('ü ✓'))] } }), kv('empty', str(''))] } },
  str(''),
];

const RESOURCES: Json[] = [
  { attributes: [kv('service.name', str('conformance')), kv('host.name', str('node-1'))], droppedAttributesCount: 2 },
  { attributes: [kv('service.name', str('matrix'))] },
];
const SCOPES: Json[] = [
  { name: 'io.opentelemetry.test', version: '1.2.3', attributes: [kv('scope.attr', int(7))] },
  { name: 'second' },
];

const hex = (value: number, bytes: number) => value.toString(16).padStart(bytes * 2, '0').slice(-bytes * 2);

function span(id: string, n: number, serial: number): Json {
  return {
    traceId: hex(serial, 16), spanId: hex(serial, 8), ...(n % 3 === 0 && { parentSpanId: hex(serial + 1, 8) }),
    ...(n % 4 === 1 && { traceState: 'ot=th:8;rv:0123456789abcd' }), flags: n % 2 === 0 ? 257 : 0,
    name: `span ${n}`, kind: n % 6, startTimeUnixNano: '1700000000000000001', endTimeUnixNano: String(1700000000000000001n + BigInt(n)),
    attributes: [kv(ID_KEY, str(id)), kv('value', VALUES[n % VALUES.length]!)], droppedAttributesCount: n % 2,
    events: n % 2 === 0 ? [{ timeUnixNano: '1700000000000000500', name: 'event', attributes: [kv('e', { doubleValue: -0.25 })], droppedAttributesCount: 1 }] : [],
    droppedEventsCount: n % 3,
    links: n % 5 === 0 ? [{ traceId: hex(serial + 7, 16), spanId: hex(serial + 7, 8), traceState: 'k=v', attributes: [kv('l', { boolValue: false })], flags: 256 }] : [],
    status: n % 3 === 2 ? { code: 2, message: 'failed ✗' } : { code: n % 2 },
  };
}

function log(id: string, n: number, serial: number): Json {
  return {
    timeUnixNano: n % 4 === 0 ? '0' : '1700000000000000001', observedTimeUnixNano: '18446744073709551615',
    severityNumber: (n % 24) + 1, severityText: ['INFO', 'ERROR', ''][n % 3], body: VALUES[n % VALUES.length],
    attributes: [kv(ID_KEY, str(id)), kv('value', VALUES[(n + 3) % VALUES.length]!)], droppedAttributesCount: n % 2, flags: n % 2,
    ...(n % 3 !== 0 && { traceId: hex(serial, 16), spanId: hex(serial, 8) }), ...(n % 5 === 0 && { eventName: 'app.event' }),
  };
}

const exemplar = (serial: number, value: Json) => ({
  timeUnixNano: '1700000000000000002', ...value, traceId: hex(serial, 16), spanId: hex(serial, 8), filteredAttributes: [kv('x', str('y'))],
});

function metric(id: string, n: number, serial: number): Json {
  const base = { attributes: [kv(ID_KEY, str(id)), kv('value', VALUES[n % VALUES.length]!)], startTimeUnixNano: '1700000000000000000', timeUnixNano: '1700000000000000009', flags: n % 2 };
  const meta = { name: `metric.${n % 5}`, description: n % 2 === 0 ? 'a metric' : '', unit: ['s', 'By', '1', ''][n % 4] };
  switch (n % 5) {
    case 0: return { ...meta, gauge: { dataPoints: [{ ...base, asDouble: [1e21, -1.5e-7, 'NaN', 'Infinity', -0][Math.floor(n / 5) % 5], exemplars: [exemplar(serial, { asInt: '-9007199254740993' })] }] } };
    case 1: return { ...meta, sum: { aggregationTemporality: 1 + (n % 2), isMonotonic: n % 3 === 0, dataPoints: [{ ...base, asInt: '9007199254740993' }] } };
    case 2: return {
      ...meta,
      histogram: {
        aggregationTemporality: 2,
        dataPoints: [{ ...base, count: '9007199254740993', sum: 12.5, bucketCounts: ['1', '0', '9007199254740992'], explicitBounds: [0.5, 1e3], ...(n % 2 === 0 && { min: -1, max: 1e21 }), exemplars: [exemplar(serial, { asDouble: 3.25 })] }],
      },
    };
    case 3: return {
      ...meta,
      exponentialHistogram: {
        aggregationTemporality: 1,
        dataPoints: [{ ...base, count: '12', sum: 3.5, scale: -3, zeroCount: '2', zeroThreshold: 1e-9, positive: { offset: -2, bucketCounts: ['3', '0', '4'] }, negative: { offset: 5, bucketCounts: ['3'] }, min: -8, max: 9 }],
      },
    };
    default: return { ...meta, metadata: [kv('m', str('meta'))], summary: { dataPoints: [{ ...base, count: '4', sum: 10.75, quantileValues: [{ quantile: 0, value: 1 }, { quantile: 0.99, value: Math.floor(n / 5) % 2 === 0 ? 4.5 : 'NaN' }] }] } };
  }
}

const ITEM: Record<Signal, { keys: [string, string, string]; build: (id: string, n: number, serial: number) => Json }> = {
  traces: { keys: ['resourceSpans', 'scopeSpans', 'spans'], build: span },
  metrics: { keys: ['resourceMetrics', 'scopeMetrics', 'metrics'], build: metric },
  logs: { keys: ['resourceLogs', 'scopeLogs', 'logRecords'], build: log },
};

let serial = 1;

export function itemIds(label: string, count: number): string[] {
  return Array.from({ length: count }, (_, n) => `${label}#${n}`);
}

/** One request (OTLP/JSON) with the items `ids[from..to)`, spread over two resources and two scopes. */
export function labelledRequest(signal: Signal, ids: readonly string[], from: number, to: number): JsonObject {
  const [resourcesKey, scopesKey, itemsKey] = ITEM[signal].keys;
  const groups: Json[] = RESOURCES.map((resource, r) => ({
    resource,
    ...(r === 0 && { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' }),
    [scopesKey]: SCOPES.map((scope, s) => ({
      scope,
      ...(s === 0 && { schemaUrl: 'https://example.test/scope' }),
      [itemsKey]: [] as Json[],
    })),
  }));
  for (let n = from; n < to; n++) {
    const scopes = groups[n % 2]![scopesKey] as Json[];
    (scopes[Math.floor(n / 2) % 2]![itemsKey] as Json[]).push(ITEM[signal].build(ids[n]!, n, serial++));
  }
  return { [resourcesKey]: groups } as JsonObject;
}

function idOf(item: FlatItem): string | undefined {
  const attributes = (item.item as { attributes?: { key: string; value: { stringValue?: string } }[] }).attributes ?? [];
  return attributes.find((entry) => entry.key === ID_KEY)?.value.stringValue;
}

/** What arrived, by `test.id`: how many times, and the first copy (flattened as flatten.ts does). */
export class Tally {
  readonly counts = new Map<string, number>();
  readonly first = new Map<string, FlatItem>();
  /** Items without a test.id. */
  unlabelled = 0;

  add(signal: Signal, request: JsonObject): void {
    for (const item of flatten(signal, request)) {
      const id = idOf(item);
      if (id === undefined) {
        this.unlabelled++;
        continue;
      }
      this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
      if (!this.first.has(id)) this.first.set(id, item);
    }
  }

  /** How many of `ids` arrived at least once. */
  arrived(ids: readonly string[]): number {
    return ids.reduce((sum, id) => sum + (this.counts.has(id) ? 1 : 0), 0);
  }

  /** The ids of `ids` that did not arrive exactly once, with their counts. */
  notOnce(ids: readonly string[]): Record<string, number> {
    return Object.fromEntries(ids.filter((id) => this.counts.get(id) !== 1).map((id) => [id, this.counts.get(id) ?? 0]));
  }

  /** The ids of `ids` whose first copy differs from `sent` (what was sent, flattened the same way), with both. */
  changed(ids: readonly string[], sent: Tally): Array<{ id: string; sent: FlatItem | undefined; arrived: FlatItem }> {
    const out: Array<{ id: string; sent: FlatItem | undefined; arrived: FlatItem }> = [];
    for (const id of ids) {
      const arrived = this.first.get(id);
      if (arrived && !sameJson(arrived, sent.first.get(id))) out.push({ id, sent: sent.first.get(id), arrived });
    }
    return out;
  }
}

/** JSON text with object keys sorted: a decoder lists fields in wire order, which differs between encoders. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, entry: unknown) => (entry !== null && typeof entry === 'object' && !Array.isArray(entry)
    ? Object.fromEntries(Object.entries(entry).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : entry));
}

function sameJson(a: FlatItem | JsonValue | undefined, b: FlatItem | JsonValue | undefined): boolean {
  return canonical(a) === canonical(b);
}

/** What a request is once encoded by our codec and decoded again: the reference `changed` compares arrivals with. */
export function sentTally(signal: Signal, requests: readonly JsonObject[]): Tally {
  const tally = new Tally();
  for (const request of requests) tally.add(signal, decodeRequest(signal, jsonToProtobuf(signal, request)));
  return tally;
}
