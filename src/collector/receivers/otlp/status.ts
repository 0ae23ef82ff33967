// Error bodies of OTLP/HTTP responses: a google.rpc.Status { int32 code = 1; string message = 2; }
// in the request's encoding, with gRPC codes matching the HTTP status as upstream maps them.
import { lenFieldSize, VARINT, varintSize, writeLenHeader, writeVarint } from '../../otlp/wire.ts';

export const GRPC_CODE = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14 } as const;

export function grpcCodeForHttp(status: number): number {
  switch (status) {
    case 400: return GRPC_CODE.INVALID_ARGUMENT;
    case 413:
    case 429: return GRPC_CODE.RESOURCE_EXHAUSTED;
    case 502:
    case 503:
    case 504: return GRPC_CODE.UNAVAILABLE;
    default: return GRPC_CODE.INTERNAL;
  }
}

export function encodeStatusProto(code: number, message: string): Uint8Array {
  const text = Buffer.from(message, 'utf8');
  const codeSize = code === 0 ? 0 : 1 + varintSize(code);
  const out = Buffer.allocUnsafe(codeSize + lenFieldSize(2, text.length));
  if (code !== 0) writeVarint(out, writeVarint(out, 0, 1 * 8 + VARINT), code);
  out.set(text, writeLenHeader(out, codeSize, 2, text.length));
  return out;
}

export function encodeStatusJson(code: number, message: string): string {
  return JSON.stringify({ code, message });
}
