// `otlp_grpc` exporter (alias `otlp`): OTLP over gRPC with @grpc/grpc-js and raw-buffer
// serializers, so the encoded request goes on the wire without an object model in between.
// Compression as upstream's gRPC client: gzip (grpc-js), zstd and snappy (grpc-compression.ts).
import { ChannelCredentials, Client, Metadata, setLogger, status as grpcStatus } from '@grpc/grpc-js';
import type { ChannelOptions, ServiceError } from '@grpc/grpc-js';
import { z } from 'zod';
import type { ComponentContext, ExporterFactory, Payload, Signal } from '../component.ts';
import { duration } from '../config/duration.ts';
import { COMPRESSION_OPTION, installGrpcCompression, installOneJobGzip, installZeroCopyFraming } from './grpc-compression.ts';
import { clientAuthenticator, clientAuthSchema, type ClientAuthenticator } from '../auth.ts';
import { hasCa, headersSchema, loadTls, retireAfterMs, tlsClientSchema, USER_AGENT, watchClientTls, type TlsMaterial } from './client-config.ts';
import type { FileWatch } from '../file-watch.ts';
import { createExporter } from './exporter-helper.ts';
import type { Exporter, ExporterClient, HelperDeps, PushOptions, PushResult } from './exporter-helper.ts';
import { partialSuccessFromProto } from './partial-success.ts';
import { classifyGrpc, ExportError, retryConfigSchema } from './retry.ts';
import { decodeRpcStatus } from './rpc-status.ts';
import { RequestBuffers } from './request-buffers.ts';
import { queueConfigSchema } from './sending-queue.ts';
import { grpcLoaded } from '../service/grpc-logs.ts';
import { tls as nodeTls } from '../builtins.ts';

grpcLoaded(setLogger);

export const GRPC_EXPORT_PATH: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

export interface GrpcTarget {
  /** What grpc-js dials: host:port, or a unix: target. */
  readonly target: string;
  /** https:// forces TLS whatever tls.insecure says, as upstream. */
  readonly forceTls: boolean;
}

/** Upstream's endpoint forms: host:port, http(s)://host:port, dns:[//]/host:port, unix://path. */
export function parseGrpcEndpoint(endpoint: string): GrpcTarget | { error: string } {
  if (endpoint.startsWith('unix://')) {
    return endpoint.length > 'unix://'.length ? { target: endpoint, forceTls: false } : { error: 'unix socket path cannot be empty' };
  }
  const forceTls = endpoint.startsWith('https://');
  const address = endpoint.replace(/^https?:\/\//, '').replace(/^dns:\/\/\/?/, '');
  const match = /^(\[[^\]]+\]|[^:/[\]]+):(\d+)$/.exec(address);
  if (!match) return { error: `"${endpoint}" is not host:port (e.g. "collector:4317")` };
  if (Number(match[2]) > 65535) return { error: `invalid port "${match[2]}"` };
  return { target: address, forceTls };
}

const grpcHeaderName = /^[0-9a-z_.-]+$/;

/** What upstream's gRPC client can send; its other compression names fail its exporter's start. */
const GRPC_COMPRESSIONS = ['gzip', 'snappy', 'zstd', 'none', ''] as const;
// Names upstream's config accepts but its gRPC exporter cannot send (it fails at start): refused here as unsupported.
const UPSTREAM_ONLY = new Set(['zlib', 'deflate', 'lz4', 'x-snappy-framed']);
const compressionSchema = z.enum(GRPC_COMPRESSIONS, {
  error: (issue) => UPSTREAM_ONLY.has(String(issue.input))
    ? `unsupported: compression ${JSON.stringify(issue.input)} over gRPC (upstream's exporter fails to start with it); supported: gzip, snappy, zstd, none`
    : `unsupported compression type ${JSON.stringify(issue.input)} for gRPC; supported: gzip, snappy, zstd, none`,
});

