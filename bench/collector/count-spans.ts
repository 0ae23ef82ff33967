// Counts spans in an encoded ExportTraceServiceRequest by walking the wire format:
// request.1 ResourceSpans -> .2 ScopeSpans -> .2 Span. The benchmark's referee, so it
// is written here rather than borrowed from the collector under test.
import { gunzipSync } from 'node:zlib';

function varint(buf: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++] as number;
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, pos];
    shift += 7;
    if (shift > 63) throw new Error('varint too long');
  }
}

/** Calls `onField(field, start, end)` for each length-delimited field of buf[start, end). */
function eachLen(buf: Uint8Array, start: number, end: number, onField: (field: number, s: number, e: number) => void): void {
  let pos = start;
  while (pos < end) {
    const [tag, afterTag] = varint(buf, pos);
    const wire = tag & 7;
    pos = afterTag;
    if (wire === 0) pos = varint(buf, pos)[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, body] = varint(buf, pos);
      pos = body + len;
      if (pos > end) throw new Error('length past end of message');
      onField(Math.floor(tag / 8), body, pos);
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  if (pos !== end) throw new Error('field past end of message');
}

export function countSpans(buf: Uint8Array): number {
  let spans = 0;
  eachLen(buf, 0, buf.length, (f, s, e) => {
    if (f !== 1) return;
    eachLen(buf, s, e, (f2, s2, e2) => {
      if (f2 !== 2) return;
      eachLen(buf, s2, e2, (f3) => { if (f3 === 2) spans++; });
    });
  });
  return spans;
}

/** Spans in the length-prefixed gRPC messages of one request body. */
export function countGrpcBody(body: Buffer): number {
  let n = 0;
  let pos = 0;
  while (pos + 5 <= body.length) {
    const compressed = body[pos] === 1;
    const len = body.readUInt32BE(pos + 1);
    const msg = body.subarray(pos + 5, pos + 5 + len);
    if (msg.length !== len) throw new Error('truncated gRPC message');
    n += countSpans(compressed ? gunzipSync(msg) : msg);
    pos += 5 + len;
  }
  return n;
}
