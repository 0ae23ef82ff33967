// The codec against the official OpenTelemetry JS SDK: its serializers encode real spans, metrics and
// logs; counts, full decode, OTLP/JSON and responses must agree with the SDK's own view of the data.
import type { Signal } from '../../../src/collector/component.ts';
import {
  decodeRequest, encodeExportResponse, encodeRequest, encodeRequestChunks, jsonToProtobuf, mergePayloads, parseRequest, protobufToJson,
  splitPayload, WireError,
} from '../../../src/collector/otlp/index.ts';
import { normalize } from './normalize.ts';
import {
  checkoutResource, makeLogs, makeMetrics, makeSpans, paymentResource, SDK_RESPONSE_DESERIALIZERS, sdkJson, sdkObject, sdkProtobuf, type Telemetry,
} from './sdk-fixtures.ts';

async function telemetry(): Promise<Telemetry> {
  return {
    traces: [...makeSpans(checkoutResource), ...makeSpans(checkoutResource, undefined, 'shop.other'), ...makeSpans(paymentResource)],
    metrics: [await makeMetrics()],
    logs: [...makeLogs(checkoutResource), ...makeLogs(paymentResource)],
  };
}

function sdkItemCount(signal: Signal, data: Telemetry): number {
  if (signal === 'traces') return data.traces.length;
  if (signal === 'logs') return data.logs.length;
  return data.metrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((metric) => metric.dataPoints.length))).reduce((a, b) => a + b, 0);
}

const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];
let data: Telemetry;
beforeAll(async () => {
  data = await telemetry();
});

describe.each(SIGNALS)('%s from the SDK', (signal) => {
  test('parseRequest counts the items the SDK encoded', () => {
    const bytes = sdkProtobuf(signal, data[signal]);
    const payload = parseRequest(signal, bytes);
    expect(payload.items).toBe(sdkItemCount(signal, data));
    expect(payload.items).toBeGreaterThan(3);
    expect(payload.bytes).toBe(bytes.length);
  });

  test('decodeRequest matches the SDK object form', () => {
    const decoded = decodeRequest(signal, sdkProtobuf(signal, data[signal]));
    expect(normalize(decoded)).toEqual(normalize(sdkObject(signal, data[signal])));
  });

  test('encodeRequest and encodeRequestChunks give back the SDK bytes', () => {
    const bytes = sdkProtobuf(signal, data[signal]);
    const payload = parseRequest(signal, bytes);
    expect(Buffer.from(encodeRequest(payload)).equals(Buffer.from(bytes))).toBe(true);
    expect(Buffer.concat(encodeRequestChunks(payload)).equals(Buffer.from(bytes))).toBe(true);
  });

  test('OTLP/JSON from the SDK converts to the same data as its protobuf', () => {
    const fromJson = jsonToProtobuf(signal, sdkJson(signal, data[signal]));
    expect(parseRequest(signal, fromJson).items).toBe(sdkItemCount(signal, data));
    expect(normalize(decodeRequest(signal, fromJson))).toEqual(normalize(decodeRequest(signal, sdkProtobuf(signal, data[signal]))));
  });

  test('protobufToJson and jsonToProtobuf round-trip', () => {
    const bytes = sdkProtobuf(signal, data[signal]);
    const json = JSON.stringify(protobufToJson(signal, bytes));
    const again = jsonToProtobuf(signal, json);
    expect(protobufToJson(signal, again)).toEqual(normalizeKeepDefaults(protobufToJson(signal, bytes)));
    expect(jsonToProtobuf(signal, JSON.stringify(protobufToJson(signal, again)))).toEqual(again);
  });

  test('split parts merge back to the same request', () => {
    const bytes = sdkProtobuf(signal, data[signal]);
    const payload = parseRequest(signal, bytes);
    for (const max of [1, 2, 3, 5]) {
      const parts = splitPayload(payload, max);
      for (const part of parts) {
        expect(part.items).toBeLessThanOrEqual(max);
        expect(parseRequest(signal, encodeRequest(part)).items).toBe(part.items);
      }
      expect(parts.reduce((sum, part) => sum + part.items, 0)).toBe(payload.items);
      const merged = encodeRequest(mergePayloads(parts));
      expect(items(signal, decodeRequest(signal, merged))).toEqual(items(signal, decodeRequest(signal, bytes)));
    }
  });

  test('the SDK accepts encodeExportResponse', () => {
    const deserializer = SDK_RESPONSE_DESERIALIZERS[signal];
    expect(deserializer.deserializeResponse(encodeExportResponse(signal))).toEqual({});
    const rejected = deserializer.deserializeResponse(encodeExportResponse(signal, 3, 'attribute limit exceeded'));
    const field = { traces: 'rejectedSpans', metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords' }[signal];
    expect(rejected).toEqual({ partialSuccess: { [field]: 3, errorMessage: 'attribute limit exceeded' } });
    expect(deserializer.deserializeResponse(encodeExportResponse(signal, 0, 'warning only'))).toEqual({ partialSuccess: { errorMessage: 'warning only' } });
  });
});

function varint(value: number): Buffer {
  const bytes: number[] = [];
  while (value >= 0x80) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return Buffer.from(bytes);
}

/** Every item with the resource and scope it belongs to, in request order. */
function items(signal: Signal, request: Record<string, unknown>): unknown[] {
  const out: unknown[] = [];
  const entries = request[{ traces: 'resourceSpans', metrics: 'resourceMetrics', logs: 'resourceLogs' }[signal]] as Record<string, any>[];
  for (const entry of entries) {
    const scopes = entry[{ traces: 'scopeSpans', metrics: 'scopeMetrics', logs: 'scopeLogs' }[signal]] ?? [];
    for (const scope of scopes) {
      if (signal === 'metrics') {
        for (const metric of scope.metrics ?? []) {
          const data = metric.gauge ?? metric.sum ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary;
          for (const point of data?.dataPoints ?? []) out.push([entry.resource, scope.scope, metric.name, point]);
        }
      } else {
        for (const item of scope[signal === 'traces' ? 'spans' : 'logRecords'] ?? []) out.push([entry.resource, scope.scope, item]);
      }
    }
  }
  return out;
}

// protobufToJson after a JSON round trip drops zero-valued fields the SDK wrote explicitly; compare with
// those dropped on the original side only where proto3 would.
function normalizeKeepDefaults(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, item) => (DROPPED_DEFAULTS.has(key) && (item === 0 || item === '0') ? undefined : item)));
}
const DROPPED_DEFAULTS = new Set(['droppedAttributesCount', 'droppedEventsCount', 'droppedLinksCount', 'code', 'zeroCount', 'offset']);

