// Malformed OTLP input. Receivers map it to a permanent error (gRPC INVALID_ARGUMENT, HTTP 400);
// the message names the message, field and byte offset (or JSON path) so a sender can find the fault.
export class WireError extends Error {
  /** Byte offset in the request (protobuf) or JSON path (OTLP/JSON) where decoding failed. */
  readonly where: number | string;
  constructor(message: string, where: number | string) {
    super(typeof where === 'number' ? `${message} (at byte ${where})` : `${where}: ${message}`);
    this.name = 'WireError';
    this.where = where;
  }
}
