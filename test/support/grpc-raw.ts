// A raw gRPC client for OTLP Export calls: sends prepared bytes and reports the status, so tests see
// exactly what the server answered (no SDK retries in between).
import * as grpc from '@grpc/grpc-js';
import type { Signal } from '../../src/collector/component.ts';

const PATH: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

export interface RawResult {
  readonly code: grpc.status;
  readonly details: string;
}

export class RawOtlpGrpcClient {
  readonly #client: grpc.Client;

  constructor(address: string, options: grpc.ChannelOptions = {}) {
    this.#client = new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1, ...options });
  }

  export(signal: Signal, body: Uint8Array, deadlineMs = 10_000): Promise<RawResult> {
    return new Promise((resolve) => {
      this.#client.makeUnaryRequest(
        PATH[signal],
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => bytes,
        Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        { deadline: Date.now() + deadlineMs },
        (error) => resolve(error ? { code: error.code, details: error.details } : { code: grpc.status.OK, details: '' }),
      );
    });
  }

  close(): void {
    this.#client.close();
  }
}
