// Scanning an export request without decoding it: views of the top-level entries and item counts.
// This is the receive hot path, so it walks only down to the items (spans, log records, data points),
// checks wire types and bounds on that way, and allocates nothing per item.
import type { Payload, Signal } from '../component.ts';
import {
  DATA_POINTS, ENTRY_RESOURCE, ENTRY_SCOPES, METRIC_EXPONENTIAL_HISTOGRAM, METRIC_GAUGE, METRIC_HISTOGRAM, METRIC_SUM,
  METRIC_SUMMARY, REQUEST_RESOURCES, SCOPE_ENTRY_ITEMS, SCOPE_ENTRY_SCOPE, SIGNAL_MESSAGES,
} from './schema.ts';
import { FieldReader, LEN, lenFieldSize } from './wire.ts';

// One reader per nesting level, reused: scanning is synchronous and calls no foreign code.
const request = new FieldReader();
const entry = new FieldReader();
const scope = new FieldReader();
const metric = new FieldReader();
const data = new FieldReader();
const locator = new FieldReader();

/** Item counts of a payload's entries, kept for the entries array they were computed for. */
const entryCounts = new WeakMap<readonly Uint8Array[], readonly number[]>();

/**
 * Splits an encoded Export*ServiceRequest into views of its field-1 entries (ResourceSpans,
 * ResourceMetrics, ResourceLogs) and counts their items. Unknown top-level fields are dropped, as a
 * decoder would. Throws WireError on malformed input.
 */
export function parseRequest(signal: Signal, bytes: Uint8Array): Payload {
  const names = SIGNAL_MESSAGES[signal];
  const reader = request.reset(bytes, 0, bytes.length, names.request);
  const resources: Uint8Array[] = [];
  const counts: number[] = [];
  let items = 0;
  let size = 0;
  while (reader.next()) {
    if (reader.field !== REQUEST_RESOURCES) continue;
    reader.expect(LEN, 'resource entry');
    const start = reader.valueStart;
    const end = reader.valueEnd;
    const count = countRange(signal, bytes, start, end);
    resources.push(bytes.subarray(start, end));
    counts.push(count);
    items += count;
    size += lenFieldSize(REQUEST_RESOURCES, end - start);
  }
  entryCounts.set(resources, counts);
  return { signal, resources, items, bytes: size };
}

/** Items in one encoded Resource{Spans,Metrics,Logs}. */
export function countItems(signal: Signal, resourceEntry: Uint8Array): number {
  return countRange(signal, resourceEntry, 0, resourceEntry.length);
}

/** Item count of every entry of a payload (cached per entries array). */
export function itemCounts(payload: Payload): readonly number[] {
  let counts = entryCounts.get(payload.resources);
  if (!counts) {
    counts = payload.resources.map((resource) => countItems(payload.signal, resource));
    entryCounts.set(payload.resources, counts);
  }
  return counts;
}

/** Cached item counts of a payload's entries, if the codec built or scanned it. */
export function cachedCounts(payload: Payload): readonly number[] | undefined {
  return entryCounts.get(payload.resources);
}

/** Records the item counts of an entries array built elsewhere in the codec (merge, split, rewrite). */
export function rememberCounts(resources: readonly Uint8Array[], counts: readonly number[]): void {
  entryCounts.set(resources, counts);
}

/** Encoded size of an export request holding these entries. */
export function requestSize(resources: readonly Uint8Array[]): number {
  let size = 0;
  for (const resource of resources) size += lenFieldSize(REQUEST_RESOURCES, resource.length);
  return size;
}

function countRange(signal: Signal, buf: Uint8Array, start: number, end: number): number {
  const names = SIGNAL_MESSAGES[signal];
  const e = entry.reset(buf, start, end, names.entry);
  let count = 0;
  while (e.next()) {
    if (e.field === ENTRY_SCOPES) {
      e.expect(LEN, 'scope entry');
      count += countScopeItems(buf, e.valueStart, e.valueEnd, names.scope);
    } else if (e.field === ENTRY_RESOURCE) {
      e.expect(LEN, 'resource');
    }
  }
  return count;
}

/** Items in one Scope{Spans,Logs} (each item counts 1) or ScopeMetrics (each Metric counts its points). */
export function countScopeItems(buf: Uint8Array, start: number, end: number, name: string): number {
  const metrics = name === 'ScopeMetrics';
  const s = scope.reset(buf, start, end, name);
  let count = 0;
  while (s.next()) {
    if (s.field === SCOPE_ENTRY_ITEMS) {
      s.expect(LEN, 'item');
      count += metrics ? countMetricPoints(buf, s.valueStart, s.valueEnd) : 1;
    } else if (s.field === SCOPE_ENTRY_SCOPE) {
      s.expect(LEN, 'scope');
    }
  }
  return count;
}

/** Data points of one Metric: those of its oneof data field; the last one on the wire wins, as in a decode. */
export function countMetricPoints(buf: Uint8Array, start: number, end: number): number {
  const m = metric.reset(buf, start, end, 'Metric');
  let count = 0;
  while (m.next()) {
    if (isMetricData(m.field)) {
      m.expect(LEN, 'data');
      count = countDataPoints(buf, m.valueStart, m.valueEnd);
    }
  }
  return count;
}

export function countDataPoints(buf: Uint8Array, start: number, end: number): number {
  const d = data.reset(buf, start, end, 'Metric data');
  let count = 0;
  while (d.next()) {
    if (d.field === DATA_POINTS) {
      d.expect(LEN, 'data_points');
      count++;
    }
  }
  return count;
}

/** Offset of a Metric's effective (last) oneof data field, or -1 when it has none. */
export function lastMetricData(buf: Uint8Array, start: number, end: number): number {
  const reader = locator.reset(buf, start, end, 'Metric');
  let offset = -1;
  while (reader.next()) if (isMetricData(reader.field)) offset = reader.fieldStart;
  return offset;
}

export function isMetricData(field: number): boolean {
  return field === METRIC_GAUGE || field === METRIC_SUM || field === METRIC_HISTOGRAM || field === METRIC_EXPONENTIAL_HISTOGRAM || field === METRIC_SUMMARY;
}
