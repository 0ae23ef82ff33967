// Compression for the OTLP exporters, by upstream's `compression` names: a whole body or message at a time.
import * as zlib from 'node:zlib';
import { util } from '../builtins.ts';
import { compressChunkSize } from './pool-chunks.ts';

/** What upstream's confighttp client sends, each under its own name as Content-Encoding. */
export const HTTP_COMPRESSIONS = ['gzip', 'zlib', 'deflate', 'snappy', 'x-snappy-framed', 'zstd', 'lz4'] as const;
export type HttpCompression = (typeof HTTP_COMPRESSIONS)[number];

/** zlib's default; upstream's `compression_params.level` 0 means it too. */
const DEFAULT_LEVEL = -1;
/** zlib's HuffmanOnly level, which Go expresses as a level and Node as a strategy. */
const HUFFMAN_ONLY = -2;
/** upstream's zstd writer at the default level is its fastest; 22 is zstd's maximum. */
const ZSTD_FASTEST = 1;
const ZSTD_MAX = 22;
/** The window upstream's gRPC zstd codec uses, so a receiver needs no more memory than that. */
const ZSTD_WINDOW_LOG = 19;

function zlibOptions(level: number): zlib.ZlibOptions {
  if (level === HUFFMAN_ONLY) return { strategy: zlib.constants.Z_HUFFMAN_ONLY };
  return { level: level === 0 ? DEFAULT_LEVEL : level };
}

function zstdOptions(level: number): zlib.ZstdOptions {
  const zstdLevel = level <= 0 ? ZSTD_FASTEST : Math.min(level, ZSTD_MAX);
  return { params: { [zlib.constants.ZSTD_c_compressionLevel]: zstdLevel, [zlib.constants.ZSTD_c_windowLog]: ZSTD_WINDOW_LOG } };
}

type Encode = (input: Buffer) => Buffer;

// Loaded on first use: lz4 instantiates a WebAssembly module, which a collector never sending LZ4 need not hold.
const snappyBlock = async (): Promise<Encode> => (await import('./snappy.ts')).encodeSnappyBlock;
const snappyFramed = async (): Promise<Encode> => (await import('./snappy.ts')).encodeSnappyFramed;
const lz4 = async (): Promise<Encode> => (await import('./lz4.ts')).encodeLz4;

const gzipPooled = util.promisify(zlib.gzip) as (input: Buffer, options: zlib.ZlibOptions) => Promise<Buffer>;
const deflatePooled = util.promisify(zlib.deflate) as (input: Buffer, options: zlib.ZlibOptions) => Promise<Buffer>;

/**
 * A body compressed whole, as upstream's confighttp client compresses into a buffer before it sends;
 * `level` as upstream's compression_params.level (0 = default). zlib's formats and zstd run as one thread-pool job
 * (pool-chunks.ts): piped through a stream, every written entry view had been a job and an event-loop turn.
 */
export async function compressBody(compression: HttpCompression, body: Buffer, level = 0): Promise<Buffer> {
  const chunkSize = compressChunkSize(body.length);
  switch (compression) {
    case 'gzip':
      return gzipPooled(body, { ...zlibOptions(level), chunkSize });
    case 'zlib':
    case 'deflate':
      return deflatePooled(body, { ...zlibOptions(level), chunkSize });
    case 'zstd':
      return zstdCompress(body, { ...zstdOptions(level), chunkSize });
    case 'snappy':
      return (await snappyBlock())(body);
    case 'x-snappy-framed':
      return (await snappyFramed())(body);
    case 'lz4':
      return (await lz4())(body);
  }
}

const zstdCompress = util.promisify(zlib.zstdCompress) as (input: Buffer, options: zlib.ZstdOptions) => Promise<Buffer>;

/** One gRPC message body in gzip at zlib's default level, as grpc-js writes it, in one thread-pool job. */
export function grpcGzip(message: Buffer): Promise<Buffer> {
  return compressBody('gzip', message);
}

/** What upstream's gRPC client sends besides gzip (which grpc-js does itself), by grpc-encoding. */
export const GRPC_EXTRA_COMPRESSIONS = ['zstd', 'snappy'] as const;
export type GrpcExtraCompression = (typeof GRPC_EXTRA_COMPRESSIONS)[number];

/** One gRPC message body: zstd frames, or snappy's framing format as upstream's gRPC codec writes it. */
export function grpcCompress(compression: GrpcExtraCompression, message: Buffer): Promise<Buffer> {
  return compressBody(compression === 'zstd' ? 'zstd' : 'x-snappy-framed', message);
}
