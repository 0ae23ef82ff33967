// A minimal protobuf field reader for the few small messages exporters read back from servers:
// google.rpc.Status (gRPC status details, HTTP error bodies), RetryInfo and the export responses'
// partial_success, as a list of fields on top of the codec's cursor. These messages are tiny and rare.
import { FieldReader, I64, LEN, VARINT } from '../otlp/wire.ts';

export type FieldValue = number | Uint8Array;

export interface Field {
  readonly field: number;
  /** Varints and fixed-width values as numbers (precise up to 2^53), length-delimited as views. */
  readonly value: FieldValue;
}

const reader = new FieldReader();

/** Top-level fields of one message, in wire order. Throws a WireError on malformed input. */
export function readFields(bytes: Uint8Array): Field[] {
  const fields: Field[] = [];
  const r = reader.reset(bytes, 0, bytes.length, 'message');
  while (r.next()) {
    const { field, wireType, valueStart, valueEnd } = r;
    if (wireType === LEN) {
      fields.push({ field, value: bytes.subarray(valueStart, valueEnd) });
    } else if (wireType === VARINT) {
      fields.push({ field, value: r.varint() });
    } else {
      const view = new DataView(bytes.buffer, bytes.byteOffset + valueStart, valueEnd - valueStart);
      fields.push({ field, value: wireType === I64 ? Number(view.getBigUint64(0, true)) : view.getUint32(0, true) });
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
