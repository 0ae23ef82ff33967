// zstd and snappy for the otlp_grpc exporter. grpc-js compresses only with gzip and deflate and has no
// public hook for other codecs: its per-call CompressionFilter frames every message (the flag byte says
// whether the body is compressed), so a payload compressed beforehand would still go out flagged as
// uncompressed. This module wraps CompressionFilterFactory.createFilter once per process: a filter made
// for a channel with the `tpo.grpc_compression` option sends with our codec (grpc-encoding zstd, or
// snappy's framing format as upstream's gRPC codec writes it) and reads responses in those encodings
// (upstream's server answers in the request's encoding), listing them in grpc-accept-encoding.
// Channels without the option are untouched.
// The wrapper checks grpc-js' internal shape when installed and throws if it changed, so an upgrade
// fails the exporter's start instead of silently sending uncompressed.
// gzip sends: grpc-js' gzip handler compresses in zlib's 16 KiB output chunks, one event-loop turn each;
// installOneJobGzip makes it compress a message in one thread-pool job (../compression/pool-chunks.ts).
// Uncompressed sends: grpc-js' identity handler copies every message into a new frame (5 + length bytes,
// 5 % of the collector's CPU at 50k spans/s and as much garbage as the exports); installZeroCopyFraming makes
// it write the prefix into the free bytes RequestBuffers keeps before each request and send that view.
import { CompressionFilterFactory } from '@grpc/grpc-js/build/src/compression-filter.js';
import { status } from '@grpc/grpc-js';
import type { ChannelOptions, Metadata } from '@grpc/grpc-js';
import { GRPC_EXTRA_COMPRESSIONS, grpcCompress, grpcGzip, type GrpcExtraCompression } from '../compression/compress.ts';
import { decompress } from '../compression/decompress.ts';
import { FRAME_HEADROOM, hasFrameHeadroom } from './request-buffers.ts';

export const COMPRESSION_OPTION = 'tpo.grpc_compression';

const FRAME_HEADER = 5;
/** What this client reads in responses: grpc-js' own encodings and ours. */
const ACCEPT_ENCODING = ['identity', 'deflate', 'gzip', ...GRPC_EXTRA_COMPRESSIONS].join(',');
/** grpc-js' default receive limit; export responses are a few bytes. */
const MAX_RESPONSE = 4 * 1024 * 1024;

/** The private state of grpc-js' CompressionFilter this module sets. */
interface FilterInternals {
  sendCompression: unknown;
  receiveCompression: unknown;
  currentCompressionAlgorithm: string;
  sendMetadata(metadata: Promise<Metadata>): Promise<Metadata>;
  receiveMetadata(metadata: Metadata): Metadata;
}

interface FactoryInternals {
  readonly options: ChannelOptions;
  readonly sharedFilterConfig: { serverSupportedEncodingHeader?: string };
}

const isExtra = (name: unknown): name is GrpcExtraCompression => (GRPC_EXTRA_COMPRESSIONS as readonly unknown[]).includes(name);

/** Stands in for grpc-js' CompressionHandler: frames outgoing messages and unframes incoming ones. */
class CodecHandler {
  readonly #codec: GrpcExtraCompression;
  constructor(codec: GrpcExtraCompression) {
    this.#codec = codec;
  }

