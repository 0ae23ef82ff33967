// Output chunk sizes for zlib work done on libuv's thread pool. Node's zlib runs one pool job per output chunk and
// comes back to the event loop between chunks, so a message in 16-64 KiB chunks takes dozens of event-loop turns.
// On a busy loop each turn waits behind everything else queued there: under overload (bench/collector scenario c,
// gzip in and out) an 8192-span export needed about 60 turns of 50 ms each, exports fell to 25k spans/s while
// requests kept arriving, and the backlog filled memory up to the memory_limiter. Sized to hold the whole output,
// a message is one job and one turn.

/** The smallest chunk: zlib's usual 64 KiB, for small or unknown outputs. */
export const MIN_POOL_CHUNK = 64 * 1024;
/** The largest chunk a compressor or a stated size may reserve; more output continues in chunks of this size. */
export const MAX_POOL_CHUNK = 16 * 1024 * 1024;
/**
 * OTLP compresses 4-10x with gzip and zstd (bench/collector's spans, random IDs and values, about 4x), so a third
 * of the input holds the output: one job. The buffer is a transient: the compressed bytes are copied into the
 * message frame and the chunk, mostly never written, is freed young.
 */
const COMPRESSED_FRACTION = 3;

/** A compressor's chunk for `inputLength` bytes in. */
export function compressChunkSize(inputLength: number): number {
  return clampChunk(Math.ceil(inputLength / COMPRESSED_FRACTION));
}

/** gzip's trailer states the inflated size (ISIZE, little-endian, modulo 2^32); undefined when not gzip-shaped. */
export function gzipStatedSize(input: Uint8Array): number | undefined {
  // 10-byte header, at least an empty deflate block, 8-byte trailer.
  if (input.byteLength < 20 || input[0] !== 0x1f || input[1] !== 0x8b) return undefined;
  return new DataView(input.buffer, input.byteOffset + input.byteLength - 4, 4).getUint32(0, true);
}

/**
 * An inflater's chunk: a stated size (gzip's ISIZE) plus a little room, so the stream ends in the same job, when it
 * fits within `limit`; else the minimum. A false statement only costs more chunks: output stays bounded by the limit.
 */
export function inflateChunkSize(stated: number | undefined, limit: number): number {
  return stated === undefined || stated > limit ? MIN_POOL_CHUNK : clampChunk(stated + INFLATE_SLACK);
}

/** Room past the stated size: zlib ends a stream within the job only while output space is left. */
const INFLATE_SLACK = 64;

function clampChunk(size: number): number {
  return Math.min(MAX_POOL_CHUNK, Math.max(MIN_POOL_CHUNK, size));
}
