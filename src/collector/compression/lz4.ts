// LZ4 frame format (HTTP `Content-Encoding: lz4`, what upstream's lz4 writer sends: independent blocks of
// up to 4 MiB, content checksum). Blocks are compressed by lz4-wasm-nodejs (lz4_flex); the frame around
// them and all decoding are our own: that package's decoder allocates whatever size the input claims and
// cannot read linked blocks, while this one decodes into one bounded output (linked blocks need no extra
// work), stops at the limit, and checks the header, block and content checksums the frame carries.
import lz4wasm from 'lz4-wasm-nodejs';
import { xxh32 } from './checksums.ts';
import { malformed, tooLarge } from './errors.ts';

const MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_MAX: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };
const ENCODE_BLOCK = 4 * 1024 * 1024;
const ENCODE_BLOCK_ID = 7;
const UNCOMPRESSED_BIT = 0x80000000;
const MIN_MATCH = 4;
const NAME = 'lz4';

/** A growable output that never grows past `limit`. */
class Output {
  buffer: Buffer;
  length = 0;
  readonly #limit: number;
  constructor(initial: number, limit: number) {
    this.buffer = Buffer.allocUnsafe(Math.min(initial, limit));
    this.#limit = limit;
  }
  /** Room for `n` more bytes, or for as many as the limit allows when `upTo` is set. */
  reserve(n: number, upTo = false): void {
    const needed = this.length + n;
    if (needed <= this.buffer.length) return;
    if (needed > this.#limit && !upTo) throw tooLarge(this.#limit);
    const size = Math.min(this.#limit, Math.max(needed, this.buffer.length * 2));
    if (size <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

function lengthExtension(input: Uint8Array, i: number, end: number): { add: number; at: number } {
  let add = 0;
  for (;;) {
    if (i >= end) throw malformed(NAME, 'truncated length');
    const byte = input[i++]!;
    add += byte;
    if (byte !== 255) return { add, at: i };
  }
}

/**
 * Decodes one block of sequences from input[i, end) to the end of `out`. Matches may reach back to
 * `windowStart` (the block's own start for independent blocks, earlier output for linked ones).
 */
function decodeBlock(input: Uint8Array, i: number, end: number, out: Output, windowStart: number, blockMax: number, limit: number): void {
  out.reserve(blockMax, true);
  const buffer = out.buffer;
  const stop = Math.min(buffer.length, out.length + blockMax);
  let pos = out.length;
  // Below a full block of room only when the limit capped the output: then running out is the limit's doing.
  const cappedByLimit = stop < pos + blockMax;
  const overrun = () => (cappedByLimit ? tooLarge(limit) : malformed(NAME, 'block decodes past its maximum size'));
  while (i < end) {
    const token = input[i++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      const ext = lengthExtension(input, i, end);
      literals += ext.add;
      i = ext.at;
    }
    if (i + literals > end) throw malformed(NAME, 'literals overrun the block');
    if (pos + literals > stop) throw overrun();
    buffer.set(input.subarray(i, i + literals), pos);
    i += literals;
    pos += literals;
    if (i === end) break;
    if (i + 2 > end) throw malformed(NAME, 'truncated match offset');
    const offset = input[i]! | (input[i + 1]! << 8);
    i += 2;
    let length = token & 15;
    if (length === 15) {
      const ext = lengthExtension(input, i, end);
      length += ext.add;
      i = ext.at;
    }
    length += MIN_MATCH;
    if (offset === 0 || pos - offset < windowStart) throw malformed(NAME, 'match offset out of range');
    if (pos + length > stop) throw overrun();
    if (offset >= length) {
      buffer.copyWithin(pos, pos - offset, pos - offset + length);
      pos += length;
    } else {
      for (const last = pos + length; pos < last; pos++) buffer[pos] = buffer[pos - offset]!;
    }
  }
  out.length = pos;
}

/** Decodes one frame starting at `at` onto `out`; returns where the next frame starts. */
function decodeFrame(input: Uint8Array, at: number, out: Output, limit: number): number {
  const view = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  let i = at + 4;
  if (i + 3 > input.length) throw malformed(NAME, 'truncated frame header');
  const flags = input[i]!;
  const bd = input[i + 1]!;
  if (flags >>> 6 !== 1) throw malformed(NAME, `unsupported frame version ${flags >>> 6}`);
  if ((flags & 0x02) !== 0 || (bd & 0x8f) !== 0) throw malformed(NAME, 'reserved header bits set');
  if ((flags & 0x01) !== 0) throw malformed(NAME, 'frames that need a dictionary are not supported');
  const independent = (flags & 0x20) !== 0;
  const blockChecksums = (flags & 0x10) !== 0;
  const hasContentSize = (flags & 0x08) !== 0;
  const contentChecksum = (flags & 0x04) !== 0;
  const blockMax = BLOCK_MAX[bd >>> 4];
  if (blockMax === undefined) throw malformed(NAME, `invalid block size id ${bd >>> 4}`);
  const descriptorEnd = i + 2 + (hasContentSize ? 8 : 0);
  if (descriptorEnd + 1 > input.length) throw malformed(NAME, 'truncated frame header');
  if (hasContentSize && Number(view.readBigUInt64LE(i + 2)) > limit - out.length) throw tooLarge(limit);
  if (((xxh32(input.subarray(i, descriptorEnd)) >>> 8) & 0xff) !== input[descriptorEnd]) throw malformed(NAME, 'header checksum mismatch');
  i = descriptorEnd + 1;
  const frameStart = out.length;
  for (;;) {
    if (i + 4 > input.length) throw malformed(NAME, 'truncated block header');
    const word = view.readUInt32LE(i);
    i += 4;
    if (word === 0) break;
    const size = word & ~UNCOMPRESSED_BIT;
    if (size > blockMax) throw malformed(NAME, `block of ${size} bytes exceeds the frame's maximum of ${blockMax}`);
    if (i + size + (blockChecksums ? 4 : 0) > input.length) throw malformed(NAME, 'truncated block');
    const data = input.subarray(i, i + size);
    if (blockChecksums && xxh32(data) !== view.readUInt32LE(i + size)) throw malformed(NAME, 'block checksum mismatch');
    if ((word & UNCOMPRESSED_BIT) !== 0) {
      out.reserve(size);
      out.buffer.set(data, out.length);
      out.length += size;
    } else {
      decodeBlock(input, i, i + size, out, independent ? out.length : frameStart, blockMax, limit);
    }
    i += size + (blockChecksums ? 4 : 0);
  }
  if (contentChecksum) {
    if (i + 4 > input.length) throw malformed(NAME, 'truncated content checksum');
    if (xxh32(out.buffer.subarray(frameStart, out.length)) !== view.readUInt32LE(i)) throw malformed(NAME, 'content checksum mismatch');
    i += 4;
  }
  return i;
}

/** Decodes a sequence of LZ4 frames (skippable frames are skipped), refusing output past `limit`. */
export function decodeLz4(input: Uint8Array, limit: number): Buffer {
  const view = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const out = new Output(Math.max(64 * 1024, input.length * 4), limit);
  let i = 0;
  if (input.length === 0) throw malformed(NAME, 'empty input');
  while (i < input.length) {
    if (i + 4 > input.length) throw malformed(NAME, 'truncated magic number');
    const magic = view.readUInt32LE(i);
    if (magic === MAGIC) {
      i = decodeFrame(input, i, out, limit);
    } else if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (i + 8 > input.length) throw malformed(NAME, 'truncated skippable frame');
      i += 8 + view.readUInt32LE(i + 4);
      if (i > input.length) throw malformed(NAME, 'truncated skippable frame');
    } else {
      throw malformed(NAME, `bad magic number 0x${magic.toString(16)}`);
    }
  }
  return out.buffer.subarray(0, out.length);
}

/** One LZ4 frame of independent 4 MiB blocks, no checksums but the header's. */
export function encodeLz4(input: Buffer): Buffer {
  const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, ENCODE_BLOCK_ID << 4, 0]);
  header[6] = (xxh32(header.subarray(4, 6)) >>> 8) & 0xff;
  const parts: Buffer[] = [header];
  for (let i = 0; i < input.length; i += ENCODE_BLOCK) {
    const slice = input.subarray(i, Math.min(input.length, i + ENCODE_BLOCK));
    // lz4_flex prepends the uncompressed size (4 bytes), which the frame format does not use.
    const block = lz4wasm.compress(slice).subarray(4);
    const stored = block.length < slice.length;
    const size = Buffer.allocUnsafe(4);
    size.writeUInt32LE(stored ? block.length : (slice.length | UNCOMPRESSED_BIT) >>> 0);
    parts.push(size, stored ? Buffer.from(block.buffer, block.byteOffset, block.byteLength) : slice);
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}
