// Cutting an encoded ResourceSpans into one ResourceSpans per trace, as upstream's tail_sampling processor groups
// what it receives: each part holds the entry's Resource and, for each scope with spans of that trace, the
// InstrumentationScope and those spans (schema URLs are not carried, as upstream does not copy them). An entry
// of one trace without schema URLs is returned as it is; otherwise only headers are new, spans are copied verbatim.
import { encodePieces, nestedField, type Piece } from './pieces.ts';
import { ENTRY_RESOURCE, ENTRY_SCOPES, SCOPE_ENTRY_ITEMS, SCOPE_ENTRY_SCOPE, SPAN_TRACE_ID } from './schema.ts';
import { FieldReader, LEN } from './wire.ts';

export interface TracePart {
  /** The trace id's 16 bytes as a latin1 string (all zero when the span has none): a map key. */
  readonly key: string;
  /** The encoded ResourceSpans holding only this trace's spans. */
  readonly entry: Uint8Array;
  readonly spans: number;
}

const ZERO_ID = '\0'.repeat(16);
const entryReader = new FieldReader();
const scopeReader = new FieldReader();
const spanReader = new FieldReader();

/** The span's trace id as a key (first trace_id field; an empty or missing one is the zero id). */
function traceKey(buf: Uint8Array, start: number, end: number): string {
  const r = spanReader.reset(buf, start, end, 'Span');
  while (r.next()) {
    if (r.field === SPAN_TRACE_ID && r.wireType === LEN) {
      if (r.valueEnd === r.valueStart) return ZERO_ID;
      return Buffer.from(buf.buffer, buf.byteOffset + r.valueStart, r.valueEnd - r.valueStart).toString('latin1');
    }
  }
  return ZERO_ID;
}

interface Scope {
  readonly scope: Uint8Array | undefined;
  /** Fields beyond the scope and its spans (schema_url). */
  readonly extra: boolean;
  /** Encoded span fields (tag, length and body) with their trace keys. */
  readonly spans: { readonly key: string; readonly field: Uint8Array }[];
}

/** The parts of one encoded ResourceSpans, one per trace id, in order of each trace's first span. */
export function splitByTrace(entry: Uint8Array): TracePart[] {
  let resource: Uint8Array | undefined;
  let extraFields = false;
  const scopes: Scope[] = [];
  const e = entryReader.reset(entry, 0, entry.length, 'ResourceSpans');
  while (e.next()) {
    if (e.field === ENTRY_RESOURCE && e.wireType === LEN) resource = entry.subarray(e.fieldStart, e.valueEnd);
    else if (e.field === ENTRY_SCOPES && e.wireType === LEN) scopes.push(readScope(entry, e.valueStart, e.valueEnd));
    else extraFields = true;
  }
  const order: string[] = [];
  const counts = new Map<string, number>();
  for (const scope of scopes) {
    // A scope without spans or with fields beyond scope and spans is not carried as it is.
    extraFields ||= scope.spans.length === 0 || scope.extra;
    for (const span of scope.spans) {
      const seen = counts.get(span.key);
      if (seen === undefined) order.push(span.key);
      counts.set(span.key, (seen ?? 0) + 1);
    }
  }
  if (order.length === 1 && !extraFields) {
    return [{ key: order[0]!, entry, spans: counts.get(order[0]!)! }];
  }
  return order.map((key) => {
    const body: Piece[] = resource ? [resource] : [];
    for (const scope of scopes) {
      const spans = scope.spans.filter((span) => span.key === key).map((span) => span.field);
      if (spans.length === 0) continue;
      body.push(nestedField(ENTRY_SCOPES, scope.scope ? [scope.scope, ...spans] : spans));
    }
    return { key, entry: encodePieces(body), spans: counts.get(key)! };
  });
}

function readScope(buf: Uint8Array, start: number, end: number): Scope {
  let scope: Uint8Array | undefined;
  let extra = false;
  const spans: { key: string; field: Uint8Array }[] = [];
  let lastId: Uint8Array | undefined;
  let lastKey = ZERO_ID;
  const s = scopeReader.reset(buf, start, end, 'ScopeSpans');
  while (s.next()) {
    if (s.field === SCOPE_ENTRY_SCOPE && s.wireType === LEN) scope = buf.subarray(s.fieldStart, s.valueEnd);
    else if (s.field === SCOPE_ENTRY_ITEMS && s.wireType === LEN) {
      // Spans of one trace usually come together: the key string is made only when the id changes.
      const id = buf.subarray(s.valueStart, s.valueEnd);
      const key = lastId !== undefined && sameTraceId(lastId, id) ? lastKey : traceKey(buf, s.valueStart, s.valueEnd);
      lastId = id;
      lastKey = key;
      spans.push({ key, field: buf.subarray(s.fieldStart, s.valueEnd) });
    } else extra = true;
  }
  return { scope, spans, extra };
}

/** Whether two encoded spans start with the same trace_id field (the layout every encoder writes). */
function sameTraceId(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length < 18 || b.length < 18 || a[0] !== 0x0a || b[0] !== 0x0a || a[1] !== 16 || b[1] !== 16) return false;
  for (let i = 2; i < 18; i++) if (a[i] !== b[i]) return false;
  return true;
}
