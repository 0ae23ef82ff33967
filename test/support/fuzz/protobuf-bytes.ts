// Hand-made protobuf fragments for hostile inputs: length-delimited fields, varints of any size, nesting of any
// depth and OTLP requests carrying one huge string or one deeply nested attribute value. Built from bytes, so a
// fragment may say what no encoder would write.

export function varint(value: bigint): Uint8Array {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = Number(rest & 0x7fn);
    rest >>= 7n;
    if (rest > 0n) byte |= 0x80;
    out.push(byte);
  } while (rest > 0n);
  return Uint8Array.from(out);
}

/** Field `field` with wire type 2 (length-delimited) holding `body`. */
export function lenField(field: number, body: Uint8Array): Uint8Array {
  return Buffer.concat([varint(BigInt((field << 3) | 2)), varint(BigInt(body.length)), body]);
}

const text = (value: string) => new TextEncoder().encode(value);

/** AnyValue{string_value} */
const stringValue = (value: Uint8Array) => lenField(1, value);

/** KeyValue{key, value} */
const keyValue = (key: string, value: Uint8Array) => Buffer.concat([lenField(1, text(key)), lenField(2, value)]);

/** An export request of any signal whose one resource has the attribute `key` = `value` (an AnyValue). */
function withResourceAttribute(key: string, value: Uint8Array): Uint8Array {
  // Export*ServiceRequest.resource_* (1) > Resource (1) > attributes (1); the same field numbers for all three signals.
  return lenField(1, lenField(1, lenField(1, keyValue(key, value))));
}

/** A request whose resource has one string attribute of `size` bytes. */
export function hugeStringRequest(size: number): Uint8Array {
  return withResourceAttribute('big', stringValue(new Uint8Array(size).fill(0x78)));
}

/**
 * Length-delimited fields nested in one another, `fields` from the outermost in, around `leaf`. Sizes are worked
 * out inside out first, then every byte is written once (depth 100,000 costs no more than its bytes).
 */
export function nested(fields: readonly number[], leaf: Uint8Array): Uint8Array {
  const sizes = new Array<number>(fields.length + 1);
  sizes[fields.length] = leaf.length;
  for (let i = fields.length - 1; i >= 0; i--) sizes[i] = varint(BigInt((fields[i]! << 3) | 2)).length + varint(BigInt(sizes[i + 1]!)).length + sizes[i + 1]!;
  const out = new Uint8Array(sizes[0]!);
  let pos = 0;
  for (let i = 0; i < fields.length; i++) {
    for (const bytes of [varint(BigInt((fields[i]! << 3) | 2)), varint(BigInt(sizes[i + 1]!))]) {
      out.set(bytes, pos);
      pos += bytes.length;
    }
  }
  out.set(leaf, pos);
  return out;
}

/** A request whose resource attribute is an array_value nested `depth` times. */
export function deepAnyValueRequest(depth: number): Uint8Array {
  // AnyValue.array_value (5) > ArrayValue.values (1) > AnyValue, `depth` times.
  const levels = Array.from({ length: depth * 2 }, (_, i) => (i % 2 === 0 ? 5 : 1));
  return withResourceAttribute('deep', nested(levels, stringValue(text('leaf'))));
}

/** OTLP/JSON with the same nesting. */
export function deepAnyValueJson(depth: number): string {
  const open = '{"arrayValue":{"values":['.repeat(depth);
  const close = ']}}'.repeat(depth);
  return `{"resourceSpans":[{"resource":{"attributes":[{"key":"deep","value":${open}{"stringValue":"leaf"}${close}}]}}]}`;
}

/** Bare nesting of `depth` field-1 messages (an OTLP shape only in its first levels). */
export function deepMessage(depth: number): Uint8Array {
  return nested(new Array<number>(depth).fill(1), new Uint8Array(0));
}
