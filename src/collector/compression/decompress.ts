// Bounded decompression of one received message, shared by the OTLP receivers: the HTTP body by its
// Content-Encoding, a gRPC message by its grpc-encoding. Output never grows past `limit`: zlib, brotli and
// zstd stop inflating at the limit (maxOutputLength), snappy and LZ4 check declared sizes before they
// allocate and stop at the limit while decoding. So a bomb costs at most `limit` bytes, never its
// inflated size.
import * as zlib from 'node:zlib';
import { util } from '../builtins.ts';
import { DecompressError, malformed, tooLarge } from './errors.ts';
import { gzipStatedSize, inflateChunkSize, MIN_POOL_CHUNK } from './pool-chunks.ts';

/** The options every zlib-family call takes: the output bound and the chunk size. */
type InflateOptions = { maxOutputLength: number; chunkSize: number };
type Decode = (input: Uint8Array, limit: number) => Buffer;
/** One zlib-family format, inflated through the thread pool or on the calling thread. */
interface Inflater {
  readonly pool: (input: Uint8Array, options: InflateOptions) => Promise<Buffer>;
  readonly sync: (input: Uint8Array, options: InflateOptions) => Buffer;
}

/** Output chunk for the calling thread and for formats that state no size (pool-chunks.ts). */
const OUTPUT_CHUNK = MIN_POOL_CHUNK;
/**
 * A request this small is inflated on the calling thread: a typical OTLP request (100 spans, 4-5 KB gzipped) takes
 * about 40 us that way, against 130 us of CPU through the thread pool (its hand-offs and wake-ups cost more than
 * the inflating), and the event loop waits at most SYNC_OUTPUT_MAX worth of inflating (about 2 ms). Larger output
 * goes on through the pool, gzip in one chunk of its stated size (pool-chunks.ts).
 */
const SYNC_INPUT_MAX = 64 * 1024;
const SYNC_OUTPUT_MAX = 1024 * 1024;
const inflater = (pool: (input: Uint8Array, options: InflateOptions, cb: (e: Error | null, r: Buffer) => void) => void, sync: Inflater['sync']): Inflater =>
  ({ pool: util.promisify(pool) as Inflater['pool'], sync });
const gunzip = inflater(zlib.gunzip, zlib.gunzipSync);
const inflate = inflater(zlib.inflate, zlib.inflateSync);

const STREAMED: ReadonlyMap<string, Inflater> = new Map([
  ['gzip', gunzip],
  ['x-gzip', gunzip],
  // "deflate" is the zlib format (RFC 1950) in HTTP, gRPC and upstream alike.
  ['deflate', inflate],
  ['zlib', inflate],
  ['br', inflater(zlib.brotliDecompress, zlib.brotliDecompressSync)],
  ['zstd', inflater(zlib.zstdDecompress, zlib.zstdDecompressSync)],
]);

const outputTooLarge = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';

// Loaded on first use: lz4 instantiates a WebAssembly module, which a collector never receiving LZ4 need not hold.
const BLOCK: ReadonlyMap<string, () => Promise<Decode>> = new Map([
  ['snappy', async () => (await import('./snappy.ts')).decodeSnappyAuto],
  ['x-snappy-framed', async () => (await import('./snappy.ts')).decodeSnappyFramed],
  ['lz4', async () => (await import('./lz4.ts')).decodeLz4],
]);

/** Every encoding name this module reads (lower case). */
export const DECODABLE: readonly string[] = [...STREAMED.keys(), ...BLOCK.keys()];

/** Decompresses `input` (encoding in lower case, one of DECODABLE); rejects with DecompressError. */
export async function decompress(encoding: string, input: Uint8Array, limit: number): Promise<Buffer> {
  const loadBlock = BLOCK.get(encoding);
  if (loadBlock) {
    const block = await loadBlock();
    try {
      return block(input, limit);
    } catch (error) {
      if (error instanceof DecompressError) throw error;
      throw new DecompressError(`invalid ${encoding} data: ${(error as Error).message}`, false, { cause: error });
    }
  }
  const streamed = STREAMED.get(encoding);
  if (!streamed) throw new DecompressError(`unsupported encoding "${encoding}"`, false);
  if (input.byteLength <= SYNC_INPUT_MAX) {
    const bound = Math.min(limit, SYNC_OUTPUT_MAX);
    try {
      return streamed.sync(input, { maxOutputLength: bound, chunkSize: OUTPUT_CHUNK });
    } catch (error) {
      if (!outputTooLarge(error)) throw malformed(encoding, (error as Error).message);
      if (bound === limit) throw tooLarge(limit);
    }
  }
  try {
    const chunkSize = encoding === 'gzip' || encoding === 'x-gzip' ? inflateChunkSize(gzipStatedSize(input), limit) : OUTPUT_CHUNK;
    return await streamed.pool(input, { maxOutputLength: limit, chunkSize });
  } catch (error) {
    if (outputTooLarge(error)) throw tooLarge(limit);
    throw malformed(encoding, (error as Error).message);
  }
}
