// The processors' primitive: visit every item (span, log record, data point) of a payload with access to
// its resource and scope, and keep, replace or drop it. Only messages that contain a change are rebuilt
// (new lengths, untouched neighbours copied verbatim); unchanged entries stay the original views, and
// scopes, metrics and resources left without items by drops are removed, as upstream processors do.
import type { Payload } from '../component.ts';
import { lastLenField, stringField } from './fields.ts';
import { encodePieces, nestedField, PieceList, type Piece, type ScratchArena } from './pieces.ts';
import { lastMetricData, rememberCounts, requestSize } from './scan.ts';
import {
  DATA_POINTS, dataPointKind, ENTRY_RESOURCE, ENTRY_SCOPES, ITEM_ATTRIBUTES, type ItemKind, METRIC_NAME,
  SCOPE_ENTRY_ITEMS, SCOPE_ENTRY_SCOPE, SIGNAL_MESSAGES,
} from './schema.ts';
import { FieldReader, LEN } from './wire.ts';

export interface ItemContext {
  readonly kind: ItemKind;
  /** Field number of the item's attributes (Span 9, LogRecord 6, NumberDataPoint 7, ...). */
  readonly attributesField: number;
  /**
   * Process-wide unique numbers of the current resource entry / scope / metric, new whenever the walk moves
   * to another one: keys for memoizing per container.
   */
  readonly resourceSerial: number;
  readonly scopeSerial: number;
  readonly metricSerial: number;
  /** The encoded Resource of the item's entry (empty when absent). */
  resource(): Uint8Array;
  /** The encoded InstrumentationScope of the item's scope entry (empty when absent). */
  scope(): Uint8Array;
  /** Name of the metric a data point belongs to ('' for spans and log records). */
  metricName(): string;
  /** The encoded Metric a data point belongs to (empty for spans and log records). */
  metric(): Uint8Array;
}

/**
 * Returns `item` itself to keep it, other bytes to replace it, null to drop it. A replacement may also be
 * given as pieces (views and nested fields, see pieces.ts), which are copied straight into the new entry.
 */
export type ItemVisitor = (item: Uint8Array, context: ItemContext) => Uint8Array | readonly Piece[] | null;

/**
 * The visitor of editItems, for processors that change items but never drop them: edits the item at
 * buf[start, end) and, when it changed, writes it into the arena given to editItems as a whole field `field`
 * (tag, length, new body) and returns true; false keeps the item. No object is made per item.
 */
export type ItemEdit = (buf: Uint8Array, start: number, end: number, field: number, context: ItemContext) => boolean;

export interface RewriteResult {
  /** The input payload itself when nothing changed. */
  readonly payload: Payload;
  readonly dropped: number;
}

const EMPTY: Uint8Array = new Uint8Array(0);
let serials = 0;
const UNCHANGED = 0;
const EMPTIED = 1;
/** An edited item, written into the walker's arena (ItemEdit). */
const WRITTEN = 2;
/** What became of a message: kept, left without items, or rebuilt from pieces. */
type Outcome = typeof UNCHANGED | typeof EMPTIED | readonly Piece[];
/** What became of a child field: an item may also have been written by an ItemEdit. */
type ChildOutcome = Outcome | typeof WRITTEN;

export function rewriteItems(payload: Payload, visit: ItemVisitor): RewriteResult {
  return walk(new Walker(payload, { visit }), payload);
}

/**
 * rewriteItems for an ItemEdit, which writes changed items into `arena`: they are copied out into the new
 * resource entries before this returns, so the caller may reset the arena afterwards.
 */
export function editItems(payload: Payload, edit: ItemEdit, arena: ScratchArena): RewriteResult {
  return walk(new Walker(payload, { edit, arena }), payload);
}

type Visitor = { readonly visit: ItemVisitor } | { readonly edit: ItemEdit; readonly arena: ScratchArena };

function walk(walker: Walker, payload: Payload): RewriteResult {
  const resources: Uint8Array[] = [];
  const counts: number[] = [];
  let changed = false;
  for (const entry of payload.resources) {
    const before = walker.items;
    const outcome = walker.entry(entry);
    const items = walker.items - before;
    if (outcome === UNCHANGED) {
      resources.push(entry);
      counts.push(items);
      continue;
    }
    changed = true;
    if (outcome === EMPTIED) continue;
    resources.push(encodePieces(outcome));
    counts.push(items);
  }
  if (!changed) return { payload, dropped: 0 };
  rememberCounts(resources, counts);
  const result: Payload = { signal: payload.signal, resources, items: walker.items, bytes: requestSize(resources) };
  return { payload: result, dropped: payload.items - walker.items };
}

class Walker implements ItemContext {
  kind: ItemKind;
  attributesField: number;
  resourceSerial = 0;
  scopeSerial = 0;
  metricSerial = 0;
  /** Items kept so far. */
  items = 0;
  private readonly visitor: Visitor;
  private readonly metrics: boolean;
  private readonly names: (typeof SIGNAL_MESSAGES)[keyof typeof SIGNAL_MESSAGES];
  private readonly readers = [new FieldReader(), new FieldReader(), new FieldReader(), new FieldReader()] as const;
  private entryBuf: Uint8Array = EMPTY;
  private scopeBuf: Uint8Array = EMPTY;
  private metricBuf: Uint8Array = EMPTY;
  private resourceCache: Uint8Array | undefined;
  private scopeCache: Uint8Array | undefined;
  private metricNameCache: string | undefined;

