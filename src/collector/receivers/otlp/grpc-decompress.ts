// grpc-encoding support beyond grpc-js' own gzip and deflate: upstream's collector also sends zstd and
// snappy, and a server that answers those with UNIMPLEMENTED makes it drop the data as a permanent error.
// grpc-js has no public hook for codecs, so a server interceptor gives each call's base object our own
// `decompressMessage` (the method grpc-js' BaseServerInterceptingCall runs on every received message
// before deserializing it) and takes over all decompression, gzip included, with one bound and one set
// of status codes: malformed data INVALID_ARGUMENT (OTLP's code for a permanent error; grpc-go says
// INTERNAL), more than the receive limit once decompressed RESOURCE_EXHAUSTED, an unknown encoding
// UNIMPLEMENTED with the grpc-accept-encoding the gRPC spec asks for. Responses advertise the same list.
// If a grpc-js upgrade renames that method, the interceptor logs it and leaves grpc-js' own handling
// (gzip and deflate) in place; the compression tests fail.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { decompress } from '../../compression/decompress.ts';
import { DecompressError } from '../../compression/errors.ts';

/** grpc-encoding names the receiver reads: upstream's server codecs (gzip, zstd, snappy) and deflate. */
const GRPC_ENCODINGS: readonly string[] = ['gzip', 'deflate', 'zstd', 'snappy'];
const GRPC_ACCEPT_ENCODING = ['identity', ...GRPC_ENCODINGS].join(',');

const FRAME_HEADER = 5;

/** grpc-js' status shape for a rejected message. */
type Rejection = Pick<grpc.StatusObject, 'code' | 'details'> & { metadata?: grpc.Metadata };
type DecompressMessage = (framed: Buffer, encoding: string) => Buffer | Promise<Buffer>;

function acceptMetadata(): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('grpc-accept-encoding', GRPC_ACCEPT_ENCODING);
  return metadata;
}

/** The replacement for grpc-js' decompressMessage: `framed` is the message with its 5-byte prefix. */
function messageDecompressor(limit: number): DecompressMessage {
  return (framed, encoding) => {
    const body = framed.subarray(FRAME_HEADER);
    const name = encoding.toLowerCase();
    if (name === 'identity') return body;
    if (!GRPC_ENCODINGS.includes(name)) {
      const rejection: Rejection = { code: grpc.status.UNIMPLEMENTED, details: `grpc: Decompressor is not installed for grpc-encoding "${encoding}"`, metadata: acceptMetadata() };
      return Promise.reject(rejection);
    }
    return decompress(name, body, limit).catch((error: unknown) => {
      const tooLarge = error instanceof DecompressError && error.tooLarge;
      const rejection: Rejection = tooLarge
        ? { code: grpc.status.RESOURCE_EXHAUSTED, details: `received message after decompression larger than max (${limit})` }
        : { code: grpc.status.INVALID_ARGUMENT, details: `failed to decompress the received message: ${(error as Error).message}` };
      return Promise.reject(rejection);
    });
  };
}

export function decompressingInterceptor(limit: number, logger: Logger): grpc.ServerInterceptor {
  const decompressMessage = messageDecompressor(limit);
  const responder: grpc.Responder = {
    sendMetadata: (metadata, next) => {
      metadata.set('grpc-accept-encoding', GRPC_ACCEPT_ENCODING);
      next(metadata);
    },
  };
  let warned = false;
  return (_method, call) => {
    const base = call as unknown as { decompressMessage?: unknown };
    if (typeof base.decompressMessage === 'function') {
      base.decompressMessage = decompressMessage;
    } else if (!warned) {
      warned = true;
      logger.error('grpc-js has no decompressMessage on its server calls: only gzip and deflate can be received');
    }
    return new grpc.ServerInterceptingCall(call, responder);
  };
}
