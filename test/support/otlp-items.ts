// Flattens decoded OTLP requests (the codec's JSON-shaped objects) into items with plain attributes,
// so tests can compare what arrived with what was sent.
import type { Signal } from '../../src/collector/component.ts';
import type { JsonObject, JsonValue } from '../../src/collector/otlp/index.ts';

export interface Item {
  readonly attributes: Record<string, unknown>;
  readonly resource: Record<string, unknown>;
  /** Span name, metric name or log body. */
  readonly name: string;
}

type Obj = Record<string, JsonValue | undefined>;
const list = (value: JsonValue | undefined): Obj[] => (Array.isArray(value) ? (value as Obj[]) : []);

export function anyValue(value: JsonValue | undefined): unknown {
  const v = (value ?? {}) as Obj;
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('boolValue' in v) return v.boolValue;
  if ('arrayValue' in v) return list((v.arrayValue as Obj | undefined)?.values).map((entry) => anyValue(entry as JsonValue));
  if ('kvlistValue' in v) return attributes((v.kvlistValue as Obj | undefined)?.values);
  return undefined;
}

export function attributes(value: JsonValue | undefined): Record<string, unknown> {
  return Object.fromEntries(list(value).map((kv) => [String(kv.key), anyValue(kv.value)]));
}

export function itemsOf(signal: Signal, requests: readonly JsonObject[]): Item[] {
  const items: Item[] = [];
  for (const request of requests as Obj[]) {
    const key = signal === 'traces' ? 'resourceSpans' : signal === 'metrics' ? 'resourceMetrics' : 'resourceLogs';
    for (const entry of list(request[key])) {
      const resource = attributes((entry.resource as Obj | undefined)?.attributes);
      const scopes = list(entry[signal === 'traces' ? 'scopeSpans' : signal === 'metrics' ? 'scopeMetrics' : 'scopeLogs']);
      for (const scope of scopes) {
        if (signal === 'traces') for (const span of list(scope.spans)) items.push({ name: String(span.name), attributes: attributes(span.attributes), resource });
        if (signal === 'logs') for (const log of list(scope.logRecords)) items.push({ name: String(anyValue(log.body)), attributes: attributes(log.attributes), resource });
        if (signal === 'metrics') {
          for (const metric of list(scope.metrics)) {
            for (const kind of ['sum', 'gauge', 'histogram', 'exponentialHistogram', 'summary']) {
              for (const point of list((metric[kind] as Obj | undefined)?.dataPoints)) items.push({ name: String(metric.name), attributes: attributes(point.attributes), resource });
            }
          }
        }
      }
    }
  }
  return items;
}

/** How many times each `test.id` arrived. */
export function countById(items: readonly Item[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const id = item.attributes['test.id'];
    if (typeof id === 'string') counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}
