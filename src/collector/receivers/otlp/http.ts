// OTLP/HTTP server on node:http: POST /v1/{traces,metrics,logs} with protobuf or JSON bodies,
// optionally compressed (every Content-Encoding upstream reads, config.ts). Status codes as upstream:
// 404 unknown path, 405 wrong method, 415 wrong content type, 400 undecodable body, 413 too large,
// 503 + Retry-After when the pipeline refuses (retryable). Error bodies are google.rpc.Status in the
// request's format. With `tls` it serves HTTPS (certificates swapped on change, security.ts); with `auth` a request
// the authenticator refuses gets 401 and the reason as text, as upstream's confighttp answers.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Signal, SignalConsumers } from '../../component.ts';
import { endpointOf, formatEndpoint } from '../../config/endpoint.ts';
import { close, listen } from '../../listen.ts';
import { encodeExportResponse, jsonToProtobuf } from '../../otlp/index.ts';
import type { ReceiverMetrics } from '../../telemetry.ts';
import { BodyError, readBody } from './body.ts';
import type { HttpConfig } from './config.ts';
import { Cors } from './cors.ts';
import { Intake, type Failure } from './intake.ts';
import { authSources } from '../../auth.ts';
import { http, https } from '../../builtins.ts';
import type { Security } from './security.ts';
import { encodeStatusJson, encodeStatusProto, grpcCodeForHttp } from './status.ts';

type Format = 'protobuf' | 'json';

const CONTENT_TYPE: Record<Format, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };
const RETRY_AFTER_SECONDS = '1';

interface Route {
  readonly signal: Signal;
  readonly intake: Intake;
  readonly ok: Record<Format, Uint8Array | string>;
}

export class OtlpHttpServer {
  readonly #server: Server;
  readonly #routes = new Map<string, Route>();
  readonly #config: HttpConfig;
  readonly #logger: Logger;
  readonly #cors: Cors | undefined;
  readonly #encodings: ReadonlySet<string>;
  readonly #security: Security;

  constructor(config: HttpConfig, consumers: SignalConsumers, metrics: ReceiverMetrics, logger: Logger, security: Security = { requestParams: [] }) {
    this.#config = config;
    this.#security = security;
    this.#logger = logger;
    this.#cors = config.cors ? new Cors(config.cors) : undefined;
    this.#encodings = new Set(config.compression_algorithms);
    const paths: Record<Signal, string> = { traces: config.traces_url_path, metrics: config.metrics_url_path, logs: config.logs_url_path };
    for (const [signal, consumer] of Object.entries(consumers) as [Signal, NonNullable<SignalConsumers[Signal]>][]) {
      this.#routes.set(paths[signal], { signal, intake: new Intake(signal, consumer, metrics), ok: { protobuf: encodeExportResponse(signal), json: '{}' } });
    }
    const timeouts = {
      requestTimeout: config.read_timeout, headersTimeout: config.read_header_timeout, keepAliveTimeout: config.idle_timeout,
      connectionsCheckingInterval: checkingInterval(config),
    };
    const handle = (req: IncomingMessage, res: ServerResponse) => this.#handle(req, res);
    // An https.Server is an http.Server over TLS; typed as the latter where both serve alike.
    this.#server = security.tls ? (https.createServer({ ...timeouts, ...security.tls.options }, handle) as unknown as Server) : http.createServer(timeouts, handle);
  }

  async start(): Promise<void> {
    const endpoint = endpointOf(this.#config.endpoint);
    const port = await listen(this.#server, endpoint, 'protocols.http.endpoint');
    this.#logger.info({ endpoint: formatEndpoint({ ...endpoint, port }), tls: this.#security.tls !== undefined }, 'Starting HTTP server');
    if ('setSecureContext' in this.#server) this.#security.tls?.follow(this.#server as never, this.#logger);
  }

  shutdown(deadline: number): Promise<void> {
    this.#security.tls?.stop();
    return close(this.#server, deadline);
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const route = this.#routes.get(query < 0 ? url : url.slice(0, query));
    if (this.#cors?.handle(req, res)) return;
    const denied = this.#security.auth?.authenticate(authSources(req.headers, url, this.#security.requestParams));
    if (denied !== undefined) {
      plain(res, 401, `${denied}\n`);
      return;
    }
    if (!route) {
      plain(res, 404, '404 page not found');
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      plain(res, 405, '405 method not allowed, supported: [POST]');
      return;
    }
    const format = formatOf(req.headers['content-type']);
    if (!format) {
      plain(res, 415, `415 unsupported media type, supported: [${CONTENT_TYPE.json}, ${CONTENT_TYPE.protobuf}]`);
      return;
    }
    readBody(req, this.#config.max_request_body_size, this.#encodings).then(
      (body) => this.#deliver(route, format, body, res),
      (error: unknown) => {
        const status = error instanceof BodyError ? error.status : 400;
        this.#error(res, format, status, (error as Error).message);
      },
    );
  }

  #deliver(route: Route, format: Format, body: Buffer, res: ServerResponse): void {
    let bytes: Uint8Array;
    if (format === 'json') {
      try {
        bytes = jsonToProtobuf(route.signal, body.toString('utf8'));
      } catch (error) {
        this.#error(res, format, 400, (error as Error).message);
        return;
      }
    } else {
      bytes = body;
    }
    route.intake.push(bytes, (failure) => {
      if (failure) this.#failed(res, format, failure);
      else send(res, 200, CONTENT_TYPE[format], route.ok[format]);
    });
  }

  #failed(res: ServerResponse, format: Format, failure: Failure): void {
    if (failure.kind === 'refused' && failure.retryable) {
      res.setHeader('Retry-After', RETRY_AFTER_SECONDS);
      this.#error(res, format, 503, failure.message);
      return;
    }
    this.#error(res, format, 400, failure.message);
  }

  #error(res: ServerResponse, format: Format, status: number, message: string): void {
    this.#logger.debug({ status, message }, 'OTLP/HTTP request failed');
    const code = grpcCodeForHttp(status);
    send(res, status, CONTENT_TYPE[format], format === 'json' ? encodeStatusJson(code, message) : encodeStatusProto(code, message));
  }
}

/**
 * How often Node looks for connections past read_header_timeout or read_timeout: Node's default, 30 s, would
 * let a 1 s timeout hold a connection for 31 s. A tenth of the shortest one, between 100 ms and 1 s.
 */
function checkingInterval(config: HttpConfig): number {
  const timeouts = [config.read_header_timeout, config.read_timeout].filter((ms) => ms > 0);
  return timeouts.length === 0 ? 1000 : Math.min(1000, Math.max(100, Math.min(...timeouts) / 10));
}

function formatOf(contentType: string | undefined): Format | undefined {
  const media = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (media === CONTENT_TYPE.protobuf) return 'protobuf';
  if (media === CONTENT_TYPE.json) return 'json';
  return undefined;
}

function send(res: ServerResponse, status: number, contentType: string, body: Uint8Array | string): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength });
  res.end(body);
}

function plain(res: ServerResponse, status: number, text: string): void {
  send(res, status, 'text/plain', text);
}
