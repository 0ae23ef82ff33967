// A trace held by the tail_sampling processor, and the walks its policies make over it: resources and spans in the
// order they arrived, each read in place (a policy decodes only the attribute, status or timestamps it asks for).
import { decodeAnyValue } from '../otlp/any-value.ts';
import { findAttribute } from '../otlp/attributes.ts';
import { ENTRY_RESOURCE, ENTRY_SCOPES, SCOPE_ENTRY_ITEMS } from '../otlp/schema.ts';
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

function resourceOf(entry: Uint8Array): Uint8Array {
  let resource = EMPTY;
  const r = entryReader.reset(entry, 0, entry.length, 'ResourceSpans');
  while (r.next()) if (r.field === ENTRY_RESOURCE && r.wireType === LEN) resource = entry.subarray(r.valueStart, r.valueEnd);
  return resource;
}

/** Scope bodies of an entry (collected first: the walk's readers are shared with nested calls). */
function scopesOf(entry: Uint8Array): Uint8Array[] {
  const scopes: Uint8Array[] = [];
  const r = entryReader.reset(entry, 0, entry.length, 'ResourceSpans');
  while (r.next()) if (r.field === ENTRY_SCOPES && r.wireType === LEN) scopes.push(entry.subarray(r.valueStart, r.valueEnd));
  return scopes;
}

function spansOf(scope: Uint8Array): Uint8Array[] {
  const spans: Uint8Array[] = [];
  const r = scopeReader.reset(scope, 0, scope.length, 'ScopeSpans');
  while (r.next()) if (r.field === SCOPE_ENTRY_ITEMS && r.wireType === LEN) spans.push(scope.subarray(r.valueStart, r.valueEnd));
  return spans;
}

/**
 * Upstream's span walk: the first span whose test differs from `invert` decides (its result is returned); when
 * none does, `invert`.
 */
function spanWalk(entry: Uint8Array, test: Test, invert: boolean): boolean {
  for (const scope of scopesOf(entry)) {
    for (const span of spansOf(scope)) {
      const result = test(span);
      if (result !== invert) return result;
    }
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

/** An attribute as upstream's Str(): the string value, '' for other types; undefined when absent. */
export function stringAttribute(message: Uint8Array, field: number, key: Uint8Array): string | undefined {
  const found = findAttribute(message, field, key);
  if (found === undefined) return undefined;
  const value = decodeAnyValue(found);
  return value.type === 'string' ? value.value : '';
}

/** An attribute as upstream's Int(): the int value, 0 for other types; undefined when absent. */
export function intAttribute(message: Uint8Array, field: number, key: Uint8Array): bigint | undefined {
  const found = findAttribute(message, field, key);
  if (found === undefined) return undefined;
  const value = decodeAnyValue(found);
  return value.type === 'int' ? value.value : 0n;
}
