// Error bodies of OTLP/HTTP responses: a google.rpc.Status { int32 code = 1; string message = 2; }
// in the request's encoding, with gRPC codes matching the HTTP status as upstream maps them.
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
  const header: number[] = [];
  if (code !== 0) header.push(0x08, ...varint(code));
  header.push(0x12, ...varint(text.length));
  const out = Buffer.allocUnsafe(header.length + text.length);
  out.set(header, 0);
  out.set(text, header.length);
  return out;
}

export function encodeStatusJson(code: number, message: string): string {
  return JSON.stringify({ code, message });
}

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value >>> 0;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return bytes;
}
