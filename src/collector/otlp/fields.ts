// Reading single fields of an encoded message without decoding the rest: what processors need to look at
// an item (a span's trace id, name or kind, a log record's severity) cheaply.
import { FieldReader, LEN, VARINT } from './wire.ts';

const reader = new FieldReader();
const utf8 = new TextDecoder();

/**
 * View of the first length-delimited field `field` of `message` (body only), or undefined. The first
 * occurrence is enough for singular fields real encoders write once (ids, names) and stops the scan early.
 */
export function firstLenField(message: Uint8Array, field: number, name = 'message'): Uint8Array | undefined {
  const r = reader.reset(message, 0, message.length, name);
  while (r.next()) {
    if (r.field === field && r.wireType === LEN) return message.subarray(r.valueStart, r.valueEnd);
  }
  return undefined;
}

/** The last occurrence of a length-delimited field (protobuf semantics for singular fields). */
export function lastLenField(message: Uint8Array, field: number, name = 'message'): Uint8Array | undefined {
  const r = reader.reset(message, 0, message.length, name);
  let start = -1;
  let end = -1;
  while (r.next()) {
    if (r.field === field && r.wireType === LEN) {
      start = r.valueStart;
      end = r.valueEnd;
    }
  }
  return start < 0 ? undefined : message.subarray(start, end);
}

/** A string field (last occurrence), or '' when absent. */
export function stringField(message: Uint8Array, field: number, name = 'message'): string {
  const view = lastLenField(message, field, name);
  return view ? utf8.decode(view) : '';
}

/** A varint field (last occurrence) as a number, or 0 when absent. */
export function varintField(message: Uint8Array, field: number, name = 'message'): number {
  const r = reader.reset(message, 0, message.length, name);
  let value = 0;
  while (r.next()) if (r.field === field && r.wireType === VARINT) value = r.varint();
  return value;
}
