// Reading an HTTP request body with a size bound, decompressing on the fly. The bound applies to the
// bytes received and again to the decompressed bytes, and decompression stops as soon as the output
// passes it: a gzip bomb costs at most `limit` bytes of memory, never its inflated size.
// Chunks are kept as they arrive and joined once at the end (no copy at all for a one-chunk body).
import type { IncomingMessage } from 'node:http';
import * as zlib from 'node:zlib';
import type { Transform } from 'node:stream';

export class BodyError extends Error {
  readonly status: 400 | 413;
  constructor(status: 400 | 413, message: string) {
    super(message);
    this.name = 'BodyError';
    this.status = status;
  }
}

const OUTPUT_CHUNK = 64 * 1024;

type Decoder = () => Transform;

const DECODERS: Record<string, Decoder | undefined> = {
  gzip: () => zlib.createGunzip({ chunkSize: OUTPUT_CHUNK }),
  'x-gzip': () => zlib.createGunzip({ chunkSize: OUTPUT_CHUNK }),
  deflate: () => zlib.createInflate({ chunkSize: OUTPUT_CHUNK }),
  zlib: () => zlib.createInflate({ chunkSize: OUTPUT_CHUNK }),
  br: () => zlib.createBrotliDecompress({ chunkSize: OUTPUT_CHUNK }),
  ...('createZstdDecompress' in zlib ? { zstd: () => zlib.createZstdDecompress({ chunkSize: OUTPUT_CHUNK }) } : {}),
};

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

/** The decoder for a Content-Encoding header; undefined for identity; throws BodyError(400) when unsupported. */
export function decoderFor(contentEncoding: string | undefined): Decoder | undefined {
  const name = (contentEncoding ?? '').trim().toLowerCase();
  if (name === '' || name === 'identity') return undefined;
  const decoder = DECODERS[name];
  if (!decoder) throw new BodyError(400, `unsupported Content-Encoding "${contentEncoding}"`);
  return decoder;
}

class Chunks {
  readonly #chunks: Buffer[] = [];
  #total = 0;
  readonly #limit: number;
  readonly #keep: boolean;
  /** With `keep` false it only counts (compressed input is consumed by the decoder). */
  constructor(limit: number, keep: boolean) {
    this.#limit = limit;
    this.#keep = keep;
  }
  /** False once the total passes the limit. */
  add(chunk: Buffer): boolean {
    this.#total += chunk.length;
    if (this.#total > this.#limit) return false;
    if (this.#keep) this.#chunks.push(chunk);
    return true;
  }
  join(): Buffer {
    if (this.#chunks.length === 1) return this.#chunks[0]!;
    return Buffer.concat(this.#chunks, this.#total);
  }
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      discardRest(req, limit);
      reject(new BodyError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes`));
      return;
    }
    let decoder: Transform | undefined;
    try {
      decoder = decoderFor(req.headers['content-encoding'])?.();
    } catch (error) {
      discardRest(req, limit);
      reject(error);
      return;
    }
    let settled = false;
    const fail = (error: BodyError) => {
      if (settled) return;
      settled = true;
      decoder?.destroy();
      req.removeListener('data', onData);
      discardRest(req, limit);
      reject(error);
    };
    const succeed = (body: Buffer) => {
      if (settled) return;
      settled = true;
      resolve(body);
    };
    const received = new Chunks(limit, decoder === undefined);
    const tooLarge = () => new BodyError(413, `request body exceeds the limit of ${limit} bytes`);
    const onData = (chunk: Buffer) => {
      if (!received.add(chunk)) fail(tooLarge());
      else if (decoder && !decoder.write(chunk)) {
        req.pause();
        decoder.once('drain', () => req.resume());
      }
    };
    req.on('data', onData);
    req.on('error', () => fail(new BodyError(400, 'request body could not be read')));
    req.on('close', () => {
      if (!req.complete) fail(new BodyError(400, 'request body is incomplete'));
    });
    if (!decoder) {
      req.on('end', () => succeed(received.join()));
      return;
    }
    const inflated = new Chunks(limit, true);
    decoder.on('data', (chunk: Buffer) => {
      if (!inflated.add(chunk)) fail(new BodyError(413, `decompressed request body exceeds the limit of ${limit} bytes`));
    });
    decoder.on('error', (error) => fail(new BodyError(400, `invalid ${req.headers['content-encoding']} body: ${error.message}`)));
    decoder.on('end', () => succeed(inflated.join()));
    req.on('end', () => decoder.end());
  });
}