describe('malformed input', () => {
  test.each([
    ['truncated length', Uint8Array.of(0x0a, 0x05, 0x01)],
    ['wrong wire type for resource entries', Uint8Array.of(0x08, 0x01)],
    ['field number zero', Uint8Array.of(0x02, 0x00)],
    ['group wire type', Uint8Array.of(0x0b)],
    ['unterminated varint', Uint8Array.of(0x08, 0xff, 0xff)],
    ['scope with wrong wire type', Uint8Array.of(0x0a, 0x02, 0x10, 0x01)],
  ])('%s throws WireError', (_name, bytes) => {
    expect(() => parseRequest('traces', bytes)).toThrow(WireError);
    expect(() => decodeRequest('traces', bytes)).toThrow(WireError);
  });

  test('nesting deeper than the decoder allows is a WireError, not a stack overflow', () => {
    const field = (no: number, body: Uint8Array) => Buffer.concat([Buffer.from([no * 8 + 2]), varint(body.length), body]);
    let value: Uint8Array = field(1, Buffer.from('leaf'));
    for (let depth = 0; depth < 5000; depth++) value = field(5, field(1, value));
    const request = field(1, field(2, field(2, field(5, value))));
    expect(parseRequest('logs', request).items).toBe(1);
    expect(() => decodeRequest('logs', request)).toThrow(/nested deeper than 64/);
  });

  test('errors name the message and offset', () => {
    expect(() => parseRequest('traces', Uint8Array.of(0x0a, 0x05, 0x01))).toThrow(/malformed ExportTraceServiceRequest: field 1: length 5 exceeds the 1 bytes left.*at byte 0/);
    expect(() => parseRequest('logs', Uint8Array.of(0x0a, 0x04, 0x12, 0x02, 0x12, 0x09))).toThrow(/malformed ScopeLogs: field 2: length 9 exceeds/);
  });

  test('JSON errors name the path', () => {
    expect(() => jsonToProtobuf('traces', '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"abc"}]}]}]}'))
      .toThrow('$.resourceSpans[0].scopeSpans[0].spans[0].traceId: expected a hex id');
    expect(() => jsonToProtobuf('traces', '{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":"SPAN_KIND_NOPE"}]}]}]}'))
      .toThrow(/spans\[0\]\.kind: unknown SpanKind value "SPAN_KIND_NOPE"/);
    expect(() => jsonToProtobuf('logs', '{"resourceLogs": 3}')).toThrow('$.resourceLogs: expected an array');
    expect(() => jsonToProtobuf('logs', '{oops')).toThrow(WireError);
  });

  test('JSON accepts enum names, snake_case and integers as strings or numbers', () => {
    const bytes = jsonToProtobuf('traces', {
      resource_spans: [{ scope_spans: [{ spans: [{ name: 'x', kind: 'SPAN_KIND_SERVER', start_time_unix_nano: 5, endTimeUnixNano: '6', status: { code: 'STATUS_CODE_ERROR' } }] }] }],
    });
    expect(decodeRequest('traces', bytes)).toEqual({
      resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'x', kind: 2, startTimeUnixNano: '5', endTimeUnixNano: '6', status: { code: 2 } }] }] }],
    });
  });
});