  async writeMessage(message: Buffer, compress: boolean): Promise<Buffer> {
    const body = compress ? await grpcCompress(this.#codec, message) : message;
    const framed = Buffer.allocUnsafe(FRAME_HEADER + body.length);
    framed[0] = compress ? 1 : 0;
    framed.writeUInt32BE(body.length, 1);
    body.copy(framed, FRAME_HEADER);
    return framed;
  }

  async readMessage(framed: Buffer): Promise<Buffer> {
    const body = framed.subarray(FRAME_HEADER);
    if (framed[0] !== 1) return body;
    try {
      return await decompress(this.#codec, body, MAX_RESPONSE);
    } catch (error) {
      throw { code: status.INTERNAL, details: `failed to decompress the ${this.#codec} response: ${(error as Error).message}` };
    }
  }
}

function hasInternals(filter: unknown): filter is FilterInternals {
  const candidate = filter as Partial<FilterInternals>;
  return 'sendCompression' in candidate && 'receiveCompression' in candidate && typeof candidate.currentCompressionAlgorithm === 'string'
    && typeof candidate.sendMetadata === 'function' && typeof candidate.receiveMetadata === 'function';
}

function install(filter: FilterInternals, codec: GrpcExtraCompression, shared: FactoryInternals['sharedFilterConfig']): void {
  // As grpc-js does for gzip: once the server has said which encodings it reads, send only those.
  const serverReads = shared.serverSupportedEncodingHeader?.split(',').map((name) => name.trim());
  if (serverReads === undefined || serverReads.includes(codec)) {
    filter.sendCompression = new CodecHandler(codec);
    filter.currentCompressionAlgorithm = codec;
  }
  const sendMetadata = filter.sendMetadata.bind(filter);
  filter.sendMetadata = async (metadata) => {
    const headers = await sendMetadata(metadata);
    headers.set('grpc-accept-encoding', ACCEPT_ENCODING);
    return headers;
  };
  const receiveMetadata = filter.receiveMetadata.bind(filter);
  filter.receiveMetadata = (metadata) => {
    const encoding = metadata.get('grpc-encoding')[0];
    const result = receiveMetadata(metadata);
    if (isExtra(encoding)) filter.receiveCompression = new CodecHandler(encoding);
    return result;
  };
}

let installed = false;

/** Makes channels created with `{[COMPRESSION_OPTION]: 'zstd' | 'snappy'}` use that codec. Idempotent. */
export function installGrpcCompression(): void {
  if (installed) return;
  const prototype = CompressionFilterFactory.prototype as unknown as { createFilter(this: FactoryInternals): unknown };
  const probe = new CompressionFilterFactory(undefined as never, {}).createFilter();
  if (!hasInternals(probe)) throw new Error('this @grpc/grpc-js version has no CompressionFilter internals to add zstd/snappy to; use gzip or none');
  const createFilter = prototype.createFilter;
  prototype.createFilter = function (this: FactoryInternals) {
    const filter = createFilter.call(this);
    const codec = this.options[COMPRESSION_OPTION];
    if (isExtra(codec) && hasInternals(filter)) install(filter, codec, this.sharedFilterConfig);
    return filter;
  };
  installed = true;
}

/** The prototype of the handler grpc-js sends with on a channel with `options`, when it is the class `name`. */
function sendHandlerPrototype<T>(options: ChannelOptions, name: string): Partial<T> | undefined {
  const handler = (new CompressionFilterFactory(undefined as never, options).createFilter() as unknown as { sendCompression?: unknown }).sendCompression;
  if (handler === undefined || handler === null) return undefined;
  const prototype = Object.getPrototypeOf(handler) as { constructor?: { name?: string } } | null;
  return prototype?.constructor?.name === name ? (prototype as Partial<T>) : undefined;
}

interface IdentityInternals {
  writeMessage(this: unknown, message: Buffer, compress: boolean): Promise<Buffer>;
}

let framingInstalled = false;

/**
 * Uncompressed messages encoded by RequestBuffers go out framed in place (no copy); any other message as grpc-js
 * frames it. Idempotent; a grpc-js without the expected identity handler keeps its own framing.
 */
export function installZeroCopyFraming(): void {
  if (framingInstalled) return;
  framingInstalled = true;
  const prototype = sendHandlerPrototype<IdentityInternals>({}, 'IdentityHandler');
  if (typeof prototype?.writeMessage !== 'function') return;
  const writeMessage = prototype.writeMessage;
  prototype.writeMessage = function (this: unknown, message: Buffer, compress: boolean): Promise<Buffer> {
    if (!hasFrameHeadroom(message)) return writeMessage.call(this, message, compress);
    const framed = Buffer.from(message.buffer, message.byteOffset - FRAME_HEADROOM, FRAME_HEADROOM + message.length);
    framed[0] = 0;
    framed.writeUInt32BE(message.length, 1);
    return Promise.resolve(framed);
  };
}

interface GzipInternals {
  compressMessage(this: unknown, message: Buffer): Promise<Buffer>;
}

let gzipInstalled = false;

/**
 * gzip sends compress each message in one thread-pool job, with the same format and level as grpc-js' own handler.
 * Idempotent; a grpc-js without the expected gzip handler keeps its own.
 */
export function installOneJobGzip(): void {
  if (gzipInstalled) return;
  gzipInstalled = true;
  const prototype = sendHandlerPrototype<GzipInternals>({ 'grpc.default_compression_algorithm': 2 }, 'GzipHandler');
  if (typeof prototype?.compressMessage !== 'function') return;
  prototype.compressMessage = (message: Buffer): Promise<Buffer> => grpcGzip(message);
}
