// `otlp_http` exporter (alias `otlphttp`): OTLP/HTTP POSTs to <endpoint>/v1/<signal>, protobuf
// (streamed from the payload's entry views, no concatenation) or JSON, over keep-alive agents,
// compressed with any of upstream's compressions (compression/compress.ts).
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { z } from 'zod';
import type { ComponentContext, ExporterFactory, Payload, Signal } from '../component.ts';
import { SIGNALS } from '../component.ts';
import { http, https } from '../builtins.ts';
import { compressBody, HTTP_COMPRESSIONS } from '../compression/compress.ts';
import { duration } from '../config/duration.ts';
import { encodeRequest, encodeRequestChunks, protobufToJson } from '../otlp/index.ts';
import { clientAuthenticator, clientAuthSchema, type ClientAuthenticator } from '../auth.ts';
import { headersSchema, loadTls, retireAfterMs, tlsClientSchema, USER_AGENT, watchClientTls } from './client-config.ts';
import type { FileWatch } from '../file-watch.ts';
import { createExporter } from './exporter-helper.ts';
import type { Exporter, ExporterClient, HelperDeps, PushOptions, PushResult } from './exporter-helper.ts';
import { partialSuccessFromJson, partialSuccessFromProto } from './partial-success.ts';
import { classifyHttp, ExportError, retryConfigSchema } from './retry.ts';
import { decodeRpcStatus } from './rpc-status.ts';
import { queueConfigSchema } from './sending-queue.ts';

const MAX_RESPONSE_BYTES = 64 * 1024;
const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

const httpUrl = z.string().refine((value) => /^https?:$/.test(URL.parse(value)?.protocol ?? ''), 'must be an http:// or https:// URL');

export const otlpHttpConfigSchema = z
  .strictObject({
    endpoint: httpUrl.optional(),
    traces_endpoint: httpUrl.optional(),
    metrics_endpoint: httpUrl.optional(),
    logs_endpoint: httpUrl.optional(),
    encoding: z.enum(['proto', 'json']).default('proto'),
    compression: z.enum([...HTTP_COMPRESSIONS, 'none', ''], `unsupported compression type; supported: ${HTTP_COMPRESSIONS.join(', ')}, none`).default('gzip'),
    /** 0 is the default level; others as upstream (zlib formats -2..9, zstd any, the rest none). */
    compression_params: z.strictObject({ level: z.number().int().default(0) }).prefault({}),
    tls: tlsClientSchema.prefault({}),
    headers: headersSchema,
    auth: clientAuthSchema.optional(),
    timeout: duration.default(30_000),
    // Go's buffer sizes and total idle-connection cap have no node:http equivalent; accepted for
    // config compatibility, no effect.
    read_buffer_size: z.number().int().nonnegative().optional(),
    write_buffer_size: z.number().int().nonnegative().optional(),
    max_idle_conns: z.number().int().nonnegative().optional(),
    max_idle_conns_per_host: z.number().int().nonnegative().optional(),
    max_conns_per_host: z.number().int().nonnegative().optional(),
    idle_conn_timeout: duration.default(90_000),
    disable_keep_alives: z.boolean().default(false),
    sending_queue: queueConfigSchema.prefault({}),
    retry_on_failure: retryConfigSchema.prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const level = cfg.compression_params.level;
    if (level !== 0 && !levelAllowed(cfg.compression, level)) {
      ctx.addIssue({ code: 'custom', path: ['compression_params', 'level'], message: `unsupported parameters {Level:${level}} for compression type "${cfg.compression}"` });
    }
    if (cfg.endpoint === undefined && SIGNALS.every((signal) => cfg[`${signal}_endpoint`] === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['endpoint'], message: 'at least one endpoint must be specified' });
    }
  });

export type OtlpHttpConfig = z.output<typeof otlpHttpConfigSchema>;

/** Upstream's rule: zlib's levels (-1 default, -2 Huffman only, 0..9) for its formats, any for zstd. */
function levelAllowed(compression: OtlpHttpConfig['compression'], level: number): boolean {
  if (compression === 'gzip' || compression === 'zlib' || compression === 'deflate') return level >= -2 && level <= 9;
  return compression === 'zstd';
}

