// OTLP/gRPC server: the three Export services registered with identity (de)serializers, so a request
// reaches the pipeline as the bytes grpc-js received, scanned but never decoded into objects.
// grpc-js enforces max_recv_msg_size_mib (RESOURCE_EXHAUSTED) on the message as received; our
// decompression (grpc-decompress.ts: gzip, deflate, zstd, snappy) applies it again to the decompressed
// size. Refusal maps to UNAVAILABLE (retryable) or INVALID_ARGUMENT.
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Signal, SignalConsumers } from '../../component.ts';
import { endpointOf, formatEndpoint } from '../../config/endpoint.ts';
import { ListenError } from '../../listen.ts';
import { grpcLoaded } from '../../service/grpc-logs.ts';
import { encodeExportResponse } from '../../otlp/index.ts';
import type { ReceiverMetrics } from '../../telemetry.ts';
import type { GrpcConfig } from './config.ts';
import { decompressingInterceptor } from './grpc-decompress.ts';
import { Intake, type Failure } from './intake.ts';

grpcLoaded(grpc.setLogger);

const MIB = 1024 * 1024;
const SERVICE: Record<Signal, string> = {
  traces: 'opentelemetry.proto.collector.trace.v1.TraceService',
  metrics: 'opentelemetry.proto.collector.metrics.v1.MetricsService',
  logs: 'opentelemetry.proto.collector.logs.v1.LogsService',
};

const identity = (bytes: Buffer): Buffer => bytes;

export function exportServiceDefinition(signal: Signal): grpc.ServiceDefinition {
  return {
    Export: {
      path: `/${SERVICE[signal]}/Export`,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
}

function maxReceiveBytes(config: GrpcConfig): number {
  return Math.floor(config.max_recv_msg_size_mib * MIB);
}

export function serverOptions(config: GrpcConfig): grpc.ServerOptions {
  const options: grpc.ServerOptions = { 'grpc.max_receive_message_length': maxReceiveBytes(config) };
  if (config.max_concurrent_streams > 0) options['grpc.max_concurrent_streams'] = config.max_concurrent_streams;
  const server = config.keepalive?.server_parameters;
  if (server?.time !== undefined) options['grpc.keepalive_time_ms'] = server.time;
  if (server?.timeout !== undefined) options['grpc.keepalive_timeout_ms'] = server.timeout;
  if (server?.max_connection_idle !== undefined) options['grpc.max_connection_idle_ms'] = server.max_connection_idle;
  if (server?.max_connection_age !== undefined) options['grpc.max_connection_age_ms'] = server.max_connection_age;
  if (server?.max_connection_age_grace !== undefined) options['grpc.max_connection_age_grace_ms'] = server.max_connection_age_grace;
  if (config.keepalive?.enforcement_policy?.permit_without_stream) options['grpc.keepalive_permit_without_calls'] = 1;
  return options;
}

function statusOf(failure: Failure): Partial<grpc.StatusObject> {
  if (failure.kind === 'refused' && failure.retryable) return { code: grpc.status.UNAVAILABLE, details: failure.message };
  return { code: grpc.status.INVALID_ARGUMENT, details: failure.message };
}

export class OtlpGrpcServer {
  readonly #server: grpc.Server;
  readonly #config: GrpcConfig;
  readonly #logger: Logger;

  constructor(config: GrpcConfig, consumers: SignalConsumers, metrics: ReceiverMetrics, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
    this.#server = new grpc.Server({ ...serverOptions(config), interceptors: [decompressingInterceptor(maxReceiveBytes(config), logger)] });
    for (const [signal, consumer] of Object.entries(consumers) as [Signal, NonNullable<SignalConsumers[Signal]>][]) {
      const intake = new Intake(signal, consumer, metrics);
      const ok = Buffer.from(encodeExportResponse(signal));
      const handler: grpc.handleUnaryCall<Buffer, Buffer> = (call, callback) => {
        intake.push(call.request, (failure) => (failure ? callback(statusOf(failure)) : callback(null, ok)));
      };
      this.#server.addService(exportServiceDefinition(signal), { Export: handler });
    }
  }

  start(): Promise<void> {
    const endpoint = endpointOf(this.#config.endpoint);
    // Go's ":4317" listens on every interface; "[::]" does the same for grpc-js (dual stack).
    const address = endpoint.host === undefined ? `[::]:${endpoint.port}` : formatEndpoint(endpoint);
    return new Promise((resolve, reject) => {
      this.#server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, port) => {
        if (error) {
          reject(new ListenError('protocols.grpc.endpoint', address, error));
          return;
        }
        this.#logger.info({ endpoint: formatEndpoint({ ...endpoint, port }) }, 'Starting GRPC server');
        resolve();
      });
    });
  }

  /** Refuses new calls, lets running ones finish until the deadline, then cancels them. */
  shutdown(deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#server.forceShutdown();
        resolve();
      }, Math.max(0, deadline - Date.now()));
      this.#server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
