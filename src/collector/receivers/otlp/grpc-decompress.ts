// grpc-encoding on the receiver: upstream's collector sends gzip, zstd and snappy (its gRPC codecs), and a
// server that answers those with UNIMPLEMENTED makes it drop the data as a permanent error. One bound and one set
// of status codes for all of them: malformed data INVALID_ARGUMENT (OTLP's code for a permanent error; grpc-go says
// INTERNAL), more than the receive limit once decompressed RESOURCE_EXHAUSTED, an unknown encoding UNIMPLEMENTED
// with the grpc-accept-encoding the gRPC spec asks for. Responses advertise the same list.
import { decompress } from '../../compression/decompress.ts';
import { DecompressError } from '../../compression/errors.ts';
import { GRPC_STATUS, type GrpcStatus } from './grpc-status.ts';

/** grpc-encoding names the receiver reads: upstream's server codecs (gzip, zstd, snappy) and deflate. */
const GRPC_ENCODINGS: readonly string[] = ['gzip', 'deflate', 'zstd', 'snappy'];
export const GRPC_ACCEPT_ENCODING = ['identity', ...GRPC_ENCODINGS].join(',');

/** The message body of a call in `encoding`, at most `limit` bytes once decompressed; rejects with a GrpcStatus. */
export function decompressMessage(body: Buffer, encoding: string, limit: number): Promise<Buffer> {
  const name = encoding.toLowerCase();
  if (name === 'identity') return Promise.resolve(body);
  if (!GRPC_ENCODINGS.includes(name)) {
    const status: GrpcStatus = { code: GRPC_STATUS.UNIMPLEMENTED, details: `grpc: Decompressor is not installed for grpc-encoding "${encoding}"` };
    return Promise.reject(status);
  }
  return decompress(name, body, limit).catch((error: unknown) => {
    const tooLarge = error instanceof DecompressError && error.tooLarge;
    const status: GrpcStatus = tooLarge
      ? { code: GRPC_STATUS.RESOURCE_EXHAUSTED, details: `received message after decompression larger than max (${limit})` }
      : { code: GRPC_STATUS.INVALID_ARGUMENT, details: `failed to decompress the received message: ${(error as Error).message}` };
    return Promise.reject(status);
  });
}
