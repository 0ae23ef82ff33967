// Single fields of an encoded Span that tail_sampling's policies read in place: status code, start and end times,
// flags; and Go's duration arithmetic on timestamps.
import { FieldReader, I32, I64, LEN, VARINT } from '../otlp/wire.ts';

const SPAN_START = 7;
const SPAN_END = 8;
const SPAN_TRACE_STATE = 3;
const SPAN_STATUS = 15;
const SPAN_FLAGS = 16;
const STATUS_CODE = 3;
const spanReader = new FieldReader();
const statusReader = new FieldReader();

function fixed64(buf: Uint8Array, at: number): bigint {
  const lo = (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24)) >>> 0;
  const hi = (buf[at + 4]! | (buf[at + 5]! << 8) | (buf[at + 6]! << 16) | (buf[at + 7]! << 24)) >>> 0;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** A span's status code (0 when absent). */
export function spanStatusCode(span: Uint8Array): number {
  let code = 0;
  const r = spanReader.reset(span, 0, span.length, 'Span');
  while (r.next()) {
    if (r.field !== SPAN_STATUS || r.wireType !== LEN) continue;
    const s = statusReader.reset(span, r.valueStart, r.valueEnd, 'Status');
    while (s.next()) if (s.field === STATUS_CODE && s.wireType === VARINT) code = s.varint();
  }
  return code;
}

/** A span's start and end timestamps (ns, 0 when absent). */
export function spanTimes(span: Uint8Array): [bigint, bigint] {
  let start = 0n;
  let end = 0n;
  const r = spanReader.reset(span, 0, span.length, 'Span');
  while (r.next()) {
    if (r.wireType !== I64) continue;
    if (r.field === SPAN_START) start = fixed64(span, r.valueStart);
    else if (r.field === SPAN_END) end = fixed64(span, r.valueStart);
  }
  return [start, end];
}

export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;

/** Go's maxTime.AsTime().Sub(minTime.AsTime()).Milliseconds(): nanoseconds as int64, saturated, truncated to ms. */
export function durationMs(min: bigint, max: bigint): bigint {
  let ns = BigInt.asIntN(64, max) - BigInt.asIntN(64, min);
  if (ns > INT64_MAX) ns = INT64_MAX;
  if (ns < INT64_MIN) ns = INT64_MIN;
  return ns / 1_000_000n;
}

/** A span's flags (fixed32 field 16; 0 when absent). */
export function spanFlags(span: Uint8Array): number {
  let flags = 0;
  const r = spanReader.reset(span, 0, span.length, 'Span');
  while (r.next()) {
    if (r.field === SPAN_FLAGS && r.wireType === I32) flags = (span[r.valueStart]! | (span[r.valueStart + 1]! << 8) | (span[r.valueStart + 2]! << 16) | (span[r.valueStart + 3]! << 24)) >>> 0;
  }
  return flags;
}

/** A span's trace_state (last occurrence) as a byte string (latin1), '' when absent. */
export function spanTraceState(span: Uint8Array): string {
  let text = '';
  const r = spanReader.reset(span, 0, span.length, 'Span');
  while (r.next()) {
    if (r.field === SPAN_TRACE_STATE && r.wireType === LEN) text = Buffer.from(span.buffer, span.byteOffset + r.valueStart, r.valueEnd - r.valueStart).toString('latin1');
  }
  return text;
}
