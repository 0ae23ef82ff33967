// The one length-prefixed message of a unary gRPC call, reassembled from HTTP/2 DATA chunks: each byte is copied
// once, into a buffer of exactly the message's size cut from a shared slab (ReceiveSlabs), so a 50 KB request costs
// no allocation of its own and a megabyte slab serves many. A message over the size limit is refused from its
// 5-byte prefix, before any of it is stored.

/** gRPC's message prefix: 1 byte compressed flag, 4 bytes big-endian length. */
export const PREFIX = 5;

/** Messages share slabs of this size; larger ones get their own buffer. */
const SLAB = 1024 * 1024;
const SHARED_MAX = SLAB / 4;

/**
 * Buffers for received messages, cut one after the other from the current slab. A slab is freed by the garbage
 * collector once no message cut from it is referenced any more (the pipeline keeps views into messages until they
 * are exported). Cuts are 8-byte aligned.
 */
export class ReceiveSlabs {
  #slab = Buffer.allocUnsafeSlow(0);
  #used = 0;

  take(size: number): Buffer {
    if (size > SHARED_MAX) return Buffer.allocUnsafeSlow(size);
    if (this.#used + size > this.#slab.length) {
      this.#slab = Buffer.allocUnsafeSlow(SLAB);
      this.#used = 0;
    }
    const buffer = this.#slab.subarray(this.#used, this.#used + size);
    this.#used += (size + 7) & ~7;
    return buffer;
  }
}

export type ReadResult =
  | { readonly kind: 'more' }
  | { readonly kind: 'tooLarge'; readonly length: number }
  | { readonly kind: 'second' };

const MORE: ReadResult = { kind: 'more' };
const SECOND: ReadResult = { kind: 'second' };

export class MessageReader {
  readonly #limit: number;
  readonly #slabs: ReceiveSlabs;
  #prefix = 0;
  #prefixRead = 0;
  #compressed = false;
  #message: Buffer | undefined;
  #filled = 0;

  constructor(limit: number, slabs: ReceiveSlabs) {
    this.#limit = limit;
    this.#slabs = slabs;
  }

  /** The complete message, if one arrived. */
  get message(): { readonly body: Buffer; readonly compressed: boolean } | undefined {
    const body = this.#message;
    return body !== undefined && this.#filled === body.length ? { body, compressed: this.#compressed } : undefined;
  }

  push(chunk: Buffer): ReadResult {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.message) return SECOND;
      if (this.#prefixRead < PREFIX) {
        const byte = chunk[pos++]!;
        if (this.#prefixRead === 0) this.#compressed = byte === 1;
        else this.#prefix = this.#prefix * 256 + byte;
        if (++this.#prefixRead < PREFIX) continue;
        if (this.#prefix > this.#limit) return { kind: 'tooLarge', length: this.#prefix };
        this.#message = this.#slabs.take(this.#prefix);
        continue;
      }
      const message = this.#message!;
      const n = Math.min(chunk.length - pos, message.length - this.#filled);
      chunk.copy(message, this.#filled, pos, pos + n);
      this.#filled += n;
      pos += n;
    }
    return MORE;
  }
}
