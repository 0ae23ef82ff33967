// Valid OTLP export requests the fuzzer starts from: one per signal, as OTLP/JSON text and as protobuf, small enough
// that thousands of mutated copies cost little, with the fields a mutation should reach (nested attribute values,
// strings, ids, repeated items).
import type { Signal } from '../../../src/collector/component.ts';
import { jsonToProtobuf } from '../../../src/collector/otlp/index.ts';

const attributes = [
  { key: 'service.name', value: { stringValue: 'fuzz' } },
  { key: 'n', value: { intValue: '42' } },
  { key: 'list', value: { arrayValue: { values: [{ doubleValue: 1.5 }, { boolValue: true }, { kvlistValue: { values: [{ key: 'k', value: { bytesValue: 'AAE=' } }] } }] } } },
];
const resource = { attributes: attributes.slice(0, 2) };
const scope = { name: 'fuzz', version: '1' };

const REQUESTS: Record<Signal, object> = {
  traces: {
    resourceSpans: [{
      resource,
      scopeSpans: [{
        scope,
        spans: [1, 2].map((i) => ({
          traceId: '5b8efff798038103d269b633813fc60c', spanId: `eee19b7ec3c1b17${i}`, name: `span-${i}`, kind: 2,
          startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000001000000', attributes,
          events: [{ timeUnixNano: '1700000000000500000', name: 'event', attributes: attributes.slice(1) }],
          status: { code: 1 },
        })),
      }],
    }],
  },
  metrics: {
    resourceMetrics: [{
      resource,
      scopeMetrics: [{
        scope,
        metrics: [
          { name: 'requests', unit: '1', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ asInt: '7', timeUnixNano: '1700000000000000000', attributes }] } },
          { name: 'load', gauge: { dataPoints: [{ asDouble: 0.5, timeUnixNano: '1700000000000000000' }] } },
          { name: 'latency', histogram: { aggregationTemporality: 2, dataPoints: [{ count: '3', sum: 6, bucketCounts: ['1', '2'], explicitBounds: [1], timeUnixNano: '1700000000000000000' }] } },
        ],
      }],
    }],
  },
  logs: {
    resourceLogs: [{
      resource,
      scopeLogs: [{
        scope,
        logRecords: [1, 2].map((i) => ({
          timeUnixNano: '1700000000000000000', severityNumber: 9, severityText: 'INFO', body: { stringValue: `line ${i}` }, attributes,
          traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b173',
        })),
      }],
    }],
  },
};

export interface Seed {
  readonly signal: Signal;
  readonly json: string;
  readonly protobuf: Uint8Array;
}

export const SEEDS: Record<Signal, Seed> = Object.fromEntries(
  (Object.keys(REQUESTS) as Signal[]).map((signal) => {
    const json = JSON.stringify(REQUESTS[signal]);
    return [signal, { signal, json, protobuf: jsonToProtobuf(signal, json) }];
  }),
) as Record<Signal, Seed>;
