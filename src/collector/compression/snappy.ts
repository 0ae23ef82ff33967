// Snappy in its two wire forms: the raw block (HTTP `Content-Encoding: snappy`) and the framing format
// (HTTP `x-snappy-framed`; gRPC `grpc-encoding: snappy`, as upstream's gRPC codec writes it). Blocks are
// compressed by snappyjs; decoding is our own, strict and bounded: the declared sizes are checked
// against the limit before anything is allocated, and a block must produce exactly its declared length
// (snappyjs' decoder silently truncates or zero-pads a block whose contents disagree with its header).
import snappyjs from 'snappyjs';
import { maskedCrc32c } from './checksums.ts';
import { malformed, tooLarge } from './errors.ts';

const STREAM_IDENTIFIER = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]);
const CHUNK_COMPRESSED = 0x00;
const CHUNK_UNCOMPRESSED = 0x01;
const CHUNK_STREAM_IDENTIFIER = 0xff;
/** Uncompressed bytes per framed chunk, as the format requires. */
const FRAME_CHUNK = 65_536;

/** The uncompressed length a block declares, and where its elements start. */
function blockHeader(input: Uint8Array, start: number, end: number, encoding: string): { length: number; at: number } {
  let length = 0;
  for (let i = start, shift = 0; i < end && shift < 35; i++, shift += 7) {
    const byte = input[i]!;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) {
      if (length > 0xffffffff) break;
      return { length, at: i + 1 };
    }
  }
  throw malformed(encoding, 'bad block length');
}

/** Decodes the block elements in input[at, end) into out[pos, pos + length); throws unless they fill it exactly. */
function decodeElements(input: Uint8Array, at: number, end: number, out: Buffer, pos: number, length: number, encoding: string): void {
  const start = pos;
  const stop = pos + length;
  let i = at;
  while (i < end) {
    const tag = input[i++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let n = (tag >>> 2) + 1;
      if (n > 60) {
        const bytes = n - 60;
        if (i + bytes > end) throw malformed(encoding, 'truncated literal');
        n = 0;
        for (let b = 0; b < bytes; b++) n += input[i + b]! * 2 ** (8 * b);
        n += 1;
        i += bytes;
      }
      if (i + n > end || pos + n > stop) throw malformed(encoding, 'literal overruns the block');
      out.set(input.subarray(i, i + n), pos);
      i += n;
      pos += n;
      continue;
    }
    let n: number;
    let offset: number;
    if (kind === 1) {
      if (i >= end) throw malformed(encoding, 'truncated copy');
      n = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | input[i++]!;
    } else if (kind === 2) {
      if (i + 2 > end) throw malformed(encoding, 'truncated copy');
      n = (tag >>> 2) + 1;
      offset = input[i]! | (input[i + 1]! << 8);
      i += 2;
    } else {
      if (i + 4 > end) throw malformed(encoding, 'truncated copy');
      n = (tag >>> 2) + 1;
      offset = (input[i]! | (input[i + 1]! << 8) | (input[i + 2]! << 16)) + input[i + 3]! * 2 ** 24;
      i += 4;
    }
    if (offset === 0 || offset > pos - start) throw malformed(encoding, 'copy offset out of range');
    if (pos + n > stop) throw malformed(encoding, 'copy overruns the block');
    if (offset >= n) {
      out.copyWithin(pos, pos - offset, pos - offset + n);
      pos += n;
    } else {
      for (const last = pos + n; pos < last; pos++) out[pos] = out[pos - offset]!;
    }
  }
  if (pos !== stop) throw malformed(encoding, `block declares ${length} bytes but holds ${pos - start}`);
}

export function decodeSnappyBlock(input: Uint8Array, limit: number, encoding = 'snappy'): Buffer {
  const { length, at } = blockHeader(input, 0, input.length, encoding);
  if (length > limit) throw tooLarge(limit);
  const out = Buffer.allocUnsafe(length);
  decodeElements(input, at, input.length, out, 0, length, encoding);
  return out;
}

interface Chunk {
  readonly type: number;
  readonly start: number;
  readonly end: number;
}

function* chunks(input: Uint8Array, encoding: string): Generator<Chunk> {
  for (let i = 0; i < input.length;) {
    if (i + 4 > input.length) throw malformed(encoding, 'truncated chunk header');
    const type = input[i]!;
    const end = i + 4 + (input[i + 1]! | (input[i + 2]! << 8) | (input[i + 3]! << 16));
    if (end > input.length) throw malformed(encoding, 'truncated chunk');
    yield { type, start: i + 4, end };
    i = end;
  }
}

