// Why a compressed message could not be read: malformed (the sender must not retry: HTTP 400, gRPC
// INVALID_ARGUMENT) or larger than the limit once decompressed (HTTP 413, gRPC RESOURCE_EXHAUSTED).
export class DecompressError extends Error {
  readonly tooLarge: boolean;
  constructor(message: string, tooLarge: boolean, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DecompressError';
    this.tooLarge = tooLarge;
  }
}

export function malformed(encoding: string, detail: string): DecompressError {
  return new DecompressError(`invalid ${encoding} data: ${detail}`, false);
}

export function tooLarge(limit: number): DecompressError {
  return new DecompressError(`decompressed size exceeds the limit of ${limit} bytes`, true);
}
