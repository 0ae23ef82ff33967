// The attributes processor's hash action (upstream semantics): SHA-256 of the value's bytes, hex encoded, as a
// string. Strings hash their UTF-8 bytes (the empty string too), booleans one byte, ints and doubles their 8
// little-endian bytes; other types become "". Runs once per item and key, so the common case is kept cheap: the
// hashes of recent short values are remembered (attribute values repeat across items), and an ASCII string is
// hashed straight from its encoded bytes.
import { hash } from 'node:crypto';
import { decodeAnyValue, encodeAnyValue } from '../otlp/any-value.ts';
import { rangeEquals } from '../otlp/attributes.ts';

const SLOTS = 512;
/** Longer encoded values are hashed every time: caching them would keep large copies resident. */
const MAX_CACHED = 96;
const HEX_LENGTH = 64;
/** AnyValue field 1 (string_value), wire type LEN. */
const STRING_TAG = 0x0a;

/** Encoded AnyValue -> encoded hashed AnyValue. */
export function hashValue(encoded: Uint8Array): Uint8Array {
  const text = asciiString(encoded);
  if (text) return hexString(hash('sha256', text, 'hex'));
  const value = decodeAnyValue(encoded);
  let bytes: Buffer | undefined;
  switch (value.type) {
    case 'string':
      bytes = Buffer.from(value.value, 'utf8');
      break;
    case 'bool':
      bytes = Buffer.of(value.value ? 1 : 0);
      break;
    case 'int':
      bytes = Buffer.alloc(8);
      bytes.writeBigInt64LE(value.value);
      break;
    case 'double':
      bytes = Buffer.alloc(8);
      bytes.writeDoubleLE(value.value);
      break;
  }
  // One-shot hash: no Hash object per value (0.8 vs 1.3 us for a short value).
  return encodeAnyValue({ type: 'string', value: bytes ? hash('sha256', bytes, 'hex') : '' });
}

/**
 * The string's bytes when `encoded` is exactly one non-empty string_value of ASCII (so its UTF-8 bytes are the
 * wire bytes, whatever a decoder would do with invalid UTF-8), else undefined.
 */
function asciiString(encoded: Uint8Array): Uint8Array | undefined {
  const length = encoded[1]!;
  if (encoded.length < 3 || encoded[0] !== STRING_TAG || length >= 0x80 || length + 2 !== encoded.length) return undefined;
  for (let i = 2; i < encoded.length; i++) if (encoded[i]! >= 0x80) return undefined;
  return new Uint8Array(encoded.buffer, encoded.byteOffset + 2, length);
}

function hexString(hex: string): Uint8Array {
  const out = Buffer.allocUnsafe(2 + HEX_LENGTH);
  out[0] = STRING_TAG;
  out[1] = HEX_LENGTH;
  out.write(hex, 2, 'latin1');
  return out;
}

/** hashValue with a direct-mapped memory of recent values; a colliding value replaces the slot's entry. */
export class HashCache {
  private readonly keys: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(SLOTS).fill(undefined);
  private readonly results: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(SLOTS).fill(undefined);

  /** The hash of the encoded AnyValue at buf[start, end). */
  hash(buf: Uint8Array, start = 0, end = buf.length): Uint8Array {
    const length = end - start;
    if (length > MAX_CACHED) return hashValue(buf.subarray(start, end));
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    const slot = (h >>> 0) & (SLOTS - 1);
    const cached = this.keys[slot];
    if (cached !== undefined && rangeEquals(buf, start, end, cached)) return this.results[slot]!;
    // A copy (Buffer's own slice would be a view): the value is in a receive buffer, which a view would keep alive.
    const key = Uint8Array.prototype.slice.call(buf, start, end);
    const result = hashValue(key);
    this.keys[slot] = key;
    this.results[slot] = result;
    return result;
  }
}
