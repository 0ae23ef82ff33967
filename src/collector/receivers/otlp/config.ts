// otlp receiver config, upstream field names and defaults. A protocol is enabled by naming it, even
// with an empty body (`grpc:`), as upstream; at least one protocol is required.
import { z } from 'zod';
import { serverAuthSchema } from '../../auth.ts';
import { tlsServerSchema } from '../../tls/server-config.ts';
import { DECODABLE } from '../../compression/decompress.ts';
import { duration } from '../../config/duration.ts';
import { endpointField } from '../../config/endpoint.ts';

const MIB = 1024 * 1024;
const size = z.number().int().min(0);

const keepaliveSchema = z.strictObject({
  server_parameters: z.strictObject({
    max_connection_idle: duration.optional(),
    max_connection_age: duration.optional(),
    max_connection_age_grace: duration.optional(),
    time: duration.optional(),
    timeout: duration.optional(),
  }).optional(),
  enforcement_policy: z.strictObject({
    min_time: duration.optional(),
    permit_without_stream: z.boolean().optional(),
  }).optional(),
});

export const grpcConfigSchema = z.strictObject({
  endpoint: endpointField('localhost:4317'),
  transport: z.literal('tcp', 'only "tcp" is supported').default('tcp'),
  /** 0 means the default (4 MiB). */
  max_recv_msg_size_mib: z.number().min(0).default(4).transform((mib) => (mib === 0 ? 4 : mib)),
  max_concurrent_streams: size.default(0),
  // Go transport buffer sizes; accepted so upstream configs load, Node sizes its own buffers.
  read_buffer_size: size.default(512 * 1024),
  write_buffer_size: size.default(0),
  keepalive: keepaliveSchema.optional(),
  include_metadata: z.boolean().default(false),
  tls: tlsServerSchema.optional(),
  auth: serverAuthSchema.optional(),
});

/**
 * Content-Encoding values the HTTP server reads ('' and identity: none): upstream's default list ('',
 * gzip, zstd, zlib, snappy, deflate, lz4, x-snappy-framed) plus br and x-gzip.
 */
export const HTTP_ENCODINGS: readonly [string, ...string[]] = ['', 'identity', ...DECODABLE];

const urlPath = (fallback: string) =>
  z.string().default(fallback).transform((path) => (path.startsWith('/') ? path : `/${path}`));

export const httpConfigSchema = z.strictObject({
  endpoint: endpointField('localhost:4318'),
  tls: tlsServerSchema.optional(),
  auth: serverAuthSchema.optional(),
  traces_url_path: urlPath('/v1/traces'),
  metrics_url_path: urlPath('/v1/metrics'),
  logs_url_path: urlPath('/v1/logs'),
  /** Bytes, applied to the body as received and again after decompression; 0 means the default. */
  max_request_body_size: size.default(20 * MIB).transform((bytes) => (bytes === 0 ? 20 * MIB : bytes)),
  include_metadata: z.boolean().default(false),
  /** Content-Encodings accepted; others get 400. Every one by default. */
  compression_algorithms: z
    .array(z.enum(HTTP_ENCODINGS, `unsupported compression algorithm; supported: ${HTTP_ENCODINGS.map((name) => `"${name}"`).join(', ')}`))
    .default([...HTTP_ENCODINGS]),
  cors: z.strictObject({
    allowed_origins: z.array(z.string()).default([]),
    allowed_headers: z.array(z.string()).default([]),
    max_age: z.number().int().min(0).default(0),
  }).optional(),
  read_timeout: duration.default(0),
  read_header_timeout: duration.default(60_000),
  write_timeout: duration.default(30_000),
  idle_timeout: duration.default(60_000),
});

const present = <T extends z.ZodType>(schema: T) => z.preprocess((value) => value ?? {}, schema);

export const otlpReceiverConfigSchema = z
  .strictObject({
    protocols: z.strictObject({
      grpc: present(grpcConfigSchema).optional(),
      http: present(httpConfigSchema).optional(),
    }).prefault({}),
  })
  .superRefine((config, ctx) => {
    if (!config.protocols.grpc && !config.protocols.http) {
      ctx.addIssue({ code: 'custom', path: ['protocols'], message: 'must specify at least one protocol (grpc or http) when using the OTLP receiver' });
    }
  });

export type OtlpReceiverConfig = z.output<typeof otlpReceiverConfigSchema>;
export type GrpcConfig = z.output<typeof grpcConfigSchema>;
export type HttpConfig = z.output<typeof httpConfigSchema>;
