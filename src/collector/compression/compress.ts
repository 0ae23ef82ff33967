// Compression for the OTLP exporters, by upstream's `compression` names. zlib's formats and zstd stream
// (the HTTP exporter pipes its encoded chunks through without joining them); snappy and LZ4 need the
// whole body, so their stream gathers it and compresses at the end.
import { Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';
import { util } from '../builtins.ts';

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

/** A stream that gathers its input and writes `encode(input)` when it ends. */
class WholeBody extends Transform {
  readonly #chunks: Buffer[] = [];
  readonly #encoder: () => Promise<Encode>;
  constructor(encoder: () => Promise<Encode>) {
    super();
    this.#encoder = encoder;
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#chunks.push(chunk);
    callback();
  }
  override _flush(callback: TransformCallback): void {
    this.#encoder().then((encode) => encode(Buffer.concat(this.#chunks))).then(
      (body) => callback(null, body),
      (error: unknown) => callback(error as Error),
    );
  }
}

/** A compressing stream for an HTTP body; `level` as upstream's compression_params.level (0 = default). */
export function httpCompressor(compression: HttpCompression, level = 0): Transform {
  switch (compression) {
    case 'gzip':
      return zlib.createGzip(zlibOptions(level));
    case 'zlib':
    case 'deflate':
      return zlib.createDeflate(zlibOptions(level));
    case 'zstd':
      return zlib.createZstdCompress(zstdOptions(level));
    case 'snappy':
      return new WholeBody(snappyBlock);
    case 'x-snappy-framed':
      return new WholeBody(snappyFramed);
    case 'lz4':
      return new WholeBody(lz4);
  }
}

const zstdCompress = util.promisify(zlib.zstdCompress) as (input: Buffer, options: zlib.ZstdOptions) => Promise<Buffer>;

/** What upstream's gRPC client sends besides gzip (which grpc-js does itself), by grpc-encoding. */
export const GRPC_EXTRA_COMPRESSIONS = ['zstd', 'snappy'] as const;
export type GrpcExtraCompression = (typeof GRPC_EXTRA_COMPRESSIONS)[number];

/** One gRPC message body: zstd frames, or snappy's framing format as upstream's gRPC codec writes it. */
export async function grpcCompress(compression: GrpcExtraCompression, message: Buffer): Promise<Buffer> {
  if (compression === 'zstd') return zstdCompress(message, zstdOptions(0));
  return (await snappyFramed())(message);
}
