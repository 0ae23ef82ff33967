// Batching on encoded data: merging is concatenation of entry lists, splitting cuts at item boundaries.
// Entries that fit whole are reused as views; only an entry that straddles a part boundary is re-encoded,
// and then only its headers are new (the items inside are copied verbatim).
import type { Payload, Signal } from '../component.ts';
import { encodePieces, nestedField, PieceList, type Piece } from './pieces.ts';
import {
  cachedCounts, countDataPoints, countMetricPoints, countScopeItems, itemCounts, lastMetricData, rememberCounts, requestSize,
} from './scan.ts';
import { DATA_POINTS, ENTRY_SCOPES, SCOPE_ENTRY_ITEMS, SIGNAL_MESSAGES } from './schema.ts';
import { FieldReader, LEN } from './wire.ts';

/** One payload holding the entries of all `payloads` in order. They must share one signal. */
export function mergePayloads(payloads: readonly Payload[]): Payload {
  const first = payloads[0];
  if (!first) throw new Error('mergePayloads: no payloads');
  if (payloads.length === 1) return first;
  const resources: Uint8Array[] = [];
  let counts: number[] | undefined = [];
  let items = 0;
  let bytes = 0;
  for (const payload of payloads) {
    if (payload.signal !== first.signal) throw new Error(`mergePayloads: cannot merge ${payload.signal} into ${first.signal}`);
    const known = cachedCounts(payload);
    if (!known) counts = undefined;
    for (let i = 0; i < payload.resources.length; i++) {
      resources.push(payload.resources[i]!);
      counts?.push(known![i]!);
    }
    items += payload.items;
    bytes += payload.bytes;
  }
  if (counts) rememberCounts(resources, counts);
  return { signal: first.signal, resources, items, bytes };
}

/**
 * Parts of at most `maxItems` items each, in order; every part but the last holds exactly `maxItems`.
 * `maxItems <= 0` means no limit. Entries without items travel with the part they are in.
 */
export function splitPayload(payload: Payload, maxItems: number): Payload[] {
  if (maxItems <= 0 || payload.items <= maxItems) return [payload];
  const counts = itemCounts(payload);
  const parts: Payload[] = [];
  let resources: Uint8Array[] = [];
  let partCounts: number[] = [];
  let items = 0;
  const flush = (): void => {
    rememberCounts(resources, partCounts);
    parts.push({ signal: payload.signal, resources, items, bytes: requestSize(resources) });
    resources = [];
    partCounts = [];
    items = 0;
  };
  for (let i = 0; i < payload.resources.length; i++) {
    const entry = payload.resources[i]!;
    const count = counts[i]!;
    if (items + count <= maxItems) {
      resources.push(entry);
      partCounts.push(count);
      items += count;
      if (items === maxItems) flush();
      continue;
    }
    let offset = 0;
    while (offset < count) {
      const take = Math.min(maxItems - items, count - offset);
      resources.push(sliceEntry(payload.signal, entry, offset, offset + take, count));
      partCounts.push(take);
      items += take;
      offset += take;
      if (items === maxItems) flush();
    }
  }
  if (resources.length > 0) flush();
  return parts;
}

/** A copy of one Resource{Spans,Metrics,Logs} holding only its items [from, to) (of `total`). */
function sliceEntry(signal: Signal, entry: Uint8Array, from: number, to: number, total: number): Uint8Array {
  const level = signal === 'metrics' ? METRICS_ENTRY : SCOPED_ENTRY[signal];
  return encodePieces(slice(entry, 0, entry.length, level, from, to, total));
}

/** How to find and count the children that hold items at one level of nesting. */
interface Level {
  readonly message: string;
  /** Whether the field under the reader holds items (is on the path to them). */
  isChild(reader: FieldReader, childOffset: number): boolean;
  /** Items in a child; undefined: the child is an item itself. */
  readonly count?: (buf: Uint8Array, start: number, end: number) => number;
  readonly child?: Level;
  /** Offset of the only child field, found before walking (Metric: its last oneof data field). */
  locate?(buf: Uint8Array, start: number, end: number): number;
}

const byField = (field: number) => (reader: FieldReader): boolean => reader.field === field;

const ITEM_LEVEL = (message: string): Level => ({ message, isChild: byField(SCOPE_ENTRY_ITEMS) });

const SCOPED_ENTRY: Record<'traces' | 'logs', Level> = {
  traces: {
    message: SIGNAL_MESSAGES.traces.entry,
    isChild: byField(ENTRY_SCOPES),
    count: (buf, start, end) => countScopeItems(buf, start, end, SIGNAL_MESSAGES.traces.scope),
    child: ITEM_LEVEL(SIGNAL_MESSAGES.traces.scope),
  },
  logs: {
    message: SIGNAL_MESSAGES.logs.entry,
    isChild: byField(ENTRY_SCOPES),
    count: (buf, start, end) => countScopeItems(buf, start, end, SIGNAL_MESSAGES.logs.scope),
    child: ITEM_LEVEL(SIGNAL_MESSAGES.logs.scope),
  },
};

const DATA_LEVEL: Level = { message: 'Metric data', isChild: byField(DATA_POINTS) };

const METRIC_LEVEL: Level = {
  message: 'Metric',
  isChild: (reader, childOffset) => reader.fieldStart === childOffset,
  locate: lastMetricData,
  count: countDataPoints,
  child: DATA_LEVEL,
};

const METRICS_ENTRY: Level = {
  message: SIGNAL_MESSAGES.metrics.entry,
  isChild: byField(ENTRY_SCOPES),
  count: (buf, start, end) => countScopeItems(buf, start, end, 'ScopeMetrics'),
  child: { message: 'ScopeMetrics', isChild: byField(SCOPE_ENTRY_ITEMS), count: countMetricPoints, child: METRIC_LEVEL },
};

/**
 * Body pieces of the message at [start, end) keeping only items [from, to) of its `total`. Children wholly
 * inside the range are kept verbatim, children partly inside are sliced recursively; a child without items
 * stays with the part its position falls in (the last part when it trails).
 */
function slice(buf: Uint8Array, start: number, end: number, level: Level, from: number, to: number, total: number): Piece[] {
  const reader = new FieldReader().reset(buf, start, end, level.message);
  const childOffset = level.locate ? level.locate(buf, start, end) : -1;
  const out = new PieceList(buf, start);
  let cursor = 0;
  while (reader.next()) {
    if (!level.isChild(reader, childOffset)) continue;
    reader.expect(LEN, 'child');
    const count = level.count ? level.count(buf, reader.valueStart, reader.valueEnd) : 1;
    const childStart = cursor;
    const childEnd = cursor + count;
    cursor = childEnd;
    if (count === 0) {
      const inside = (childStart >= from && childStart < to) || (childStart === to && to === total);
      if (!inside) out.skip(reader.fieldStart, reader.valueEnd);
    } else if (childEnd <= from || childStart >= to) {
      out.skip(reader.fieldStart, reader.valueEnd);
    } else if (childStart < from || childEnd > to) {
      const body = slice(buf, reader.valueStart, reader.valueEnd, level.child!, Math.max(from, childStart) - childStart, Math.min(to, childEnd) - childStart, count);
      out.replace(reader.fieldStart, reader.valueEnd, nestedField(reader.field, body));
    }
  }
  return out.finish(end);
}
