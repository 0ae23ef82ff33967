// A trace held by the tail_sampling processor, and the walks its policies make over it: resources and spans in the
// order they arrived, each read in place (a policy decodes only the attribute, status or timestamps it asks for).
import { decodeAnyValue } from '../otlp/any-value.ts';
import { findAttribute } from '../otlp/attributes.ts';
import type { ItemContext } from '../otlp/index.ts';
import { ANY_STRING, ENTRY_RESOURCE, ENTRY_SCOPES, ITEM_ATTRIBUTES, SCOPE_ENTRY_ITEMS, SCOPE_ENTRY_SCOPE } from '../otlp/schema.ts';
import { FieldReader, LEN } from '../otlp/wire.ts';

/** What a policy sees of a trace: its id and the ResourceSpans received for it so far (one trace's spans each). */
export interface TraceData {
  /** The 16 bytes of the trace id. */
  readonly id: Uint8Array;
  readonly entries: readonly Uint8Array[];
  readonly spanCount: number;
}

/** A test of one span (its encoded body) or one resource (its encoded Resource, empty when absent). */
export type Test = (message: Uint8Array) => boolean;

const EMPTY: Uint8Array = new Uint8Array(0);
const entryReader = new FieldReader();
const scopeReader = new FieldReader();

interface ParsedEntry {
  /** The encoded Resource (empty when absent). */
  readonly resource: Uint8Array;
  /** Span bodies in order, over all scopes. */
  readonly spans: readonly Uint8Array[];
  /** Each span's encoded InstrumentationScope (empty when absent). */
  readonly scopes: readonly Uint8Array[];
}

// An entry is read once however many policies walk it; the memo goes with the entry once the trace is decided.
const parsedEntries = new WeakMap<Uint8Array, ParsedEntry>();

function parse(entry: Uint8Array): ParsedEntry {
  let parsed = parsedEntries.get(entry);
  if (parsed) return parsed;
  let resource = EMPTY;
  const spans: Uint8Array[] = [];
  const scopes: Uint8Array[] = [];
  const r = entryReader.reset(entry, 0, entry.length, 'ResourceSpans');
  while (r.next()) {
    if (r.wireType !== LEN) continue;
    if (r.field === ENTRY_RESOURCE) resource = entry.subarray(r.valueStart, r.valueEnd);
    else if (r.field === ENTRY_SCOPES) {
      let scope = EMPTY;
      const first = spans.length;
      const s = scopeReader.reset(entry, r.valueStart, r.valueEnd, 'ScopeSpans');
      while (s.next()) {
        if (s.wireType !== LEN) continue;
        if (s.field === SCOPE_ENTRY_SCOPE) scope = entry.subarray(s.valueStart, s.valueEnd);
        else if (s.field === SCOPE_ENTRY_ITEMS) spans.push(entry.subarray(s.valueStart, s.valueEnd));
      }
      for (let i = first; i < spans.length; i++) scopes.push(scope);
    }
  }
  parsedEntries.set(entry, (parsed = { resource, spans, scopes }));
  return parsed;
}

const resourceOf = (entry: Uint8Array): Uint8Array => parse(entry).resource;

/**
 * Upstream's span walk: the first span whose test differs from `invert` decides (its result is returned); when
 * none does, `invert`.
 */
function spanWalk(entry: Uint8Array, test: Test, invert: boolean): boolean {
  for (const span of parse(entry).spans) {
    const result = test(span);
    if (result !== invert) return result;
  }
  return invert;
}

/** True when some span passes `test` (hasSpanWithCondition). */
export function anySpan(trace: TraceData, test: Test): boolean {
  return trace.entries.some((entry) => spanWalk(entry, test, false));
}

/** True when some entry's resource or some span passes (hasResourceOrSpanWithCondition). */
export function anyResourceOrSpan(trace: TraceData, resource: Test, span: Test): boolean {
  return trace.entries.some((entry) => resource(resourceOf(entry)) || spanWalk(entry, span, false));
}

/** True when every entry's resource and every span passes (invertHasResourceOrSpanWithCondition). */
export function allResourcesAndSpans(trace: TraceData, resource: Test, span: Test): boolean {
  return trace.entries.every((entry) => resource(resourceOf(entry)) && spanWalk(entry, span, true));
}

const valueReader = new FieldReader();

/**
 * The bytes of an attribute's string value as upstream's Str() reads them ('' for other types: the last oneof member
 * on the wire wins), undefined when absent. Not decoded: an exact match compares bytes, as Go compares strings.
 */
export function stringAttributeBytes(message: Uint8Array, field: number, key: Uint8Array): Uint8Array | undefined {
  const found = findAttribute(message, field, key);
  if (found === undefined) return undefined;
  let value = EMPTY;
  const r = valueReader.reset(found, 0, found.length, 'AnyValue');
  while (r.next()) value = r.field === ANY_STRING && r.wireType === LEN ? found.subarray(r.valueStart, r.valueEnd) : EMPTY;
  return value;
}

/** An attribute as upstream's Int(): the int value, 0 for other types; undefined when absent. */
export function intAttribute(message: Uint8Array, field: number, key: Uint8Array): bigint | undefined {
  const found = findAttribute(message, field, key);
  if (found === undefined) return undefined;
  const value = decodeAnyValue(found);
  return value.type === 'int' ? value.value : 0n;
}

/** A test of a span with its resource and scope, as the OTTL conditions of the filter processor read items. */
export type SpanTest = (span: Uint8Array, context: ItemContext) => boolean;

// Serials of the contexts made here: negative, apart from the pipeline walk's.
let serials = 0;

/** True when some span passes `test`, each seen with its entry's resource and its scope. */
export function anySpanInContext(trace: TraceData, test: SpanTest): boolean {
  for (const entry of trace.entries) {
    const { resource, spans, scopes } = parse(entry);
    const resourceSerial = --serials;
    let scopeSerial = 0;
    let lastScope: Uint8Array | undefined;
    for (let i = 0; i < spans.length; i++) {
      const scope = scopes[i]!;
      if (scope !== lastScope) {
        lastScope = scope;
        scopeSerial = --serials;
      }
      const context: ItemContext = {
        kind: 'span', attributesField: ITEM_ATTRIBUTES.span, resourceSerial, scopeSerial, metricSerial: 0,
        resource: () => resource, scope: () => scope, metricName: () => '', metric: () => EMPTY,
      };
      if (test(spans[i]!, context)) return true;
    }
  }
  return false;
}
