// Sends one fuzz case to a collector and records exactly what came back: over HTTP/1.1 the status, content type and
// body; over HTTP/2 (gRPC framing made by hand, so prefixes and flags may lie) the :status, grpc-status,
// grpc-message and the response message. A connection that ends without an answer, or no answer in time, is an
// outcome too.
import { request } from 'node:http';
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import type { Signal } from '../../../src/collector/component.ts';
import type { FuzzCase, Framing } from './cases.ts';

export type Answer =
  | { readonly kind: 'http'; readonly status: number; readonly contentType: string; readonly body: Buffer }
  | { readonly kind: 'grpc'; readonly httpStatus: number; readonly grpcStatus: number | undefined; readonly grpcMessage: string; readonly body: Buffer }
  | { readonly kind: 'broken'; readonly reason: string };

const HTTP_PATH: Record<Signal, string> = { traces: '/v1/traces', metrics: '/v1/metrics', logs: '/v1/logs' };
const GRPC_PATH: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};
const CONTENT_TYPE = { protobuf: 'application/x-protobuf', json: 'application/json' } as const;

export function sendHttp(port: number, fuzz: FuzzCase, body: Uint8Array, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { 'Content-Type': CONTENT_TYPE[fuzz.format], 'Content-Length': body.length };
    if (fuzz.encoding !== 'identity') headers['Content-Encoding'] = fuzz.encoding;
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: HTTP_PATH[fuzz.signal], headers, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ kind: 'http', status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
      res.on('error', (error) => resolve({ kind: 'broken', reason: `response: ${error.message}` }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ kind: 'broken', reason: error.message }));
    req.end(body);
  });
}

function frame(body: Uint8Array, compressed: boolean, framing: Framing): Buffer {
  const prefix = Buffer.alloc(5);
  prefix[0] = framing === 'flagJunk' ? 0x7f : compressed !== (framing === 'flagFlipped') ? 1 : 0;
  const declared = framing === 'longer' ? body.length + 100 : framing === 'shorter' ? Math.max(0, body.length - 1) : body.length;
  prefix.writeUInt32BE(declared, 1);
  const one = Buffer.concat([prefix, body]);
  return framing === 'twice' ? Buffer.concat([one, one]) : one;
}

/** One HTTP/2 connection to the gRPC listener, made again when the server closed it. */
export class GrpcConnection {
  readonly #port: number;
  #session: ClientHttp2Session | undefined;

  constructor(port: number) {
    this.#port = port;
  }

  #current(): ClientHttp2Session {
    if (!this.#session || this.#session.closed || this.#session.destroyed) {
      // As grpc-js: with Node's default 10 MB session memory, a few multi-MiB uploads the server refused early
      // (still queued in this client) make the client itself refuse new streams with ENHANCE_YOUR_CALM.
      const session = connect(`http://127.0.0.1:${this.#port}`, { maxSessionMemory: Number.MAX_SAFE_INTEGER, settings: { initialWindowSize: 4 * 1024 * 1024 } });
      session.on('error', () => {});
      session.on('goaway', () => session.destroy());
      this.#session = session;
    }
    return this.#session;
  }

  send(fuzz: FuzzCase, body: Uint8Array, timeoutMs: number): Promise<Answer> {
    return new Promise((resolve) => {
      const headers: Record<string, string> = { ':method': 'POST', ':path': GRPC_PATH[fuzz.signal], 'content-type': 'application/grpc', te: 'trailers' };
      if (fuzz.encoding !== 'identity') headers['grpc-encoding'] = fuzz.encoding;
      const stream = this.#current().request(headers);
      let response: IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      let settled = false;
      const finish = (answer: Answer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
        resolve(answer);
      };
      const timer = setTimeout(() => finish({ kind: 'broken', reason: `no answer in ${timeoutMs} ms` }), timeoutMs);
      const fromFields = (fields: IncomingHttpHeaders): Answer => ({
        kind: 'grpc', httpStatus: Number(response[':status']), body: Buffer.concat(chunks),
        grpcStatus: fields['grpc-status'] === undefined ? undefined : Number(fields['grpc-status']),
        grpcMessage: decodeURIComponent(String(fields['grpc-message'] ?? '')),
      });
      stream.on('response', (fields) => {
        response = fields;
        if (fields['grpc-status'] !== undefined || Number(fields[':status']) !== 200) finish(fromFields(fields));
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('trailers', (fields) => finish(fromFields(fields)));
      stream.on('close', () => finish({ kind: 'broken', reason: `stream closed without trailers (rst code ${stream.rstCode})` }));
      stream.on('error', (error) => finish({ kind: 'broken', reason: error.message }));
      stream.end(frame(body, fuzz.encoding !== 'identity', fuzz.framing));
    });
  }

  close(): void {
    this.#session?.close();
  }
}
