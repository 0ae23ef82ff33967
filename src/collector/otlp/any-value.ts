// AnyValue (an attribute value or log body) between its encoded form and what processors compare,
// hash and configure.
import { bytesEqual, keyBytes, keyValuePiece } from './attributes.ts';
import { encodePieces, nestedField, type Piece } from './pieces.ts';
import { ANY_ARRAY, ANY_BOOL, ANY_BYTES, ANY_DOUBLE, ANY_INT, ANY_KVLIST, ANY_STRING } from './schema.ts';
import { FieldReader, I64, LEN, VARINT } from './wire.ts';

const utf8 = new TextDecoder();
const reader = new FieldReader();

/** A decoded AnyValue; arrays and key-value lists stay encoded. */
export type AnyValue =
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'int'; readonly value: bigint }
  | { readonly type: 'double'; readonly value: number }
  | { readonly type: 'bytes' | 'array' | 'kvlist'; readonly value: Uint8Array }
  | { readonly type: 'empty' };

/** Decodes an encoded AnyValue (the last oneof member on the wire wins). */
export function decodeAnyValue(bytes: Uint8Array): AnyValue {
  const r = reader.reset(bytes, 0, bytes.length, 'AnyValue');
  let result: AnyValue = { type: 'empty' };
  while (r.next()) {
    const body = bytes.subarray(r.valueStart, r.valueEnd);
    switch (r.field) {
      case ANY_STRING: r.expect(LEN, 'string_value'); result = { type: 'string', value: utf8.decode(body) }; break;
      case ANY_BOOL: r.expect(VARINT, 'bool_value'); result = { type: 'bool', value: r.varint() !== 0 }; break;
      case ANY_INT: r.expect(VARINT, 'int_value'); result = { type: 'int', value: BigInt.asIntN(64, varint64(body)) }; break;
      case ANY_DOUBLE:
        r.expect(I64, 'double_value');
        result = { type: 'double', value: new DataView(bytes.buffer, bytes.byteOffset + r.valueStart, 8).getFloat64(0, true) };
        break;
      case ANY_ARRAY: r.expect(LEN, 'array_value'); result = { type: 'array', value: body }; break;
      case ANY_KVLIST: r.expect(LEN, 'kvlist_value'); result = { type: 'kvlist', value: body }; break;
      case ANY_BYTES: r.expect(LEN, 'bytes_value'); result = { type: 'bytes', value: body }; break;
    }
  }
  return result;
}

function varint64(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = 0; i < bytes.length; i++) value |= BigInt(bytes[i]! & 0x7f) << BigInt(7 * i);
  return value;
}

/** Encodes an AnyValue. */
export function encodeAnyValue(value: AnyValue): Uint8Array {
  return encodePieces(anyValuePieces(value));
}

function anyValuePieces(value: AnyValue): Piece[] {
  switch (value.type) {
    case 'string': return [nestedField(ANY_STRING, [Buffer.from(value.value, 'utf8')])];
    case 'bool': return [Uint8Array.of(ANY_BOOL * 8 + VARINT, value.value ? 1 : 0)];
    case 'int': return [varintField(ANY_INT, BigInt.asUintN(64, value.value))];
    case 'double': {
      const out = new Uint8Array(9);
      out[0] = ANY_DOUBLE * 8 + I64;
      new DataView(out.buffer).setFloat64(1, value.value, true);
      return [out];
    }
    case 'bytes': return [nestedField(ANY_BYTES, [value.value])];
    case 'array': return [nestedField(ANY_ARRAY, [value.value])];
    case 'kvlist': return [nestedField(ANY_KVLIST, [value.value])];
    default: return [];
  }
}

function varintField(field: number, value: bigint): Uint8Array {
  const bytes = [field * 8 + VARINT];
  while (value >= 0x80n) {
    bytes.push(Number(value & 0x7fn) | 0x80);
    value >>= 7n;
  }
  bytes.push(Number(value));
  return Uint8Array.from(bytes);
}

/**
 * An AnyValue from a config value, typed as upstream's pcommon FromRaw types it: strings, booleans,
 * integers, other numbers as doubles, lists and maps (encoded), null as empty.
 */
export function anyValueFromConfig(value: unknown): AnyValue {
  if (value === null || value === undefined) return { type: 'empty' };
  if (typeof value === 'string') return { type: 'string', value };
  if (typeof value === 'boolean') return { type: 'bool', value };
  if (typeof value === 'bigint') return { type: 'int', value };
  if (typeof value === 'number') return Number.isInteger(value) ? { type: 'int', value: BigInt(value) } : { type: 'double', value };
  if (Array.isArray(value)) {
    return { type: 'array', value: encodePieces(value.map((item) => nestedField(1, anyValuePieces(anyValueFromConfig(item))))) };
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([key, item]) =>
      keyValuePiece(1, keyBytes(key), encodeAnyValue(anyValueFromConfig(item))));
    return { type: 'kvlist', value: encodePieces(entries) };
  }
  throw new Error(`unsupported attribute value ${String(value)}`);
}

/** The value as text the way upstream's filters compare it (undefined for lists, maps, bytes, empty). */
export function anyValueText(value: AnyValue): string | undefined {
  switch (value.type) {
    case 'string': return value.value;
    case 'bool': return value.value ? 'true' : 'false';
    case 'int': return value.value.toString();
    case 'double': return String(value.value);
    default: return undefined;
  }
}

export function anyValueEquals(a: AnyValue, b: AnyValue): boolean {
  if (a.type !== b.type) return false;
  if (a.type === 'empty') return true;
  const av = (a as { value: unknown }).value;
  const bv = (b as { value: unknown }).value;
  if (av instanceof Uint8Array && bv instanceof Uint8Array) return bytesEqual(av, bv);
  return av === bv;
}
