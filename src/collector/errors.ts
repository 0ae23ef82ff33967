// Errors a consumer returns to the component in front of it. Receivers map `retryable` to the
// protocol's back-pressure code (gRPC UNAVAILABLE, HTTP 503) and the rest to a permanent error.
export class ConsumerError extends Error {
  readonly retryable: boolean;
  constructor(message: string, retryable: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConsumerError';
    this.retryable = retryable;
  }
}

/** Data refused for now (memory pressure, full queue): the client should retry later. */
export function refused(message: string): ConsumerError {
  return new ConsumerError(message, true);
}

/** Data that will never be accepted (malformed): the client must not retry. */
export function permanent(message: string, cause?: unknown): ConsumerError {
  return new ConsumerError(message, false, cause === undefined ? undefined : { cause });
}

export function isRetryable(error: unknown): boolean {
  return error instanceof ConsumerError ? error.retryable : false;
}
