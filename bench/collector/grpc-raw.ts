// gRPC facts shared by the load generator and the sink.

export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** Requests here stay under 1 MB, but nothing in the bench should trip grpc-js's 4 MiB default. */
export const UNLIMITED_MESSAGES = {
  'grpc.max_receive_message_length': -1,
  'grpc.max_send_message_length': -1,
} as const;
