// Whether an answer is what the protocol allows for a request the collector may or may not be able to read, and the
// outcome's name for the counts. HTTP: 200 with an export response, or 400 / 413 with a google.rpc.Status in the
// request's format (grpc code INVALID_ARGUMENT / RESOURCE_EXHAUSTED). gRPC: :status 200 and OK with one response
// message, or a trailers-only INVALID_ARGUMENT, RESOURCE_EXHAUSTED or UNIMPLEMENTED with a message. The retryable
// answers (HTTP 503 with Retry-After, gRPC UNAVAILABLE) only as the memory_limiter's refusal: any other one would
// have the sender retry what can never succeed. Anything else, a dropped connection included, is a violation.
import { decodeRpcStatus } from '../../../src/collector/exporters/rpc-status.ts';
import type { FuzzCase } from './cases.ts';
import type { Answer } from './send.ts';

export interface Verdict {
  /** e.g. `http 400`, `grpc RESOURCE_EXHAUSTED` */
  readonly outcome: string;
  /** Set when the answer breaks the protocol. */
  readonly violation?: string;
}

const GRPC_NAMES: Record<number, string> = { 0: 'OK', 3: 'INVALID_ARGUMENT', 8: 'RESOURCE_EXHAUSTED', 12: 'UNIMPLEMENTED', 14: 'UNAVAILABLE' };
const HTTP_STATUS_CODE: Record<number, number> = { 400: 3, 413: 8, 503: 14 };
const UNAVAILABLE = 14;
const MEMORY_LIMITER = 'data refused due to high memory usage';
const CONTENT_TYPE = { protobuf: 'application/x-protobuf', json: 'application/json' } as const;

function statusBody(fuzz: FuzzCase, body: Buffer): { code: number; message: string } | undefined {
  if (fuzz.format === 'protobuf') {
    const status = decodeRpcStatus(body);
    return status ? { code: status.code, message: status.message } : undefined;
  }
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { code?: unknown; message?: unknown };
    return typeof parsed.code === 'number' && typeof parsed.message === 'string' ? { code: parsed.code, message: parsed.message } : undefined;
  } catch {
    return undefined;
  }
}

function judgeHttp(fuzz: FuzzCase, answer: Extract<Answer, { kind: 'http' }>): Verdict {
  const outcome = `http ${answer.status}`;
  if (answer.contentType !== CONTENT_TYPE[fuzz.format]) return { outcome, violation: `content type ${answer.contentType}, expected ${CONTENT_TYPE[fuzz.format]}` };
  if (answer.status === 200) {
    if (fuzz.format === 'json' && answer.body.toString() !== '{}') return { outcome, violation: `200 body ${answer.body.toString()}` };
    return { outcome };
  }
  const expected = HTTP_STATUS_CODE[answer.status];
  if (expected === undefined) return { outcome, violation: `status ${answer.status}` };
  const status = statusBody(fuzz, answer.body);
  if (!status) return { outcome, violation: `body is not a google.rpc.Status: ${answer.body.subarray(0, 200).toString('hex')}` };
  if (status.code !== expected) return { outcome, violation: `Status code ${status.code} with HTTP ${answer.status}` };
  if (status.code === UNAVAILABLE && status.message !== MEMORY_LIMITER) return { outcome, violation: `retryable refusal: ${status.message}` };
  return { outcome };
}

function judgeGrpc(answer: Extract<Answer, { kind: 'grpc' }>): Verdict {
  const name = answer.grpcStatus === undefined ? 'none' : (GRPC_NAMES[answer.grpcStatus] ?? String(answer.grpcStatus));
  const outcome = `grpc ${name}`;
  if (answer.httpStatus !== 200) return { outcome, violation: `:status ${answer.httpStatus}` };
  if (answer.grpcStatus === undefined || GRPC_NAMES[answer.grpcStatus] === undefined) return { outcome, violation: `grpc-status ${answer.grpcStatus} (${answer.grpcMessage})` };
  if (answer.grpcStatus === 0) {
    // One message: an uncompressed prefix and as many bytes as it declares.
    const ok = answer.body.length >= 5 && answer.body[0] === 0 && answer.body.readUInt32BE(1) === answer.body.length - 5;
    return ok ? { outcome } : { outcome, violation: `OK with response bytes ${answer.body.toString('hex')}` };
  }
  if (answer.body.length > 0) return { outcome, violation: 'an error status with a message' };
  if (answer.grpcMessage === '') return { outcome, violation: 'an error status without grpc-message' };
  if (answer.grpcStatus === UNAVAILABLE && answer.grpcMessage !== MEMORY_LIMITER) return { outcome, violation: `retryable refusal: ${answer.grpcMessage}` };
  return { outcome };
}

export function judge(fuzz: FuzzCase, answer: Answer): Verdict {
  if (answer.kind === 'broken') return { outcome: 'broken', violation: answer.reason };
  return answer.kind === 'http' ? judgeHttp(fuzz, answer) : judgeGrpc(answer);
}