export const otlpGrpcConfigSchema = z
  .strictObject({
    endpoint: z.string().min(1, 'requires a non-empty "endpoint"'),
    compression: compressionSchema.default('gzip'),
    tls: tlsClientSchema.prefault({}),
    headers: headersSchema,
    auth: clientAuthSchema.optional(),
    timeout: duration.default(5_000),
    keepalive: z.strictObject({
      time: duration.default(10_000),
      timeout: duration.default(10_000),
      permit_without_stream: z.boolean().default(false),
    }).optional(),
    /** '' keeps gRPC's default (pick_first), as upstream's otlp exporter. */
    balancer_name: z.enum(['', 'pick_first', 'round_robin']).default(''),
    authority: z.string().default(''),
    wait_for_ready: z.boolean().default(false),
    // Go's socket buffer knobs; grpc-js sizes its own buffers, so these are accepted for
    // config compatibility and have no effect.
    read_buffer_size: z.number().int().nonnegative().optional(),
    write_buffer_size: z.number().int().nonnegative().optional(),
    sending_queue: queueConfigSchema.prefault({}),
    retry_on_failure: retryConfigSchema.prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const parsed = parseGrpcEndpoint(cfg.endpoint);
    if ('error' in parsed) ctx.addIssue({ code: 'custom', path: ['endpoint'], message: parsed.error });
    cfg.headers.forEach(([name], index) => {
      if (!grpcHeaderName.test(name.toLowerCase()) || name.toLowerCase().endsWith('-bin')) {
        ctx.addIssue({ code: 'custom', path: ['headers', index], message: `"${name}" is not a valid gRPC metadata key (letters, digits, _ . -; binary -bin keys unsupported)` });
      }
    });
  });

export type OtlpGrpcConfig = z.output<typeof otlpGrpcConfigSchema>;

