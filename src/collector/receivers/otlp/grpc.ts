// OTLP/gRPC server on node:http2: the three Export services, each call's one message reassembled once into a
// buffer cut from a shared slab (grpc-message.ts), scanned but never decoded into objects, and answered as grpc-js
// answers (status codes and texts, grpc-accept-encoding, trailers-only errors). Beside grpc-js this saves a Buffer
// per message and its per-call machinery (interceptors, metadata objects, promise chains) on the hot path.
// Limits: max_recv_msg_size_mib on the message as received (RESOURCE_EXHAUSTED from its prefix) and again on its
// decompressed size (grpc-decompress.ts); max_concurrent_streams as the HTTP/2 setting; keepalive and connection
// age in grpc-session.ts. Refusal maps to UNAVAILABLE (retryable) or INVALID_ARGUMENT. With `tls` it serves HTTP/2
// over TLS (certificates swapped on change, security.ts); with `auth` a call the authenticator refuses ends
// UNAUTHENTICATED before its message is read.
import { constants, createSecureServer, createServer, type Http2SecureServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import type { Logger } from 'pino';
import type { Signal, SignalConsumers } from '../../component.ts';
import { endpointOf, formatEndpoint } from '../../config/endpoint.ts';
import { listen } from '../../listen.ts';
import { encodeExportResponse } from '../../otlp/index.ts';
import type { ReceiverMetrics } from '../../telemetry.ts';
import type { GrpcConfig } from './config.ts';
import { decompressMessage, GRPC_ACCEPT_ENCODING } from './grpc-decompress.ts';
import { MessageReader, PREFIX, ReceiveSlabs } from './grpc-message.ts';
import { manageSession, sessionLimits, type SessionLimits } from './grpc-session.ts';
import { GRPC_STATUS, responseHeaders, sendMessage, sendStatus, type GrpcStatus } from './grpc-status.ts';
import { Intake, type Failure } from './intake.ts';
import type { Security } from './security.ts';

const MIB = 1024 * 1024;
const SERVICE: Record<Signal, string> = {
  traces: 'opentelemetry.proto.collector.trace.v1.TraceService',
  metrics: 'opentelemetry.proto.collector.metrics.v1.MetricsService',
  logs: 'opentelemetry.proto.collector.logs.v1.LogsService',
};
/** Per-stream and per-connection flow-control windows: a 1000-span request arrives without waiting for updates. */
const STREAM_WINDOW = 1 * MIB;
const SESSION_WINDOW = 16 * MIB;
const HEADERS = responseHeaders(GRPC_ACCEPT_ENCODING);
const DEADLINE = /^(\d{1,8})\s*([HMSmun])$/;
const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

interface Route {
  readonly path: string;
  readonly intake: Intake;
  /** The framed response message. */
  readonly ok: Buffer;
}

function frame(message: Uint8Array): Buffer {
  const framed = Buffer.alloc(PREFIX + message.length);
  framed.writeUInt32BE(message.length, 1);
  framed.set(message, PREFIX);
  return framed;
}

function statusOf(failure: Failure): GrpcStatus {
  if (failure.kind === 'refused' && failure.retryable) return { code: GRPC_STATUS.UNAVAILABLE, details: failure.message };
  return { code: GRPC_STATUS.INVALID_ARGUMENT, details: failure.message };
}

export class OtlpGrpcServer {
  readonly #server: Http2Server | Http2SecureServer;
  readonly #security: Security;
  readonly #sessions = new Set<ServerHttp2Session>();
  readonly #routes = new Map<string, Route>();
  readonly #config: GrpcConfig;
  readonly #logger: Logger;
  readonly #limit: number;
  readonly #limits: SessionLimits;
  readonly #slabs = new ReceiveSlabs();

  constructor(config: GrpcConfig, consumers: SignalConsumers, metrics: ReceiverMetrics, logger: Logger, security: Security = { requestParams: [] }) {
    this.#config = config;
    this.#security = security;
    this.#logger = logger;
    this.#limit = Math.floor(config.max_recv_msg_size_mib * MIB);
    this.#limits = sessionLimits(config);
    for (const [signal, consumer] of Object.entries(consumers) as [Signal, NonNullable<SignalConsumers[Signal]>][]) {
      const path = `/${SERVICE[signal]}/Export`;
      this.#routes.set(path, { path, intake: new Intake(signal, consumer, metrics), ok: frame(encodeExportResponse(signal)) });
    }
    const options = {
      // As grpc-js: Node's per-session memory check degrades badly when reached; message sizes are bounded here.
      maxSessionMemory: Number.MAX_SAFE_INTEGER,
      maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER,
      settings: { initialWindowSize: STREAM_WINDOW, ...(config.max_concurrent_streams > 0 && { maxConcurrentStreams: config.max_concurrent_streams }) },
    };
    this.#server = security.tls ? createSecureServer({ ...options, ...security.tls.options }) : createServer(options);
    this.#server.on('session', (session: ServerHttp2Session) => this.#onSession(session));
    this.#server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => this.#onStream(stream, headers));
  }

  async start(): Promise<void> {
    const endpoint = endpointOf(this.#config.endpoint);
    // Go's ":4317" listens on every interface; "::" does the same here (dual stack).
    const port = await listen(this.#server, { host: endpoint.host ?? '::', port: endpoint.port }, 'protocols.grpc.endpoint');
    this.#logger.info({ endpoint: formatEndpoint({ ...endpoint, port }), tls: this.#security.tls !== undefined }, 'Starting GRPC server');
    if ('setSecureContext' in this.#server) this.#security.tls?.follow(this.#server, this.#logger);
  }

  /** Refuses new connections and calls (GOAWAY), lets running calls finish until the deadline, then cuts them. */
  shutdown(deadline: number): Promise<void> {
    this.#security.tls?.stop();
    if (!this.#server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        for (const session of this.#sessions) session.destroy(undefined, constants.NGHTTP2_CANCEL);
      }, Math.max(0, deadline - Date.now()));
      this.#server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      for (const session of this.#sessions) session.close();
    });
  }

  #onSession(session: ServerHttp2Session): void {
    this.#sessions.add(session);
    session.once('close', () => this.#sessions.delete(session));
    session.on('error', (error) => this.#logger.debug({ err: error }, 'gRPC connection error'));
    session.setLocalWindowSize(SESSION_WINDOW);
    manageSession(session, this.#limits);
  }

  #onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on('error', () => { /* the client went away; nothing to answer */ });
    const contentType = headers[constants.HTTP2_HEADER_CONTENT_TYPE];
    if (typeof contentType !== 'string' || !contentType.startsWith('application/grpc')) {
      stream.respond({ [constants.HTTP2_HEADER_STATUS]: constants.HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE }, { endStream: true });
      return;
    }
    const denied = this.#security.auth?.authenticate(headers);
    if (denied !== undefined) {
      this.#discard(stream, { code: GRPC_STATUS.UNAUTHENTICATED, details: denied });
      return;
    }
    const path = String(headers[constants.HTTP2_HEADER_PATH]);
    const route = this.#routes.get(path);
    if (!route) {
      this.#discard(stream, { code: GRPC_STATUS.UNIMPLEMENTED, details: `The server does not implement the method ${path}` });
      return;
    }
    const timeout = headers['grpc-timeout'];
    let deadline: NodeJS.Timeout | undefined;
    if (typeof timeout === 'string') {
      const match = DEADLINE.exec(timeout);
      if (!match) {
        this.#discard(stream, { code: GRPC_STATUS.INTERNAL, details: `Invalid grpc-timeout value "${timeout}"` });
        return;
      }
      deadline = setTimeout(() => this.#discard(stream, { code: GRPC_STATUS.DEADLINE_EXCEEDED, details: 'Deadline exceeded' }), Number(match[1]) * UNIT_MS[match[2]!]!);
      stream.once('close', () => clearTimeout(deadline));
    }
    const encoding = String(headers['grpc-encoding'] ?? 'identity');
    const reader = new MessageReader(this.#limit, this.#slabs);
    // A finished stream stays reachable until V8's next full collection, and with it these listeners: the reader must
    // not keep the message (a view that holds a whole receive slab) past the call, or every slab survives scavenges.
    stream.once('close', () => reader.take());
    const onData = (chunk: Buffer): void => {
      const result = reader.push(chunk);
      if (result.kind === 'tooLarge') {
        this.#discard(stream, { code: GRPC_STATUS.RESOURCE_EXHAUSTED, details: `Received message larger than max (${result.length} vs. ${this.#limit})` });
      } else if (result.kind === 'second') {
        this.#discard(stream, { code: GRPC_STATUS.UNIMPLEMENTED, details: `Received a second request message for server streaming method ${path}` });
      }
    };
    stream.on('data', onData);
    stream.once('end', () => {
      if (stream.headersSent) return;
      const message = reader.take();
      if (!message) {
        sendStatus(stream, HEADERS, { code: GRPC_STATUS.UNIMPLEMENTED, details: `Received no request message for server streaming method ${path}` });
        return;
      }
      if (!message.compressed) {
        this.#export(stream, route, message.body);
        return;
      }
      decompressMessage(message.body, encoding, this.#limit).then(
        (body) => this.#export(stream, route, body),
        (status: GrpcStatus) => sendStatus(stream, HEADERS, status),
      );
    });
  }

  #export(stream: ServerHttp2Stream, route: Route, body: Buffer): void {
    route.intake.push(body, (failure) => {
      if (failure) sendStatus(stream, HEADERS, statusOf(failure));
      else sendMessage(stream, HEADERS, route.ok);
    });
  }

  /** Answers with `status` now and drops whatever else the client sends on this call. */
  #discard(stream: ServerHttp2Stream, status: GrpcStatus): void {
    stream.removeAllListeners('data');
    stream.on('data', () => {});
    sendStatus(stream, HEADERS, status);
  }
}
