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
  /** Whether one of the spans is a root (no parent span id); only looked for when asked. */
  readonly root: boolean;
}

const ZERO_ID = '\0'.repeat(16);
const SPAN_PARENT_SPAN_ID = 4;
const entryReader = new FieldReader();
const scopeReader = new FieldReader();
const spanReader = new FieldReader();

/** Whether a span has no parent span id (absent or empty). */
function isRoot(buf: Uint8Array, start: number, end: number): boolean {
  const r = spanReader.reset(buf, start, end, 'Span');
  let root = true;
  while (r.next()) if (r.field === SPAN_PARENT_SPAN_ID && r.wireType === LEN) root = r.valueEnd === r.valueStart;
  return root;
}

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
  /** Fields beyond the scope and its spans (schema_url), or no spans: the entry cannot be passed on as it is. */
  readonly extra: boolean;
}

/** Each trace's spans (encoded fields: tag, length, body) with the index of their scope, in order. */
type Traces = Map<string, { readonly scope: number; readonly field: Uint8Array; readonly root: boolean }[]>;

/** The parts of one encoded ResourceSpans, one per trace id, in order of each trace's first span; `roots`: mark roots. */
export function splitByTrace(entry: Uint8Array, roots = false): TracePart[] {
  let resource: Uint8Array | undefined;
  let extra = false;
  const scopes: Scope[] = [];
  const traces: Traces = new Map();
  const e = entryReader.reset(entry, 0, entry.length, 'ResourceSpans');
  while (e.next()) {
    if (e.field === ENTRY_RESOURCE && e.wireType === LEN) resource = entry.subarray(e.fieldStart, e.valueEnd);
    else if (e.field === ENTRY_SCOPES && e.wireType === LEN) {
      const scope = readScope(entry, e.valueStart, e.valueEnd, scopes.length, traces, roots);
      extra ||= scope.extra;
      scopes.push(scope);
    } else extra = true;
  }
  if (traces.size === 1 && !extra) {
    const [key, list] = traces.entries().next().value!;
    return [{ key, entry, spans: list.length, root: list.some((span) => span.root) }];
  }
  const parts: TracePart[] = [];
  for (const [key, list] of traces) {
    const body: Piece[] = resource ? [resource] : [];
    // One scope's spans of a trace are together in its list: each run becomes one ScopeSpans.
    for (let i = 0; i < list.length;) {
      const index = list[i]!.scope;
      const scope = scopes[index]!.scope;
      const pieces: Piece[] = scope ? [scope] : [];
      for (; i < list.length && list[i]!.scope === index; i++) pieces.push(list[i]!.field);
      body.push(nestedField(ENTRY_SCOPES, pieces));
    }
    parts.push({ key, entry: encodePieces(body), spans: list.length, root: list.some((span) => span.root) });
  }
  return parts;
}

function readScope(buf: Uint8Array, start: number, end: number, index: number, traces: Traces, roots: boolean): Scope {
  let scope: Uint8Array | undefined;
  let extra = false;
  let spans = 0;
  let lastId: Uint8Array | undefined;
  let list: { scope: number; field: Uint8Array; root: boolean }[] | undefined;
  const s = scopeReader.reset(buf, start, end, 'ScopeSpans');
  while (s.next()) {
    if (s.field === SCOPE_ENTRY_SCOPE && s.wireType === LEN) scope = buf.subarray(s.fieldStart, s.valueEnd);
    else if (s.field === SCOPE_ENTRY_ITEMS && s.wireType === LEN) {
      // Spans of one trace usually come together: the key is made and looked up only when the id changes.
      const id = buf.subarray(s.valueStart, s.valueEnd);
      if (list === undefined || lastId === undefined || !sameTraceId(lastId, id)) {
        const key = traceKey(buf, s.valueStart, s.valueEnd);
        list = traces.get(key);
        if (!list) traces.set(key, (list = []));
      }
      lastId = id;
      list.push({ scope: index, field: buf.subarray(s.fieldStart, s.valueEnd), root: roots && isRoot(buf, s.valueStart, s.valueEnd) });
      spans++;
    } else extra = true;
  }
  return { scope, extra: extra || spans === 0 };
}

/** Whether two encoded spans start with the same trace_id field (the layout every encoder writes). */
function sameTraceId(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length < 18 || b.length < 18 || a[0] !== 0x0a || b[0] !== 0x0a || a[1] !== 16 || b[1] !== 16) return false;
  for (let i = 2; i < 18; i++) if (a[i] !== b[i]) return false;
  return true;
}
