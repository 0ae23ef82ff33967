// Small OTLP payloads for collector tests, built through the codec from OTLP/JSON.
import type { Payload } from '../../src/collector/component.ts';
import { decodeRequest, encodeRequest, jsonToProtobuf, parseRequest } from '../../src/collector/otlp/index.ts';

let nextId = 1;
const hex = (value: number, width: number) => value.toString(16).padStart(width, '0');

/** One ResourceSpans per entry of `resources`, each with spans named as given. */
export function spansRequest(resources: Record<string, string[]>): Uint8Array {
  return jsonToProtobuf('traces', {
    resourceSpans: Object.entries(resources).map(([service, names]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{
        scope: { name: 'test' },
        spans: names.map((name) => {
          const id = nextId++;
          return { traceId: hex(id, 32), spanId: hex(id, 16), name, kind: 1, startTimeUnixNano: '1000', endTimeUnixNano: '2000', attributes: [{ key: 'n', value: { intValue: String(id) } }] };
        }),
      }],
    })),
  });
}

export function spansPayload(resources: Record<string, string[]>): Payload {
  return parseRequest('traces', spansRequest(resources));
}

/** `count` spans named `${prefix}-${i}` in one resource. */
export function spanBatch(prefix: string, count: number, service = 'svc'): Payload {
  return spansPayload({ [service]: Array.from({ length: count }, (_, i) => `${prefix}-${i}`) });
}

/** Span names in a payload, in order. */
export function spanNames(payload: Payload): string[] {
  const request = decodeRequest('traces', encodeRequest(payload)) as {
    resourceSpans?: { scopeSpans?: { spans?: { name?: string }[] }[] }[];
  };
  return (request.resourceSpans ?? []).flatMap((r) => (r.scopeSpans ?? []).flatMap((s) => (s.spans ?? []).map((span) => span.name ?? '')));
}

/** A realistic export request: `count` spans of about `spanBytes` bytes each (padded attribute). */
export function realisticSpansRequest(count: number, spanBytes = 800, tag = 'load'): Uint8Array {
  const pad = 'x'.repeat(Math.max(0, spanBytes - 150));
  return jsonToProtobuf('traces', {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'load' } }] },
      scopeSpans: [{
        scope: { name: 'load' },
        spans: Array.from({ length: count }, (_, i) => {
          const id = nextId++;
          return {
            traceId: hex(id, 32), spanId: hex(id, 16), name: `${tag} ${i}`, kind: 2, startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000001000000',
            attributes: [{ key: 'http.route', value: { stringValue: '/api/v1/items' } }, { key: 'pad', value: { stringValue: pad } }],
          };
        }),
      }],
    }],
  });
}
