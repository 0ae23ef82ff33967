// OTLP/JSON <-> protobuf. The JSON mapping is proto3's with OTLP's exceptions: trace and span ids are hex,
// enums may be integers or names, 64-bit integers may be strings or numbers, field names lowerCamelCase
// (snake_case accepted), unknown fields ignored. Errors name the JSON path of the offending value.
import type { Signal } from '../component.ts';
import { decodeRequest, type JsonObject, MAX_DEPTH } from './decode.ts';
import { ENUMS, messageDef, type FieldDef, type MessageDef, SIGNAL_MESSAGES } from './schema.ts';
import { ProtoWriter } from './proto-writer.ts';
import { I32, I64, LEN, VARINT } from './wire.ts';
import { WireError } from './wire-error.ts';

/** Protobuf bytes of the Export*ServiceRequest given as OTLP/JSON (text, UTF-8 bytes or parsed value). */
export function jsonToProtobuf(signal: Signal, json: string | Uint8Array | object): Uint8Array {
  const value = typeof json === 'string' ? parseJson(json) : json instanceof Uint8Array ? parseJson(Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8')) : json;
  const writer = new ProtoWriter(typeof json === 'string' ? json.length : 4096);
  encodeMessage(messageDef(SIGNAL_MESSAGES[signal].request), value, writer, []);
  return writer.finish();
}

/** Protobuf bytes of one AnyValue given in its OTLP/JSON form (`{ stringValue: "a" }`). */
export function anyValueToProtobuf(json: object): Uint8Array {
  const writer = new ProtoWriter(64);
  encodeMessage(messageDef('AnyValue'), json, writer, []);
  return writer.finish();
}

/** The request as an OTLP/JSON value (pass it to JSON.stringify). */
export function protobufToJson(signal: Signal, bytes: Uint8Array): JsonObject {
  return decodeRequest(signal, bytes);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new WireError(`invalid JSON: ${(error as Error).message}`, '$');
  }
}

type Path = (string | number)[];

