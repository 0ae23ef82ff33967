// Reading an HTTP request body with a size bound, then decompressing it by its Content-Encoding. The
// bound applies to the bytes received and again to the decompressed bytes, and decompression stops as
// soon as the output passes it (compression/decompress.ts): a bomb costs at most `limit` bytes of
// memory, never its inflated size. Chunks are kept as they arrive and joined once at the end (no copy
// at all for a one-chunk body).
import type { IncomingMessage } from 'node:http';
import { decompress } from '../../compression/decompress.ts';
import { DecompressError } from '../../compression/errors.ts';

export class BodyError extends Error {
  readonly status: 400 | 413;
  constructor(status: 400 | 413, message: string) {
    super(message);
    this.name = 'BodyError';
    this.status = status;
  }
}

/**
 * Reads and drops the rest of a rejected body, so the client can finish sending and read the error
 * response (HTTP/1.1 clients such as fetch fail with EPIPE when the server closes mid-upload). Past
 * `cap` more bytes the connection is cut instead: nobody gets to stream without end.
 */
export function discardRest(req: IncomingMessage, cap: number): void {
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > cap) req.socket.destroy();
  });
  req.resume();
}

/**
 * The encoding to undo for a Content-Encoding header, lower case; '' for none. Throws BodyError(400)
 * unless `accepted` lists it ('' and 'identity' both stand for no encoding).
 */
export function encodingOf(contentEncoding: string | undefined, accepted: ReadonlySet<string>): string {
  const name = (contentEncoding ?? '').trim().toLowerCase();
  const plain = name === '' || name === 'identity';
  if (plain ? !accepted.has('') && !accepted.has('identity') : !accepted.has(name)) {
    throw new BodyError(400, `unsupported Content-Encoding: "${contentEncoding ?? ''}"`);
  }
  return plain ? '' : name;
}

class Chunks {
  readonly #chunks: Buffer[] = [];
  #total = 0;
  readonly #limit: number;
  constructor(limit: number) {
    this.#limit = limit;
  }
  /** False once the total passes the limit. */
  add(chunk: Buffer): boolean {
    this.#total += chunk.length;
    if (this.#total > this.#limit) return false;
    this.#chunks.push(chunk);
    return true;
  }
  join(): Buffer {
    if (this.#chunks.length === 1) return this.#chunks[0]!;
    return Buffer.concat(this.#chunks, this.#total);
  }
}

function received(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      discardRest(req, limit);
      reject(new BodyError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes`));
      return;
    }
    let settled = false;
    const chunks = new Chunks(limit);
    const fail = (error: BodyError) => {
      if (settled) return;
      settled = true;
      req.removeListener('data', onData);
      discardRest(req, limit);
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      if (!chunks.add(chunk)) fail(new BodyError(413, `request body exceeds the limit of ${limit} bytes`));
    };
    req.on('data', onData);
    req.on('error', () => fail(new BodyError(400, 'request body could not be read')));
    req.on('close', () => {
      if (!req.complete) fail(new BodyError(400, 'request body is incomplete'));
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.join());
    });
  });
}

/** The request body, decompressed, at most `limit` bytes both as received and after decompression. */
export async function readBody(req: IncomingMessage, limit: number, accepted: ReadonlySet<string>): Promise<Buffer> {
  let encoding: string;
  try {
    encoding = encodingOf(req.headers['content-encoding'], accepted);
  } catch (error) {
    discardRest(req, limit);
    throw error;
  }
  const body = await received(req, limit);
  if (encoding === '') return body;
  try {
    return await decompress(encoding, body, limit);
  } catch (error) {
    if (error instanceof DecompressError && error.tooLarge) throw new BodyError(413, `decompressed request body exceeds the limit of ${limit} bytes`);
    throw new BodyError(400, (error as Error).message);
  }
}
