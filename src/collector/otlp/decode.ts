// Full decode of OTLP protobuf into plain objects in the OTLP/JSON form: lowerCamelCase names, trace and
// span ids as hex, other bytes as base64, 64-bit integers as decimal strings, enums as integers. Only the
// debug exporter, the HTTP JSON path and tests use it; the hot path never decodes.
import type { Signal } from '../component.ts';
import { messageDef, type FieldDef, type MessageDef, SIGNAL_MESSAGES } from './schema.ts';
import { FieldReader, I32, I64, LEN, VARINT } from './wire.ts';

export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

const utf8 = new TextDecoder();
/** Deeper nesting (only possible through AnyValue arrays and maps) is refused rather than recursed into. */
export const MAX_DEPTH = 64;

/** The request as OTLP/JSON-shaped objects, e.g. `{ resourceSpans: [...] }`. Throws WireError. */
export function decodeRequest(signal: Signal, bytes: Uint8Array): JsonObject {
  const def = messageDef(SIGNAL_MESSAGES[signal].request);
  const decoded = decodeMessage(def, bytes, 0, bytes.length);
  const entries = def.fields[0]!.json;
  if (!(entries in decoded)) decoded[entries] = [];
  return decoded;
}

/** Decodes one message of type `def` held in `buf[start, end)`. */
function decodeMessage(def: MessageDef, buf: Uint8Array, start: number, end: number): JsonObject {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return decodeInto(def, buf, view, start, end, 0);
}

function decodeInto(def: MessageDef, buf: Uint8Array, view: DataView, start: number, end: number, depth: number): JsonObject {
  const out: JsonObject = {};
  const reader = new FieldReader().reset(buf, start, end, def.name);
  if (depth > MAX_DEPTH) throw reader.error(`nested deeper than ${MAX_DEPTH} messages`, start);
  while (reader.next()) {
    const field = def.byNumber.get(reader.field);
    if (!field) continue;
    if (field.repeated) {
      const list = (out[field.json] ??= []) as JsonValue[];
      if (reader.wireType === LEN && isPackable(field)) {
        readPacked(field, reader, view, list);
      } else {
        list.push(readValue(field, reader, buf, view, depth));
      }
      continue;
    }
    const value = readValue(field, reader, buf, view, depth);
    if (field.oneof) {
      for (const other of def.fields) if (other.oneof === field.oneof && other !== field) delete out[other.json];
    }
    const previous = out[field.json];
    // A message field seen twice is merged, as protobuf decoders do.
    out[field.json] = field.kind === 'message' && isObject(previous) ? merge(previous, value as JsonObject) : value;
  }
  return out;
}

function isPackable(field: FieldDef): boolean {
  return field.kind !== 'message' && field.kind !== 'string' && field.kind !== 'bytes' && field.kind !== 'id';
}

function expectedWireType(field: FieldDef): number {
  switch (field.kind) {
    case 'message': case 'string': case 'bytes': case 'id': return LEN;
    case 'fixed64': case 'sfixed64': case 'double': return I64;
    case 'fixed32': return I32;
    default: return VARINT;
  }
}

function readValue(field: FieldDef, reader: FieldReader, buf: Uint8Array, view: DataView, depth: number): JsonValue {
  reader.expect(expectedWireType(field), `${reader.message}.${field.name}`);
  const start = reader.valueStart;
  const end = reader.valueEnd;
  switch (field.kind) {
    case 'message':
      return decodeInto(messageDef(field.type), buf, view, start, end, depth + 1);
    case 'string':
      return utf8.decode(buf.subarray(start, end));
    case 'bytes':
      return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('base64');
    case 'id':
      return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('hex');
    default:
      return scalarAt(field, buf, view, start, end);
  }
}

function scalarAt(field: FieldDef, buf: Uint8Array, view: DataView, start: number, end: number): JsonValue {
  switch (field.kind) {
    case 'fixed64': return view.getBigUint64(start, true).toString();
    case 'sfixed64': return view.getBigInt64(start, true).toString();
    case 'double': return jsonDouble(view.getFloat64(start, true));
    case 'fixed32': return view.getUint32(start, true);
    case 'bool': return varintBig(buf, start, end) !== 0n;
    case 'int64': return BigInt.asIntN(64, varintBig(buf, start, end)).toString();
    case 'uint64': return BigInt.asUintN(64, varintBig(buf, start, end)).toString();
    case 'uint32': return Number(BigInt.asUintN(32, varintBig(buf, start, end)));
    case 'sint32': {
      const n = Number(BigInt.asUintN(32, varintBig(buf, start, end)));
      return (n >>> 1) ^ -(n & 1);
    }
    default: // int32, enum
      return Number(BigInt.asIntN(32, varintBig(buf, start, end)));
  }
}

function readPacked(field: FieldDef, reader: FieldReader, view: DataView, list: JsonValue[]): void {
  const buf = reader.buf;
  const wireType = expectedWireType(field);
  const name = `${reader.message}.${field.name}`;
  if (wireType === I64 || wireType === I32) {
    const width = wireType === I64 ? 8 : 4;
    const length = reader.valueEnd - reader.valueStart;
    if (length % width !== 0) throw reader.error(`${name}: packed length ${length} is not a multiple of ${width}`, reader.fieldStart);
    for (let at = reader.valueStart; at < reader.valueEnd; at += width) list.push(scalarAt(field, buf, view, at, at + width));
    return;
  }
  let at = reader.valueStart;
  while (at < reader.valueEnd) {
    const next = varintEnd(buf, at, reader.valueEnd);
    if (next < 0) throw reader.error(`${name}: truncated packed varint`, at);
    list.push(scalarAt(field, buf, view, at, next));
    at = next;
  }
}

function varintEnd(buf: Uint8Array, at: number, end: number): number {
  for (let i = at; i < end && i < at + 10; i++) if (buf[i]! < 0x80) return i + 1;
  return -1;
}

function varintBig(buf: Uint8Array, start: number, end: number): bigint {
  let value = 0n;
  let shift = 0n;
  for (let i = start; i < end; i++) {
    value |= BigInt(buf[i]! & 0x7f) << shift;
    shift += 7n;
  }
  return value;
}

/**
 * Doubles as OTLP/JSON writes them: numbers, or the strings proto3 JSON uses for non-finite values (and
 * "-0", which JSON.stringify would turn into 0).
 */
function jsonDouble(value: number): JsonValue {
  if (Object.is(value, -0)) return '-0';
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function merge(into: JsonObject, from: JsonObject): JsonObject {
  for (const [key, value] of Object.entries(from)) {
    const existing = into[key];
    if (Array.isArray(existing) && Array.isArray(value)) existing.push(...value);
    else if (isObject(existing) && isObject(value)) merge(existing, value);
    else into[key] = value;
  }
  return into;
}
