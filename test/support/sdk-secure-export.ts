// One export of spans through the official JS SDK exporters (gRPC and HTTP/protobuf) over TLS, with or without a
// client certificate and a bearer token; resolves with the SDK's result so a test sees how a refusal surfaces.
import { credentials, Metadata } from '@grpc/grpc-js';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as TracesGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TracesProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface SecureClient {
  readonly ca: string;
  readonly clientCert?: { readonly cert: string; readonly key: string };
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** The whole `Authorization` value (e.g. `Basic ...`); wins over `token`. */
  readonly authorization?: string;
}

function spans(ids: readonly string[]) {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'tls-test' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('tls-test');
  for (const id of ids) tracer.startSpan(`span ${id}`, { attributes: { 'test.id': id } }).end();
  return memory.getFinishedSpans();
}

/** Where a secure exporter sends: a port on 127.0.0.1, or a host (an IP the certificate names) and port. */
export type SecureServer = number | { readonly host: string; readonly port: number };

export type SecureExporter = TracesGrpc | TracesProto;

/** An SDK exporter over TLS to `server`; it keeps its connection between exports until `shutdown()`. */
export function secureExporter(transport: 'grpc' | 'http', server: SecureServer, client: SecureClient): SecureExporter {
  const { host, port } = typeof server === 'number' ? { host: '127.0.0.1', port: server } : server;
  const authorization = client.authorization ?? (client.token === undefined ? undefined : `Bearer ${client.token}`);
  const auth: Record<string, string> = authorization === undefined ? {} : { Authorization: authorization };
  const cert = client.clientCert;
  if (transport === 'grpc') {
    const metadata = new Metadata();
    if (authorization !== undefined) metadata.set('authorization', authorization);
    return new TracesGrpc({
      url: `https://${host}:${port}`,
      credentials: credentials.createSsl(Buffer.from(client.ca), cert ? Buffer.from(cert.key) : null, cert ? Buffer.from(cert.cert) : null),
      metadata,
      timeoutMillis: 5000,
    });
  }
  return new TracesProto({
    url: `https://${host}:${port}/v1/traces`,
    headers: auth,
    httpAgentOptions: { ca: client.ca, ...(cert && { cert: cert.cert, key: cert.key }) },
    timeoutMillis: 5000,
  });
}

/** One export of a span per id (attribute `test.id`) through `exporter`. */
export function exportWith(exporter: SecureExporter, ids: readonly string[]): Promise<ExportResult> {
  return new Promise<ExportResult>((resolve) => exporter.export(spans(ids), resolve));
}

/** `{ code: 0 }` when served; else the SDK's failure, whose error carries the gRPC status or HTTP status in `code`. */
export async function exportSpans(transport: 'grpc' | 'http', server: SecureServer, client: SecureClient, ids: readonly string[]): Promise<ExportResult> {
  const exporter = secureExporter(transport, server, client);
  const result = await exportWith(exporter, ids);
  await exporter.shutdown();
  return result;
}

/** The status a failed export carried: gRPC code or HTTP status, undefined for a transport failure. */
export function failureCode(result: ExportResult): number | undefined {
  return (result.error as { code?: number } | undefined)?.code;
}
