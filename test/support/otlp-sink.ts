// A minimal OTLP receiver for tests, on 127.0.0.1: gRPC (raw-buffer grpc-js server) and HTTP
// (node:http), recording every request it gets. It can be told to fail (gRPC status with RetryInfo,
// HTTP status with Retry-After), to answer with a partial success or slowly, and be stopped and
// restarted on the same ports, as a downstream collector going away and coming back.
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';
import { Metadata, Server, ServerCredentials } from '@grpc/grpc-js';
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { Signal } from '../../src/collector/component.ts';
import { SIGNALS } from '../../src/collector/component.ts';
import { GRPC_EXPORT_PATH } from '../../src/collector/exporters/otlp-grpc.ts';
import { jsonToProtobuf, parseRequest } from '../../src/collector/otlp/index.ts';
import { encodePartialSuccess, encodeRpcStatus } from './rpc-status-encode.ts';
import { isLocalTestAddress } from '../cluster/addresses.ts';

export interface ReceivedRequest {
  readonly signal: Signal;
  readonly transport: 'grpc' | 'http';
  /** The export request in protobuf (decompressed; JSON bodies converted). */
  readonly body: Buffer;
  readonly items: number;
  /** Request headers / metadata, lower-case names, first value. */
  readonly headers: Readonly<Record<string, string>>;
  /** HTTP only: the body as it arrived (compressed size, content type). */
  readonly wireBytes?: number;
  readonly contentType?: string;
}

export interface Fault {
  /** gRPC status code to answer with, optionally with RetryInfo. */
  readonly grpc?: { readonly code: number; readonly message?: string; readonly retryDelayMs?: number };
  /** HTTP status to answer with, optionally with Retry-After. */
  readonly http?: { readonly status: number; readonly retryAfter?: string };
  /** How many requests fail before the sink heals by itself; unlimited when absent. */
  readonly times?: number;
}

export interface SinkOptions {
  readonly tls?: { readonly cert: string; readonly key: string };
  /** Fixed ports (for restarting elsewhere); free ports by default. */
  readonly grpcPort?: number;
  readonly httpPort?: number;
  /**
   * Address to listen on: 127.0.0.1 by default; the real node's IP (198.18.0.1) for collectors running in pods,
   * which cannot reach the host's loopback. Must pass isLocalTestAddress.
   */
  readonly host?: string;
}

const HTTP_PATHS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics', '/v1/logs': 'logs' };

export class OtlpSink {
  readonly requests: ReceivedRequest[] = [];
  /** Requests answered with the configured fault. */
  failed = 0;
  readonly #options: SinkOptions;
  #grpc: Server | undefined;
  #http: HttpServer | undefined;
  #grpcPort = 0;
  #httpPort = 0;
  #fault: Fault | undefined;
  #faultsLeft = Infinity;
  #partial: { rejected: number; message: string } | undefined;
  #delayMs = 0;
  #waiters: Array<() => void> = [];

  private constructor(options: SinkOptions) {
    if (options.host !== undefined && !isLocalTestAddress(options.host)) throw new Error(`OtlpSink: ${options.host} is not a local test address`);
    this.#options = options;
    this.#grpcPort = options.grpcPort ?? 0;
    this.#httpPort = options.httpPort ?? 0;
  }

  static async start(options: SinkOptions = {}): Promise<OtlpSink> {
    const sink = new OtlpSink(options);
    await sink.restart();
    return sink;
  }

  get grpcPort(): number {
    return this.#grpcPort;
  }

  get httpPort(): number {
    return this.#httpPort;
  }

  get host(): string {
    return this.#options.host ?? '127.0.0.1';
  }

  get grpcEndpoint(): string {
    return `${this.host}:${this.#grpcPort}`;
  }

  get httpEndpoint(): string {
    return `${this.#options.tls ? 'https' : 'http'}://${this.host}:${this.#httpPort}`;
  }

  items(signal: Signal = 'traces'): number {
    return this.requests.filter((r) => r.signal === signal).reduce((sum, r) => sum + r.items, 0);
  }

  fail(fault: Fault): void {
    this.#fault = fault;
    this.#faultsLeft = fault.times ?? Infinity;
  }

  heal(): void {
    this.#fault = undefined;
  }

  /** Answer successes with partial_success { rejected, message }. */
  partialSuccess(rejected: number, message = ''): void {
    this.#partial = { rejected, message };
  }

  /** Hold every answer this long (timeouts, drain tests). */
  delay(ms: number): void {
    this.#delayMs = ms;
  }

