// Protobuf wire-format primitives on Uint8Array: a reusable field cursor that validates wire types and
// bounds, and varint writing. Reading a field allocates nothing; values stay in the buffer.
import { WireError } from './wire-error.ts';

export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

const WIRE_TYPE_NAMES = ['VARINT', 'I64', 'LEN', 'SGROUP', 'EGROUP', 'I32', 'wire type 6', 'wire type 7'];

function wireTypeName(wireType: number): string {
  return WIRE_TYPE_NAMES[wireType] ?? `wire type ${wireType}`;
}

const EMPTY = new Uint8Array(0);

/**
 * Cursor over the fields of one protobuf message in `buf[pos, end)`. `next()` reads one field header and
 * value extent; the caller looks at `field`, `wireType`, `valueStart`/`valueEnd` (LEN: the body; other wire
 * types: the value bytes) and `fieldStart` (the tag, for copying the field verbatim). Reuse one instance per
 * nesting level so a scan allocates nothing per field.
 */
export class FieldReader {
  buf: Uint8Array = EMPTY;
  pos = 0;
  end = 0;
  /** Message name used in error messages. */
  message = '';
  field = 0;
  wireType = 0;
  fieldStart = 0;
  valueStart = 0;
  valueEnd = 0;
  /** Offset after the last varint read by readVarint. */
  private at = 0;

  reset(buf: Uint8Array, start: number, end: number, message: string): this {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.message = message;
    return this;
  }

  /** Reads the next field header and skips its value; false at the end of the message. */
  next(): boolean {
    const pos = this.pos;
    if (pos >= this.end) return false;
    this.fieldStart = pos;
    const tag = this.readVarint(pos);
    let at = this.at;
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 0 || field > 0x1fffffff) throw this.error(`invalid field number ${field}`, pos);
    this.field = field;
    this.wireType = wireType;
    switch (wireType) {
      case LEN: {
        const length = this.readVarint(at);
        at = this.at;
        if (length > this.end - at) {
          throw this.error(`field ${field}: length ${length} exceeds the ${this.end - at} bytes left in the message`, pos);
        }
        this.valueStart = at;
        this.valueEnd = at + length;
        break;
      }
      case VARINT:
        this.valueStart = at;
        this.readVarint(at);
        this.valueEnd = this.at;
        break;
      case I64:
        if (this.end - at < 8) throw this.error(`field ${field}: truncated 64-bit value`, pos);
        this.valueStart = at;
        this.valueEnd = at + 8;
        break;
      case I32:
        if (this.end - at < 4) throw this.error(`field ${field}: truncated 32-bit value`, pos);
        this.valueStart = at;
        this.valueEnd = at + 4;
        break;
      default:
        throw this.error(`field ${field}: unsupported ${wireTypeName(wireType)}`, pos);
    }
    this.pos = this.valueEnd;
    return true;
  }

  /** Throws unless the current field has the wire type its schema declares. */
  expect(wireType: number, fieldName: string): void {
    if (this.wireType !== wireType) {
      throw this.error(`${fieldName}: expected ${wireTypeName(wireType)}, got ${wireTypeName(this.wireType)}`, this.fieldStart);
    }
  }

  /** Value of the current VARINT field as a number (exact below 2^53). */
  varint(): number {
    return this.readVarint(this.valueStart);
  }

  error(message: string, offset: number): WireError {
    return new WireError(`malformed ${this.message}: ${message}`, offset);
  }

  private readVarint(pos: number): number {
    const buf = this.buf;
    const end = this.end;
    if (pos < end) {
      const b0 = buf[pos]!;
      if (b0 < 0x80) {
        this.at = pos + 1;
        return b0;
      }
      if (pos + 1 < end) {
        const b1 = buf[pos + 1]!;
        if (b1 < 0x80) {
          this.at = pos + 2;
          return (b0 & 0x7f) | (b1 << 7);
        }
      }
    }
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos + i >= end) throw this.error('truncated varint', pos);
      const b = buf[pos + i]!;
      if (i === 9 && b > 1) throw this.error('varint overflows 64 bits', pos);
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) {
        this.at = pos + i + 1;
        return value;
      }
    }
    throw this.error('varint longer than 10 bytes', pos);
  }
}

/** Bytes needed for `value` (an unsigned integer below 2^53) as a varint. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let size = 4;
  let rest = Math.floor(value / 0x10000000);
  while (rest > 0) {
    size++;
    rest = Math.floor(rest / 128);
  }
  return size;
}

/** Writes `value` (an unsigned integer below 2^53) as a varint at `pos`; returns the offset after it. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  while (value >= 0x80) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value = value >= 0x80000000 ? Math.floor(value / 128) : value >>> 7;
  }
  buf[pos++] = value;
  return pos;
}

/** Size of a length-delimited field: tag, length and body. */
export function lenFieldSize(field: number, bodyLength: number): number {
  return varintSize(field * 8 + LEN) + varintSize(bodyLength) + bodyLength;
}

/** Writes the tag and length of a length-delimited field; returns the offset of the body. */
export function writeLenHeader(buf: Uint8Array, pos: number, field: number, bodyLength: number): number {
  return writeVarint(buf, writeVarint(buf, pos, field * 8 + LEN), bodyLength);
}
