/**
 * A reconcile error that retrying cannot fix (the input itself is wrong). The controller logs it
 * and forgets the key instead of requeueing with backoff; a later change to the object re-triggers it.
 */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/** An error response from the Kubernetes API server, with its status code and reason. */
export class ApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly details: unknown;

  constructor(method: string, path: string, status: number, reason: string, message: string, details?: unknown) {
    super(`${method} ${path}: ${status} ${reason}: ${message}`);
    this.name = 'ApiError';
    this.status = status;
    this.reason = reason;
    this.details = details;
  }
}

export function isApiError(err: unknown, status?: number): err is ApiError {
  return err instanceof ApiError && (status === undefined || err.status === status);
}