/** Channel options for grpc-js, pure so the mapping from config is table-tested. */
export function channelOptions(cfg: OtlpGrpcConfig): ChannelOptions {
  return {
    'grpc.primary_user_agent': USER_AGENT,
    'grpc.max_send_message_length': -1,
    ...(cfg.compression === 'gzip' && { 'grpc.default_compression_algorithm': 2 }),
    ...((cfg.compression === 'zstd' || cfg.compression === 'snappy') && { [COMPRESSION_OPTION]: cfg.compression }),
    ...(cfg.keepalive && {
      'grpc.keepalive_time_ms': cfg.keepalive.time,
      'grpc.keepalive_timeout_ms': cfg.keepalive.timeout,
      'grpc.keepalive_permit_without_calls': cfg.keepalive.permit_without_stream ? 1 : 0,
    }),
    ...(cfg.balancer_name !== '' && { 'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ [cfg.balancer_name]: {} }] }) }),
    ...(cfg.authority !== '' && { 'grpc.default_authority': cfg.authority }),
    ...(cfg.tls.server_name_override !== '' && { 'grpc.ssl_target_name_override': cfg.tls.server_name_override }),
  };
}

async function credentialsFor(cfg: OtlpGrpcConfig, forceTls: boolean): Promise<ChannelCredentials> {
  // Upstream: plaintext only when insecure and no CA given, unless the scheme is https.
  if (cfg.tls.insecure && !hasCa(cfg.tls) && !forceTls) return ChannelCredentials.createInsecure();
  return secureCredentials(await loadTls(cfg.tls));
}

function secureCredentials(tls: TlsMaterial): ChannelCredentials {
  const context = nodeTls.createSecureContext({
    ...(tls.ca !== undefined && { ca: tls.ca }),
    ...(tls.cert !== undefined && { cert: tls.cert, key: tls.key }),
    minVersion: tls.minVersion,
    ...(tls.maxVersion && { maxVersion: tls.maxVersion }),
    ...(tls.ciphers && { ciphers: tls.ciphers }),
    ...(tls.ecdhCurve && { ecdhCurve: tls.ecdhCurve }),
  });
  return ChannelCredentials.createFromSecureContext(context, tls.rejectUnauthorized
    ? {}
    : { rejectUnauthorized: false, checkServerIdentity: () => undefined });
}

export function grpcExportError(error: ServiceError): ExportError {
  const details = error.metadata?.get('grpc-status-details-bin')[0];
  const rpcStatus = details instanceof Buffer ? decodeRpcStatus(details) : undefined;
  const { retryable, throttleMs } = classifyGrpc(error.code, rpcStatus?.retryInfo);
  const name = grpcStatus[error.code] ?? String(error.code);
  return new ExportError(`rpc error: code = ${name} desc = ${error.details}`, retryable, throttleMs, { cause: error });
}

class GrpcClient implements ExporterClient {
  readonly #cfg: OtlpGrpcConfig;
  readonly #ctx: ComponentContext;
  readonly #buffers = new RequestBuffers();
  #client: Client | undefined;
  #metadata = new Metadata();
  #auth: ClientAuthenticator | undefined;
  #tlsWatch: FileWatch | undefined;

  constructor(ctx: ComponentContext, cfg: OtlpGrpcConfig) {
    this.#ctx = ctx;
    this.#cfg = cfg;
  }

  /** As upstream: Go's net.SplitHostPort of the endpoint as written, or all of it as the address when it does not split. */
  endpointLabels(): Record<string, string> {
    const split = /^\[([^\]]*)\]:([^:]*)$/.exec(this.#cfg.endpoint) ?? /^([^:]*):([^:]*)$/.exec(this.#cfg.endpoint);
    if (!split) return { server_address: this.#cfg.endpoint };
    return /^[+-]?\d+$/.test(split[2]!) ? { server_address: split[1]!, server_port: String(Number(split[2])) } : { server_address: split[1]! };
  }

  async start(): Promise<void> {
    const target = parseGrpcEndpoint(this.#cfg.endpoint);
    if ('error' in target) throw new Error(`endpoint: ${target.error}`);
    if (this.#cfg.auth) this.#auth = clientAuthenticator(this.#ctx.extensions, this.#cfg.auth.authenticator, `exporters.${this.#ctx.id}.auth.authenticator`);
    if (this.#cfg.compression === 'zstd' || this.#cfg.compression === 'snappy') installGrpcCompression();
    if (this.#cfg.compression === 'none' || this.#cfg.compression === '') installZeroCopyFraming();
    if (this.#cfg.compression === 'gzip') installOneJobGzip();
    this.#client = new Client(target.target, await credentialsFor(this.#cfg, target.forceTls), channelOptions(this.#cfg));
    const secure = !(this.#cfg.tls.insecure && !hasCa(this.#cfg.tls) && !target.forceTls);
    if (secure) {
      this.#tlsWatch = await watchClientTls(this.#cfg.tls, this.#ctx.logger, (material) => {
        const retired = this.#client;
        this.#client = new Client(target.target, secureCredentials(material), channelOptions(this.#cfg));
        setTimeout(() => retired?.close(), retireAfterMs(this.#cfg.timeout)).unref();
      });
    }
    this.#metadata = new Metadata(this.#cfg.wait_for_ready ? { waitForReady: true } : {});
    for (const [name, value] of this.#cfg.headers) this.#metadata.add(name.toLowerCase(), value);
  }

  push(payload: Payload, options: PushOptions): Promise<PushResult | void> {
    const client = this.#client;
    if (!client) return Promise.reject(new ExportError('exporter not started', true));
    const request = this.#buffers.encode(payload);
    const metadata = this.#metadata.clone();
    if (this.#auth) {
      const { name, value } = this.#auth.credential();
      metadata.set(name.toLowerCase(), value);
    }
    const path = GRPC_EXPORT_PATH[payload.signal];
    return new Promise((resolve, reject) => {
      // grpc-js keeps a finished call, and so this callback, reachable until V8's next full collection. Through
      // resolve, the callback reaches the awaiting exporter and its payload, whose views hold whole receive slabs:
      // every exported batch stayed in memory until a mark-compact (one a second at 20k spans/s). The callback lets
      // go of them when it runs.
      let settle: { resolve: (result: PushResult | void) => void; reject: (error: unknown) => void } | undefined = { resolve, reject };
      const call = client.makeUnaryRequest(
        path, identity, identity, request.bytes, metadata,
        options.timeoutMs > 0 ? { deadline: Date.now() + options.timeoutMs } : {},
        (error, response) => {
          const { resolve, reject } = settle!;
          settle = undefined;
          options.signal.removeEventListener('abort', cancel);
          // After a failure grpc-js may still hold the request (e.g. a cancelled send being
          // compressed), so only a completed call gives its buffer back.
          if (error) return reject(grpcExportError(error));
          request.release();
          try {
            resolve(response && response.length > 0 ? partialSuccessFromProto(response) : undefined);
          } catch (cause) {
            // The data was accepted; an unreadable response must not cause a resend.
            resolve({ rejected: 0, message: `unreadable export response: ${(cause as Error).message}` });
          }
        },
      );
      const cancel = () => call.cancel();
      options.signal.addEventListener('abort', cancel, { once: true });
    });
  }

  async shutdown(): Promise<void> {
    this.#tlsWatch?.stop();
    this.#client?.close();
  }
}

function identity(buffer: Buffer): Buffer {
  return buffer;
}

export function createOtlpGrpcExporter(ctx: ComponentContext, cfg: OtlpGrpcConfig, deps: HelperDeps = {}): Exporter {
  return createExporter(ctx, cfg, new GrpcClient(ctx, cfg), deps);
}

export const otlpGrpcExporterFactory: ExporterFactory<OtlpGrpcConfig> = {
  type: 'otlp_grpc',
  aliases: ['otlp'],
  configSchema: otlpGrpcConfigSchema,
  create: (ctx, cfg) => createOtlpGrpcExporter(ctx, cfg),
};