/** The URL a signal is posted to: its own *_endpoint, else endpoint + /v1/<signal>. */
export function signalUrl(cfg: Pick<OtlpHttpConfig, 'endpoint' | 'traces_endpoint' | 'metrics_endpoint' | 'logs_endpoint'>, signal: Signal): string | undefined {
  const override = cfg[`${signal}_endpoint`];
  if (override !== undefined) return override;
  if (cfg.endpoint === undefined) return undefined;
  return `${cfg.endpoint}${cfg.endpoint.endsWith('/') ? '' : '/'}v1/${signal}`;
}

interface Response {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

function readResponse(res: IncomingMessage): Promise<Response> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    res.on('data', (chunk: Buffer) => {
      if (length >= MAX_RESPONSE_BYTES) return;
      chunks.push(chunk);
      length += chunk.length;
    });
    res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES) }));
    res.on('error', reject);
  });
}

function contentType(headers: IncomingMessage['headers']): string {
  return (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The error an unsuccessful response means, with the server's google.rpc.Status message when present. */
export function httpExportError(url: string, res: Response, now: number): ExportError {
  const rpcStatus = contentType(res.headers) === PROTOBUF ? decodeRpcStatus(res.body) : undefined;
  const detail = rpcStatus?.message ?? (contentType(res.headers) === JSON_TYPE || contentType(res.headers).startsWith('text/') ? res.body.toString('utf8').slice(0, 512) : '');
  const retryAfter = res.headers['retry-after'];
  const { retryable, throttleMs } = classifyHttp(res.status, retryAfter, now);
  return new ExportError(`error exporting items, request to ${url} responded with HTTP Status Code ${res.status}${detail ? `, Message=${detail}` : ''}`, retryable, throttleMs);
}

function partialSuccess(signal: Signal, res: Response): PushResult | undefined {
  if (res.body.length === 0) return undefined;
  try {
    const type = contentType(res.headers);
    if (type === PROTOBUF) return partialSuccessFromProto(res.body);
    if (type === JSON_TYPE) return partialSuccessFromJson(signal, res.body.toString('utf8'));
    return undefined;
  } catch (cause) {
    // Delivered; an unreadable response must not cause a resend.
    return { rejected: 0, message: `unreadable export response: ${(cause as Error).message}` };
  }
}

class HttpClient implements ExporterClient {
  readonly #cfg: OtlpHttpConfig;
  readonly #ctx: ComponentContext;
  #http: HttpAgent | undefined;
  #https: HttpsAgent | undefined;
  #tlsWatch: FileWatch | undefined;
  #auth: ClientAuthenticator | undefined;

  constructor(ctx: ComponentContext, cfg: OtlpHttpConfig) {
    this.#ctx = ctx;
    this.#cfg = cfg;
  }

  /** As upstream: the host, path and explicit port of the signal's URL. */
  endpointLabels(signal: Signal): Record<string, string> {
    const url = signalUrl(this.#cfg, signal);
    if (url === undefined) return {};
    const parsed = new URL(url);
    return {
      server_address: parsed.hostname.replace(/^\[|\]$/g, ''),
      ...(parsed.pathname !== '' && parsed.pathname !== '/' ? { url_path: parsed.pathname } : {}),
      ...(parsed.port !== '' ? { server_port: parsed.port } : {}),
    };
  }

  async start(): Promise<void> {
    const cfg = this.#cfg;
    if (cfg.auth) this.#auth = clientAuthenticator(this.#ctx.extensions, cfg.auth.authenticator, `exporters.${this.#ctx.id}.auth.authenticator`);
    const pool = {
      keepAlive: !cfg.disable_keep_alives,
      ...(cfg.max_conns_per_host ? { maxSockets: cfg.max_conns_per_host } : {}),
      ...(cfg.max_idle_conns_per_host ? { maxFreeSockets: cfg.max_idle_conns_per_host } : {}),
      ...(cfg.idle_conn_timeout > 0 ? { timeout: cfg.idle_conn_timeout } : {}),
    };
    this.#http = new http.Agent(pool);
    if (SIGNALS.some((signal) => signalUrl(cfg, signal)?.startsWith('https:'))) {
      this.#https = new https.Agent({ ...pool, ...(await loadTls(cfg.tls)) });
      this.#tlsWatch = await watchClientTls(cfg.tls, this.#ctx.logger, (material) => {
        const retired = this.#https;
        this.#https = new https.Agent({ ...pool, ...material });
        setTimeout(() => retired?.destroy(), retireAfterMs(cfg.timeout)).unref();
      });
    }
  }

  async push(payload: Payload, options: PushOptions): Promise<PushResult | void> {
    const url = signalUrl(this.#cfg, payload.signal);
    if (url === undefined) throw new ExportError(`no URL for ${payload.signal}: set endpoint or ${payload.signal}_endpoint`, false);
    const res = await this.#post(url, payload, options);
    if (res.status >= 200 && res.status < 300) return partialSuccess(payload.signal, res);
    throw httpExportError(url, res, Date.now());
  }

  async #post(url: string, payload: Payload, options: PushOptions): Promise<Response> {
    const cfg = this.#cfg;
    const json = cfg.encoding === 'json';
    const compression = cfg.compression === 'none' || cfg.compression === '' ? undefined : cfg.compression;
    // Compressed whole (one thread-pool job, compression/pool-chunks.ts); uncompressed, the entry views go out as
    // they are, in one writev.
    const jsonBody = json ? Buffer.from(JSON.stringify(protobufToJson(payload.signal, encodeRequest(payload)))) : undefined;
    const chunks = jsonBody ? [jsonBody] : encodeRequestChunks(payload);
    const body = compression ? [await compressed(compression, jsonBody ?? Buffer.concat(chunks), cfg.compression_params.level)] : chunks;
    const headers: Record<string, string | number> = {
      'content-type': json ? JSON_TYPE : PROTOBUF,
      'user-agent': USER_AGENT,
      ...(compression && { 'content-encoding': compression }),
      'content-length': body.reduce((sum, c) => sum + c.byteLength, 0),
    };
    for (const [name, value] of cfg.headers) headers[name] = value;
    if (this.#auth) {
      const { name, value } = this.#auth.credential();
      headers[name] = value;
    }
    const signal = options.timeoutMs > 0 ? AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]) : options.signal;
    const secure = url.startsWith('https:');
    const send = secure ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = send(url, { method: 'POST', headers, agent: secure ? this.#https : this.#http, signal });
      req.on('response', (res) => readResponse(res).then(resolve, reject));
      req.on('error', (error) => reject(new ExportError(`failed to make an HTTP request to ${url}: ${signal.aborted ? String(signal.reason) : error.message}`, true, undefined, { cause: error })));
      // Corked so the small tag headers and the entry views leave in one writev; end() uncorks.
      req.cork();
      for (const chunk of body) req.write(chunk);
      req.end();
    });
  }

  async shutdown(): Promise<void> {
    this.#tlsWatch?.stop();
    this.#http?.destroy();
    this.#https?.destroy();
  }
}

/** A body that does not compress fails the same way every time: not retried. */
async function compressed(compression: Exclude<OtlpHttpConfig['compression'], 'none' | ''>, body: Buffer, level: number): Promise<Buffer> {
  try {
    return await compressBody(compression, body, level);
  } catch (error) {
    throw new ExportError(`failed to compress the request with ${compression}: ${(error as Error).message}`, false, undefined, { cause: error });
  }
}

export function createOtlpHttpExporter(ctx: ComponentContext, cfg: OtlpHttpConfig, deps: HelperDeps = {}): Exporter {
  return createExporter(ctx, cfg, new HttpClient(ctx, cfg), deps);
}

export const otlpHttpExporterFactory: ExporterFactory<OtlpHttpConfig> = {
  type: 'otlp_http',
  aliases: ['otlphttp'],
  configSchema: otlpHttpConfigSchema,
  create: (ctx, cfg) => createOtlpHttpExporter(ctx, cfg),
};
