// A minimal protobuf field reader for the few small messages exporters read back from servers:
// google.rpc.Status (gRPC status details, HTTP error bodies), RetryInfo and the export responses'
// partial_success. The hot-path codec lives in ../otlp; these messages are tiny and rare.

export type FieldValue = number | Uint8Array;

export interface Field {
  readonly field: number;
  /** Varints and fixed-width values as numbers (precise up to 2^53), length-delimited as views. */
  readonly value: FieldValue;
}

function readVarint(bytes: Uint8Array, start: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let pos = start; pos < bytes.length && pos - start < 10; pos++) {
    const byte = bytes[pos]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, pos + 1];
    scale *= 128;
  }
  throw new Error('truncated or overlong varint');
}

/** Top-level fields of one message, in wire order. Throws on malformed input. */
export function readFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const [tag, afterTag] = readVarint(bytes, pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 0) throw new Error('field number 0');
    if (wire === 0) {
      const [value, next] = readVarint(bytes, afterTag);
      fields.push({ field, value });
      pos = next;
    } else if (wire === 2) {
      const [length, body] = readVarint(bytes, afterTag);
      if (body + length > bytes.length) throw new Error('length-delimited field past end of message');
      fields.push({ field, value: bytes.subarray(body, body + length) });
      pos = body + length;
    } else if (wire === 1 || wire === 5) {
      const width = wire === 1 ? 8 : 4;
      if (afterTag + width > bytes.length) throw new Error('fixed-width field past end of message');
      const view = new DataView(bytes.buffer, bytes.byteOffset + afterTag, width);
      fields.push({ field, value: wire === 1 ? Number(view.getBigUint64(0, true)) : view.getUint32(0, true) });
      pos = afterTag + width;
    } else {
      throw new Error(`unsupported wire type ${wire}`);
    }
  }
  return fields;
}

/** int64/int32 fields arrive as unsigned varints; negative values are 10-byte two's complement. */
export function signed(value: number): number {
  return value >= 2 ** 63 ? value - 2 ** 64 : value;
}

const utf8 = new TextDecoder();

export function text(value: FieldValue | undefined): string {
  return value instanceof Uint8Array ? utf8.decode(value) : '';
}
