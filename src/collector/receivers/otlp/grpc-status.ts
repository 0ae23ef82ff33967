// gRPC status codes the receiver answers with, and how a call ends on HTTP/2: response headers, the message, then
// trailers with grpc-status and grpc-message; or, when nothing was sent yet, one trailers-only HEADERS frame.
import { constants, type ServerHttp2Stream } from 'node:http2';

export const GRPC_STATUS = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export interface GrpcStatus {
  readonly code: number;
  readonly details: string;
}

/** Response headers of every call: the encodings this server reads go in each. */
export function responseHeaders(acceptEncoding: string): Record<string, string | number> {
  return {
    [constants.HTTP2_HEADER_STATUS]: 200,
    [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc+proto',
    'grpc-accept-encoding': acceptEncoding,
    'grpc-encoding': 'identity',
  };
}

/** Trailers of a status; grpc-message percent-encoded as grpc-js writes it. */
function trailers(status: GrpcStatus): Record<string, string> {
  return { 'grpc-status': String(status.code), 'grpc-message': encodeURI(status.details) };
}

/** Ends the call with `status` and no message (trailers-only). */
export function sendStatus(stream: ServerHttp2Stream, headers: Record<string, string | number>, status: GrpcStatus): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  stream.respond({ ...headers, ...trailers(status) }, { endStream: true });
}

const OK: GrpcStatus = { code: GRPC_STATUS.OK, details: 'OK' };

/** Ends the call with one framed response message and status OK. */
export function sendMessage(stream: ServerHttp2Stream, headers: Record<string, string | number>, framed: Buffer): void {
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  stream.respond(headers, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers(trailers(OK)));
  stream.end(framed);
}