function fail(message: string, path: Path): WireError {
  let where = '$';
  for (const segment of path) where += typeof segment === 'number' ? `[${segment}]` : `.${segment}`;
  return new WireError(message, where);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function encodeMessage(def: MessageDef, value: unknown, w: ProtoWriter, path: Path): void {
  if (!isPlainObject(value)) throw fail(`expected an object (${def.name})`, path);
  if (path.length > 3 * MAX_DEPTH) throw fail(`nested deeper than ${MAX_DEPTH} messages`, path);
  for (const field of def.fields) {
    let fieldValue = value[field.json];
    if (fieldValue === undefined) fieldValue = value[field.name];
    if (fieldValue === undefined || fieldValue === null) continue;
    path.push(field.json);
    if (field.repeated) encodeRepeated(field, fieldValue, w, path);
    else encodeField(field, fieldValue, w, path, field.hasPresence);
    path.pop();
  }
}

function encodeRepeated(field: FieldDef, values: unknown, w: ProtoWriter, path: Path): void {
  if (!Array.isArray(values)) throw fail('expected an array', path);
  if (values.length === 0) return;
  const packed = field.kind !== 'message' && field.kind !== 'string' && field.kind !== 'bytes' && field.kind !== 'id';
  if (!packed) {
    for (let i = 0; i < values.length; i++) {
      path.push(i);
      encodeField(field, values[i], w, path, true);
      path.pop();
    }
    return;
  }
  w.tag(field.no, LEN);
  const at = w.fork();
  for (let i = 0; i < values.length; i++) {
    path.push(i);
    writeScalar(field, values[i], w, path);
    path.pop();
  }
  w.join(at);
}

/** One field with its tag; scalars equal to their default are left out unless the field has presence. */
function encodeField(field: FieldDef, value: unknown, w: ProtoWriter, path: Path, always: boolean): void {
  switch (field.kind) {
    case 'message': {
      w.tag(field.no, LEN);
      const at = w.fork();
      encodeMessage(messageDef(field.type), value, w, path);
      w.join(at);
      return;
    }
    case 'string': {
      if (typeof value !== 'string') throw fail('expected a string', path);
      if (value === '' && !always) return;
      w.tag(field.no, LEN);
      w.string(value);
      return;
    }
    case 'bytes':
    case 'id': {
      const bytes = field.kind === 'id' ? hexId(field, value, path) : base64(value, path);
      if (bytes.length === 0 && !always) return;
      w.tag(field.no, LEN);
      w.bytes(bytes);
      return;
    }
    default: {
      if (!always && isDefault(field, value)) return;
      w.tag(field.no, scalarWireType(field));
      writeScalar(field, value, w, path);
    }
  }
}

function scalarWireType(field: FieldDef): number {
  switch (field.kind) {
    case 'fixed64': case 'sfixed64': case 'double': return I64;
    case 'fixed32': return I32;
    default: return VARINT;
  }
}

function isDefault(field: FieldDef, value: unknown): boolean {
  if (field.kind === 'bool') return value === false;
  if (field.kind === 'double') return typeof value === 'number' && Object.is(value, 0);
  if (field.kind === 'enum') return value === 0 || (typeof value === 'string' && ENUMS[field.type]?.[0] === value);
  return value === 0 || value === '0';
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function writeScalar(field: FieldDef, value: unknown, w: ProtoWriter, path: Path): void {
  switch (field.kind) {
    case 'bool':
      if (typeof value !== 'boolean') throw fail('expected true or false', path);
      w.varint(value ? 1 : 0);
      return;
    case 'double':
      w.double(toDouble(value, path));
      return;
    case 'fixed32':
      w.fixed32(toInteger(value, 0n, 0xffffffffn, path));
      return;
    case 'fixed64':
      w.fixed64(BigInt(toInteger(value, 0n, UINT64_MAX, path)));
      return;
    case 'sfixed64':
      w.fixed64(BigInt.asUintN(64, BigInt(toInteger(value, INT64_MIN, INT64_MAX, path))));
      return;
    case 'int64':
      w.varint64(BigInt.asUintN(64, BigInt(toInteger(value, INT64_MIN, INT64_MAX, path))));
      return;
    case 'uint64':
      w.varint64(BigInt(toInteger(value, 0n, UINT64_MAX, path)));
      return;
    case 'uint32':
      w.varint(Number(toInteger(value, 0n, 0xffffffffn, path)));
      return;
    case 'sint32': {
      const n = Number(toInteger(value, -(2n ** 31n), 2n ** 31n - 1n, path));
      w.varint(((n << 1) ^ (n >> 31)) >>> 0);
      return;
    }
    case 'enum':
      w.varint64(BigInt.asUintN(64, BigInt(enumValue(field, value, path))));
      return;
    default: // int32
      w.varint64(BigInt.asUintN(64, BigInt(toInteger(value, -(2n ** 31n), 2n ** 31n - 1n, path))));
  }
}

function enumValue(field: FieldDef, value: unknown, path: Path): number {
  if (typeof value === 'string' && !/^-?\d+$/.test(value)) {
    const index = ENUMS[field.type]?.indexOf(value) ?? -1;
    if (index < 0) throw fail(`unknown ${field.type} value "${value}"`, path);
    return index;
  }
  return Number(toInteger(value, -(2n ** 31n), 2n ** 31n - 1n, path));
}

/** An integer given as a JSON number or a decimal string, checked against [min, max]. */
function toInteger(value: unknown, min: bigint, max: bigint, path: Path): number | bigint {
  let big: bigint;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw fail(`expected an integer, got ${value}`, path);
    big = BigInt(value);
  } else if (typeof value === 'string' && /^-?\d+$/.test(value)) {
    big = BigInt(value);
  } else {
    throw fail(`expected an integer, got ${JSON.stringify(value)}`, path);
  }
  if (big < min || big > max) throw fail(`integer ${big} out of range`, path);
  return max <= 0xffffffffn ? Number(big) : big;
}

function toDouble(value: unknown, path: Path): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  throw fail(`expected a number, got ${JSON.stringify(value)}`, path);
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function hexId(field: FieldDef, value: unknown, path: Path): Uint8Array {
  if (typeof value !== 'string' || !HEX.test(value)) throw fail('expected a hex id', path);
  if (value === '') return new Uint8Array(0);
  const length = field.name === 'trace_id' ? 16 : 8;
  if (value.length !== length * 2) throw fail(`expected ${length * 2} hex characters, got ${value.length}`, path);
  return Buffer.from(value, 'hex');
}

function base64(value: unknown, path: Path): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) throw fail('expected base64 bytes', path);
  return Buffer.from(value, 'base64');
}