  constructor(payload: Payload, visitor: Visitor) {
    this.visitor = visitor;
    this.metrics = payload.signal === 'metrics';
    this.names = SIGNAL_MESSAGES[payload.signal];
    this.kind = payload.signal === 'traces' ? 'span' : payload.signal === 'logs' ? 'log_record' : 'number_data_point';
    this.attributesField = ITEM_ATTRIBUTES[this.kind];
  }

  resource(): Uint8Array {
    return (this.resourceCache ??= lastLenField(this.entryBuf, ENTRY_RESOURCE, this.names.entry) ?? EMPTY);
  }

  scope(): Uint8Array {
    return (this.scopeCache ??= lastLenField(this.scopeBuf, SCOPE_ENTRY_SCOPE, this.names.scope) ?? EMPTY);
  }

  metric(): Uint8Array {
    return this.metrics ? this.metricBuf : EMPTY;
  }

  metricName(): string {
    if (!this.metrics) return '';
    return (this.metricNameCache ??= stringField(this.metricBuf, METRIC_NAME, 'Metric'));
  }

  entry(buf: Uint8Array): Outcome {
    this.entryBuf = buf;
    this.resourceCache = undefined;
    this.resourceSerial = ++serials;
    return this.container(buf, 0, buf.length, 0, ENTRY_SCOPES, this.names.entry);
  }

  /**
   * Walks the message at [start, end) whose child field `childField` leads to the items, at nesting `depth`
   * (0 entry, 1 scope, then for metrics 2 metric, 3 data). Returns what became of it.
   */
  private container(buf: Uint8Array, start: number, end: number, depth: number, childField: number, name: string): Outcome {
    const reader = this.readers[depth]!.reset(buf, start, end, name);
    let list: PieceList | undefined;
    let kept = 0;
    let lost = 0;
    // A Metric's items are in its last oneof data field; earlier ones are overridden and left as they are.
    const metricData = depth === 2 ? lastMetricData(buf, start, end) : -1;
    while (reader.next()) {
      const isChild = depth === 2 ? reader.fieldStart === metricData : reader.field === childField;
      if (!isChild) continue;
      reader.expect(LEN, 'child');
      const field = reader.field;
      const fieldStart = reader.fieldStart;
      const fieldEnd = reader.valueEnd;
      const before = this.items;
      const outcome = this.child(buf, reader, depth);
      if (this.items > before) kept++;
      if (outcome === UNCHANGED) continue;
      list ??= new PieceList(buf, start);
      if (outcome === WRITTEN) {
        const { arena } = this.visitor as { arena: ScratchArena };
        list.replaceWritten(fieldStart, fieldEnd, arena.chunk, arena.lastStart, arena.lastEnd);
      } else if (outcome === EMPTIED) {
        list.skip(fieldStart, fieldEnd);
        lost++;
      } else {
        list.replace(fieldStart, fieldEnd, nestedField(field, outcome));
      }
    }
    if (!list) return UNCHANGED;
    if (kept === 0 && lost > 0) return EMPTIED;
    return list.finish(end);
  }

  private itemDepth(): number {
    return this.metrics ? 3 : 1;
  }

  /** Handles one child field under the reader: a nested container, or an item at the last level. */
  private child(buf: Uint8Array, reader: FieldReader, depth: number): ChildOutcome {
    const start = reader.valueStart;
    const end = reader.valueEnd;
    if (depth === this.itemDepth()) {
      if ('edit' in this.visitor) {
        this.items++;
        return this.visitor.edit(buf, start, end, reader.field, this) ? WRITTEN : UNCHANGED;
      }
      return this.item(this.visitor.visit, buf.subarray(start, end));
    }
    if (depth === 0) {
      this.scopeBuf = buf.subarray(start, end);
      this.scopeCache = undefined;
      this.scopeSerial = ++serials;
      return this.container(buf, start, end, 1, SCOPE_ENTRY_ITEMS, this.names.scope);
    }
    if (depth === 1) {
      this.metricBuf = buf.subarray(start, end);
      this.metricNameCache = undefined;
      this.metricSerial = ++serials;
      return this.container(buf, start, end, 2, 0, 'Metric');
    }
    // depth 2: the metric's data field; its kind names the data point type.
    this.kind = dataPointKind(reader.field)!;
    this.attributesField = ITEM_ATTRIBUTES[this.kind];
    return this.container(buf, start, end, 3, DATA_POINTS, 'Metric data');
  }

  private item(visit: ItemVisitor, view: Uint8Array): Outcome {
    const result = visit(view, this);
    if (result === view) {
      this.items++;
      return UNCHANGED;
    }
    if (result === null) return EMPTIED;
    this.items++;
    return result instanceof Uint8Array ? [result] : result;
  }
}
