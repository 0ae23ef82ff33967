// Reusable buffers for encoded export requests. grpc-js wants the request as one Buffer and frames
// it into a second one, so every send allocated twice the request size; large off-heap buffers
// drive V8's external-memory GCs (the largest cost in a profile of the exporter). Reusing the
// first buffer across sends halves that, and each request keeps FRAME_HEADROOM free bytes before it
// in its buffer, where the gRPC message prefix is written in place (grpc-compression.ts) instead of
// copying the request into a new frame. Bounded in total bytes so a burst of large batches does not
// stay resident.
import type { Payload } from '../component.ts';
import { encodeRequestChunks } from '../otlp/index.ts';

const DEFAULT_RETAIN_BYTES = 8 * 1024 * 1024;

/** Free bytes before every encoded request in its buffer: a gRPC message prefix fits there. */
export const FRAME_HEADROOM = 5;
const withHeadroom = new WeakSet<Uint8Array>();

/** Whether FRAME_HEADROOM bytes before `bytes` are free for the caller to write (an encoded request in use). */
export function hasFrameHeadroom(bytes: Uint8Array): boolean {
  return withHeadroom.has(bytes);
}

export interface EncodedRequest {
  readonly bytes: Buffer;
  /** Hand the buffer back once nothing reads it any more (the call has completed). */
  release(): void;
}

export class RequestBuffers {
  readonly #retainBytes: number;
  #free: ArrayBuffer[] = [];
  #freeBytes = 0;

  constructor(retainBytes = DEFAULT_RETAIN_BYTES) {
    this.#retainBytes = retainBytes;
  }

  /** Retained bytes not in use. */
  get idleBytes(): number {
    return this.#freeBytes;
  }

  encode(payload: Payload): EncodedRequest {
    const chunks = encodeRequestChunks(payload);
    let size = 0;
    for (const chunk of chunks) size += chunk.byteLength;
    const backing = this.#take(FRAME_HEADROOM + size);
    const bytes = Buffer.from(backing, FRAME_HEADROOM, size);
    withHeadroom.add(bytes);
    let pos = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, pos);
      pos += chunk.byteLength;
    }
    let released = false;
    return {
      bytes,
      release: () => {
        if (released) return;
        released = true;
        withHeadroom.delete(bytes);
        this.#give(backing);
      },
    };
  }

  #take(size: number): ArrayBuffer {
    const index = this.#free.findIndex((buffer) => buffer.byteLength >= size);
    if (index < 0) return new ArrayBuffer(size);
    const [buffer] = this.#free.splice(index, 1) as [ArrayBuffer];
    this.#freeBytes -= buffer.byteLength;
    return buffer;
  }

  #give(buffer: ArrayBuffer): void {
    if (this.#freeBytes + buffer.byteLength > this.#retainBytes) return;
    this.#free.push(buffer);
    this.#freeBytes += buffer.byteLength;
  }
}
