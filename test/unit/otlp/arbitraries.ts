// fast-check generators of OTLP export requests in protobufjs object form (see protobufjs-schema.ts).
import fc from 'fast-check';
import type { Signal } from '../../../src/collector/component.ts';
import { ENTRIES } from './protobufjs-schema.ts';

const text = fc.string({ maxLength: 6 });
const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String);
const double = fc.double({ noNaN: true, noDefaultInfinity: true });

const anyValue = fc.oneof(
  fc.record({ stringValue: text }),
  fc.record({ intValue: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String) }),
  fc.record({ boolValue: fc.boolean() }),
  fc.record({ doubleValue: double }),
  fc.record({ bytesValue: fc.uint8Array({ maxLength: 4 }) }),
  fc.record({ arrayValue: fc.record({ values: fc.array(fc.record({ stringValue: text }), { maxLength: 2 }) }) }),
);
const attributes = fc.array(fc.record({ key: text, value: anyValue }), { maxLength: 3 });
const id = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

const span = fc.record({ traceId: id(16), spanId: id(8), name: text, kind: fc.integer({ min: 0, max: 5 }), startTimeUnixNano: u64, attributes, flags: fc.nat() }, { requiredKeys: ['name'] });
const logRecord = fc.record(
  { timeUnixNano: u64, severityNumber: fc.integer({ min: 0, max: 24 }), severityText: text, body: anyValue, attributes, traceId: id(16), spanId: id(8), eventName: text },
  { requiredKeys: ['severityText'] },
);

const numberPoint = fc.record({ attributes, timeUnixNano: u64 }).chain((point) =>
  fc.oneof(double.map((asDouble) => ({ ...point, asDouble })), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((asInt) => ({ ...point, asInt: String(asInt) }))));
const histogramPoint = fc.record({ attributes, count: u64, sum: double, bucketCounts: fc.array(u64, { maxLength: 3 }), explicitBounds: fc.array(double, { maxLength: 2 }) });
const exponentialPoint = fc.record({ attributes, count: u64, scale: fc.integer({ min: -10, max: 20 }), zeroCount: u64 });
const summaryPoint = fc.record({ attributes, count: u64, sum: double });
const points = <T>(point: fc.Arbitrary<T>) => fc.array(point, { maxLength: 4 });

const metric = fc.record({ name: text, unit: text }).chain((base) => fc.oneof(
  points(numberPoint).map((dataPoints) => ({ ...base, gauge: { dataPoints } })),
  points(numberPoint).map((dataPoints) => ({ ...base, sum: { dataPoints, aggregationTemporality: 2, isMonotonic: true } })),
  points(histogramPoint).map((dataPoints) => ({ ...base, histogram: { dataPoints, aggregationTemporality: 1 } })),
  points(exponentialPoint).map((dataPoints) => ({ ...base, exponentialHistogram: { dataPoints, aggregationTemporality: 2 } })),
  points(summaryPoint).map((dataPoints) => ({ ...base, summary: { dataPoints } })),
));

const ITEMS: Record<Signal, fc.Arbitrary<object>> = { traces: span, logs: logRecord, metrics: metric };

/** A random export request for `signal`, as a protobufjs object. */
export function request(signal: Signal): fc.Arbitrary<Record<string, unknown>> {
  const [entriesKey, scopesKey, itemsKey] = ENTRIES[signal];
  const scope = fc.record({
    scope: optional(fc.record({ name: text, version: text, attributes })),
    [itemsKey]: fc.array(ITEMS[signal], { maxLength: 5 }),
    schemaUrl: text,
  });
  const entry = fc.record({
    resource: optional(fc.record({ attributes, droppedAttributesCount: fc.nat({ max: 3 }) })),
    [scopesKey]: fc.array(scope, { maxLength: 3 }),
    schemaUrl: text,
  });
  return fc.record({ [entriesKey]: fc.array(entry, { maxLength: 4 }) });
}
