// Delivered requests as a list of items, each with its resource and scope, in a form two collectors' outputs can
// be compared with: attribute lists sorted by key (upstream's map edits move attributes; the order carries no
// meaning), everything else exactly as decoded.
import type { Signal } from '../../../src/collector/component.ts';
import type { JsonObject, JsonValue } from '../../../src/collector/otlp/index.ts';

export interface FlatItem {
  readonly resource: JsonValue;
  readonly scope: JsonValue;
  /** The metric an item (data point) belongs to, without its data. */
  readonly metric?: JsonValue;
  readonly item: JsonValue;
}

const KEYS: Record<Signal, [string, string, string]> = {
  traces: ['resourceSpans', 'scopeSpans', 'spans'],
  metrics: ['resourceMetrics', 'scopeMetrics', 'metrics'],
  logs: ['resourceLogs', 'scopeLogs', 'logRecords'],
};
const METRIC_DATA = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'];

type Obj = { [key: string]: JsonValue };
const list = (value: JsonValue | undefined): Obj[] => (Array.isArray(value) ? (value as Obj[]) : []);

// AnyValue's oneof members and KeyValue's key: their presence carries meaning even when empty.
const KEEP = new Set(['stringValue', 'boolValue', 'intValue', 'doubleValue', 'bytesValue', 'arrayValue', 'kvlistValue', 'key']);
const isDefault = (value: JsonValue): boolean =>
  value === '' || value === 0 || value === false || (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0);

/**
 * A copy with every `attributes` list sorted by key and proto3 defaults ("", 0, false, empty messages) left out, recursively:
 * whether an encoder writes an empty id or a zero is not a difference between what two collectors delivered.
 */
export function normalized(value: JsonValue | undefined): JsonValue {
  if (Array.isArray(value)) return value.map((entry) => normalized(entry));
  if (value === null || typeof value !== 'object') return value ?? null;
  const out: Obj = {};
  for (const [key, entry] of Object.entries(value)) {
    const byKey = (list: JsonValue) => (list as Obj[]).sort((a, b) => String(a.key).localeCompare(String(b.key)));
    // Attribute lists and key-value-list values are maps: their order carries no meaning (upstream's Go maps have none).
    let copy = key === 'attributes' && Array.isArray(entry) ? byKey(normalized(entry)) : normalized(entry);
    if (key === 'kvlistValue' && copy !== null && typeof copy === 'object' && Array.isArray((copy as Obj).values)) {
      copy = { ...(copy as Obj), values: byKey((copy as Obj).values!) };
    }
    if (KEEP.has(key) || !isDefault(copy)) out[key] = copy;
  }
  return out;
}

export function flatten(signal: Signal, request: JsonObject): FlatItem[] {
  const [resources, scopes, items] = KEYS[signal];
  const out: FlatItem[] = [];
  for (const entry of list(request[resources])) {
    const resource = normalized(entry.resource ?? {});
    for (const scopeEntry of list(entry[scopes])) {
      const scope = normalized(scopeEntry.scope ?? {});
      for (const item of list(scopeEntry[items])) {
        if (signal !== 'metrics') {
          out.push({ resource, scope, item: normalized(item) });
          continue;
        }
        for (const kind of METRIC_DATA) {
          const data = item[kind] as Obj | undefined;
          if (!data) continue;
          const { dataPoints, ...rest } = data;
          const metric = normalized({ ...item, [kind]: rest });
          for (const point of list(dataPoints)) out.push({ resource, scope, metric, item: normalized(point) });
        }
      }
    }
  }
  return out;
}
