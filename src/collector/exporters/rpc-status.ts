// google.rpc.Status as servers send it: in gRPC trailers (`grpc-status-details-bin`) and as the
// body of OTLP/HTTP error responses. Exporters read its message and a google.rpc.RetryInfo detail.
import { readFields, signed, text } from './proto-fields.ts';

export const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

export interface RpcStatus {
  readonly code: number;
  readonly message: string;
  /** Present when a RetryInfo detail is attached, even with a zero delay (RESOURCE_EXHAUSTED checks presence). */
  readonly retryInfo?: { readonly delayMs: number };
}

/** Decodes a google.rpc.Status; undefined when the bytes are not one. */
export function decodeRpcStatus(bytes: Uint8Array): RpcStatus | undefined {
  try {
    let code = 0;
    let message = '';
    let retryInfo: RpcStatus['retryInfo'];
    for (const { field, value } of readFields(bytes)) {
      if (field === 1 && typeof value === 'number') code = signed(value);
      else if (field === 2) message = text(value);
      else if (field === 3 && value instanceof Uint8Array) retryInfo ??= decodeRetryInfoAny(value);
    }
    return retryInfo ? { code, message, retryInfo } : { code, message };
  } catch {
    return undefined;
  }
}

// Any { type_url = 1; value = 2 } holding RetryInfo { Duration retry_delay = 1 }, Duration { seconds = 1; nanos = 2 }.
function decodeRetryInfoAny(any: Uint8Array): { delayMs: number } | undefined {
  const fields = readFields(any);
  if (text(fields.find((f) => f.field === 1)?.value) !== RETRY_INFO_TYPE) return undefined;
  const info = fields.find((f) => f.field === 2)?.value;
  const delay = info instanceof Uint8Array ? readFields(info).find((f) => f.field === 1)?.value : undefined;
  if (!(delay instanceof Uint8Array)) return { delayMs: 0 };
  let seconds = 0;
  let nanos = 0;
  for (const { field, value } of readFields(delay)) {
    if (field === 1 && typeof value === 'number') seconds = signed(value);
    else if (field === 2 && typeof value === 'number') nanos = signed(value);
  }
  return { delayMs: Math.max(0, seconds * 1000 + nanos / 1e6) };
}
