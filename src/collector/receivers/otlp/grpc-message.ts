// The one length-prefixed message of a unary gRPC call, reassembled from HTTP/2 DATA chunks: each byte is copied
// once, into a buffer of exactly the message's size cut from a shared slab (ReceiveSlabs), so a 50 KB request costs
// no allocation of its own and a megabyte slab serves many. A message over the size limit is refused from its
// 5-byte prefix, before any of it is stored. A large message (over a quarter slab) that has not all arrived gets a
// buffer that grows, by doubling, with what arrives: a call that declares 4 MiB and stalls holds what it sent, not
// 4 MiB (200 such calls, 15 bytes each, made the memory_limiter refuse everyone).

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
  /** The message as far as it arrived: its declared size, or less while it grows. */
  #message: Buffer | undefined;
  #filled = 0;

  constructor(limit: number, slabs: ReceiveSlabs) {
    this.#limit = limit;
    this.#slabs = slabs;
  }

  /** The complete message, if one arrived. */
  get message(): { readonly body: Buffer; readonly compressed: boolean } | undefined {
    const body = this.#message;
    return body !== undefined && this.#filled === this.#prefix && body.length === this.#prefix ? { body, compressed: this.#compressed } : undefined;
  }

  /** The complete message, handed over once: the reader lets go of it. */
  take(): { readonly body: Buffer; readonly compressed: boolean } | undefined {
    const message = this.message;
    this.#message = undefined;
    return message;
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
        const available = chunk.length - pos;
        this.#message = this.#prefix <= SHARED_MAX || available >= this.#prefix
          ? this.#slabs.take(this.#prefix)
          : Buffer.allocUnsafeSlow(Math.max(SHARED_MAX, available));
        continue;
      }
      const n = Math.min(chunk.length - pos, this.#prefix - this.#filled);
      if (this.#filled + n > this.#message!.length) this.#grow(this.#filled + n);
      chunk.copy(this.#message!, this.#filled, pos, pos + n);
      this.#filled += n;
      pos += n;
    }
    return MORE;
  }

  /** Room for at least `size` bytes: double, at most the declared size. */
  #grow(size: number): void {
    const grown = Buffer.allocUnsafeSlow(Math.min(this.#prefix, Math.max(size, this.#message!.length * 2)));
    this.#message!.copy(grown, 0, 0, this.#filled);
    this.#message = grown;
  }
}
