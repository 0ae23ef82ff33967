// Test-only encoder of google.rpc.Status with an optional google.rpc.RetryInfo detail: what a
// server puts in `grpc-status-details-bin` or an OTLP/HTTP error body when it throttles.

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function lengthDelimited(field: number, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([...varint(field * 8 + 2), ...varint(body.length)]), body]);
}

function varintField(field: number, value: number): Buffer {
  return Buffer.from([...varint(field * 8), ...varint(value)]);
}

export interface StatusSpec {
  readonly code: number;
  readonly message?: string;
  /** Attach RetryInfo with this delay (0 = present with a zero delay). */
  readonly retryDelayMs?: number;
}

export function encodeRpcStatus(spec: StatusSpec): Buffer {
  const parts = [varintField(1, spec.code)];
  if (spec.message) parts.push(lengthDelimited(2, Buffer.from(spec.message)));
  if (spec.retryDelayMs !== undefined) {
    const seconds = Math.floor(spec.retryDelayMs / 1000);
    const nanos = Math.round((spec.retryDelayMs % 1000) * 1e6);
    const durationParts = [seconds > 0 ? varintField(1, seconds) : Buffer.alloc(0), nanos > 0 ? varintField(2, nanos) : Buffer.alloc(0)];
    const retryInfo = lengthDelimited(1, Buffer.concat(durationParts));
    const any = Buffer.concat([lengthDelimited(1, Buffer.from('type.googleapis.com/google.rpc.RetryInfo')), lengthDelimited(2, retryInfo)]);
    parts.push(lengthDelimited(3, any));
  }
  return Buffer.concat(parts);
}

/** An Export*ServiceResponse with partial_success { rejected = 1, error_message = 2 }. */
export function encodePartialSuccess(rejected: number, message = ''): Buffer {
  const partial = Buffer.concat([rejected > 0 ? varintField(1, rejected) : Buffer.alloc(0), message ? lengthDelimited(2, Buffer.from(message)) : Buffer.alloc(0)]);
  return lengthDelimited(1, partial);
}