/** Decodes the snappy framing format, checking every chunk's CRC-32C. */
export function decodeSnappyFramed(input: Uint8Array, limit: number, encoding = 'x-snappy-framed'): Buffer {
  // First pass: validate the chunk structure and add up the declared sizes, so the output is allocated
  // once, at its exact size, and only when it fits the limit.
  let total = 0;
  let first = true;
  for (const chunk of chunks(input, encoding)) {
    if (first && chunk.type !== CHUNK_STREAM_IDENTIFIER) throw malformed(encoding, 'missing stream identifier');
    first = false;
    if (chunk.type === CHUNK_STREAM_IDENTIFIER) {
      if (!STREAM_IDENTIFIER.subarray(4).equals(input.subarray(chunk.start, chunk.end))) throw malformed(encoding, 'bad stream identifier');
    } else if (chunk.type === CHUNK_COMPRESSED || chunk.type === CHUNK_UNCOMPRESSED) {
      if (chunk.end - chunk.start < 4) throw malformed(encoding, 'chunk without checksum');
      const length = chunk.type === CHUNK_UNCOMPRESSED ? chunk.end - chunk.start - 4 : blockHeader(input, chunk.start + 4, chunk.end, encoding).length;
      if (length > FRAME_CHUNK) throw malformed(encoding, `chunk of ${length} bytes exceeds ${FRAME_CHUNK}`);
      total += length;
      if (total > limit) throw tooLarge(limit);
    } else if (chunk.type < 0x80) {
      // 0x80-0xfe (padding included) are skippable; 0x02-0x7f are reserved and must not be skipped.
      throw malformed(encoding, `unskippable chunk type 0x${chunk.type.toString(16)}`);
    }
  }
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  for (const chunk of chunks(input, encoding)) {
    if (chunk.type !== CHUNK_COMPRESSED && chunk.type !== CHUNK_UNCOMPRESSED) continue;
    const checksum = input[chunk.start]! | (input[chunk.start + 1]! << 8) | (input[chunk.start + 2]! << 16) | (input[chunk.start + 3]! << 24);
    const from = pos;
    if (chunk.type === CHUNK_UNCOMPRESSED) {
      out.set(input.subarray(chunk.start + 4, chunk.end), pos);
      pos += chunk.end - chunk.start - 4;
    } else {
      const { length, at } = blockHeader(input, chunk.start + 4, chunk.end, encoding);
      decodeElements(input, at, chunk.end, out, pos, length, encoding);
      pos += length;
    }
    if (maskedCrc32c(out.subarray(from, pos)) !== checksum >>> 0) throw malformed(encoding, 'checksum mismatch');
  }
  return out;
}

/**
 * `Content-Encoding: snappy` is the block format, but earlier collectors sent the framing format under
 * that name; as upstream, a body starting with the stream identifier is read as framed.
 */
export function decodeSnappyAuto(input: Uint8Array, limit: number): Buffer {
  const framed = input.length >= STREAM_IDENTIFIER.length && STREAM_IDENTIFIER.equals(input.subarray(0, STREAM_IDENTIFIER.length));
  return framed ? decodeSnappyFramed(input, limit, 'snappy') : decodeSnappyBlock(input, limit);
}

export function encodeSnappyBlock(input: Buffer): Buffer {
  return snappyjs.compress(input);
}

export function encodeSnappyFramed(input: Buffer): Buffer {
  const parts: Buffer[] = [STREAM_IDENTIFIER];
  for (let i = 0; i < input.length; i += FRAME_CHUNK) {
    const slice = input.subarray(i, Math.min(input.length, i + FRAME_CHUNK));
    const block = snappyjs.compress(slice);
    // As the reference implementation: keep the compressed form only when it saves at least 1/8.
    const compressed = block.length < slice.length - (slice.length >>> 3);
    const body = compressed ? block : slice;
    const header = Buffer.allocUnsafe(8);
    header[0] = compressed ? CHUNK_COMPRESSED : CHUNK_UNCOMPRESSED;
    header.writeUIntLE(body.length + 4, 1, 3);
    header.writeUInt32LE(maskedCrc32c(slice), 4);
    parts.push(header, body);
  }
  return Buffer.concat(parts);
}