  async waitForItems(count: number, signal: Signal = 'traces', timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.items(signal) < count) {
      if (Date.now() > deadline) throw new Error(`sink got ${this.items(signal)} ${signal} items, expected ${count} within ${timeoutMs}ms`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Starts (again) on the same ports. */
  async restart(): Promise<void> {
    await this.stop();
    this.#grpc = new Server({ 'grpc.max_receive_message_length': -1 });
    for (const signal of SIGNALS) {
      this.#grpc.register(GRPC_EXPORT_PATH[signal], (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        void this.#answerGrpc(signal, call, callback);
      }, (b: Buffer) => b, (b: Buffer) => b, 'unary');
    }
    const credentials = this.#options.tls
      ? ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(this.#options.tls.cert), private_key: Buffer.from(this.#options.tls.key) }])
      : ServerCredentials.createInsecure();
    const grpc = this.#grpc;
    this.#grpcPort = await new Promise<number>((resolve, reject) =>
      grpc.bindAsync(`${this.host}:${this.#grpcPort}`, credentials, (error, port) => (error ? reject(error) : resolve(port))));
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.#answerHttp(req, res);
    this.#http = this.#options.tls ? createHttpsServer({ cert: this.#options.tls.cert, key: this.#options.tls.key }, handler) : createHttpServer(handler);
    const http = this.#http;
    await new Promise<void>((resolve) => http.listen(this.#httpPort, this.host, resolve));
    this.#httpPort = (http.address() as AddressInfo).port;
  }

  /** Closes both listeners and drops open connections; the ports stay reserved for restart(). */
  async stop(): Promise<void> {
    this.#grpc?.forceShutdown();
    this.#grpc = undefined;
    const http = this.#http;
    this.#http = undefined;
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  }

  #record(request: ReceivedRequest): void {
    this.requests.push(request);
    for (const wake of this.#waiters.splice(0)) wake();
  }

  #takeFault(): Fault | undefined {
    if (!this.#fault || this.#faultsLeft <= 0) return undefined;
    this.#faultsLeft--;
    this.failed++;
    return this.#fault;
  }

  async #answerGrpc(signal: Signal, call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): Promise<void> {
    if (this.#delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#delayMs));
    const fault = this.#takeFault()?.grpc;
    if (fault) {
      const trailers = new Metadata();
      if (fault.retryDelayMs !== undefined) trailers.set('grpc-status-details-bin', encodeRpcStatus(fault));
      callback({ code: fault.code, details: fault.message ?? 'sink told to fail', metadata: trailers });
      return;
    }
    const headers = Object.fromEntries(Object.entries(call.metadata.getMap()).map(([k, v]) => [k, String(v)]));
    this.#record({ signal, transport: 'grpc', body: call.request, items: parseRequest(signal, call.request).items, headers });
    callback(null, this.#partial ? encodePartialSuccess(this.#partial.rejected, this.#partial.message) : Buffer.alloc(0));
  }

  async #answerHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.#delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#delayMs));
    const signal = HTTP_PATHS[req.url ?? ''];
    if (req.method !== 'POST' || !signal) {
      res.writeHead(404).end();
      return;
    }
    const fault = this.#takeFault()?.http;
    if (fault) {
      res.writeHead(fault.status, { 'content-type': 'application/x-protobuf', ...(fault.retryAfter !== undefined && { 'retry-after': fault.retryAfter }) });
      res.end(encodeRpcStatus({ code: 14, message: 'sink told to fail' }));
      return;
    }
    const wire = Buffer.concat(chunks);
    const encoding = req.headers['content-encoding'];
    const raw = encoding === 'gzip' ? gunzipSync(wire) : encoding === 'deflate' ? inflateSync(wire) : wire;
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!;
    const json = contentType === 'application/json';
    const body = json ? Buffer.from(jsonToProtobuf(signal, raw.toString('utf8'))) : raw;
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] ?? '' : v ?? '']));
    this.#record({ signal, transport: 'http', body, items: parseRequest(signal, body).items, headers, wireBytes: wire.length, contentType });
    const partial = this.#partial ? encodePartialSuccess(this.#partial.rejected, this.#partial.message) : Buffer.alloc(0);
    if (json) {
      const key = { traces: 'rejectedSpans', metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords' }[signal];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.#partial ? { partialSuccess: { [key]: String(this.#partial.rejected), errorMessage: this.#partial.message } } : {}));
    } else {
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(partial);
    }
  }
}
