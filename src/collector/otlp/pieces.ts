// Assembling a re-encoded message from pieces: untouched fields are copied verbatim from their views and
// only the enclosing length-delimited headers are written anew. Sizes are known before writing, so the
// result is allocated once at its exact size.
import { lenFieldSize, writeLenHeader } from './wire.ts';

/** Raw encoded fields copied verbatim, or a length-delimited field whose body is assembled from pieces. */
export type Piece = Uint8Array | NestedField;

export interface NestedField {
  readonly field: number;
  readonly body: readonly Piece[];
  readonly bodySize: number;
}

export function nestedField(field: number, body: readonly Piece[]): NestedField {
  return { field, body, bodySize: piecesSize(body) };
}

function pieceSize(piece: Piece): number {
  return piece instanceof Uint8Array ? piece.length : lenFieldSize(piece.field, piece.bodySize);
}

export function piecesSize(pieces: readonly Piece[]): number {
  let size = 0;
  for (const piece of pieces) size += pieceSize(piece);
  return size;
}

export function writePieces(pieces: readonly Piece[], out: Uint8Array, pos: number): number {
  for (const piece of pieces) {
    if (piece instanceof Uint8Array) {
      out.set(piece, pos);
      pos += piece.length;
    } else {
      pos = writePieces(piece.body, out, writeLenHeader(out, pos, piece.field, piece.bodySize));
    }
  }
  return pos;
}

/** The pieces as one new message body (every byte is written, so the buffer need not be zeroed). */
export function encodePieces(pieces: readonly Piece[]): Uint8Array {
  const out = Buffer.allocUnsafe(piecesSize(pieces));
  writePieces(pieces, out, 0);
  return out;
}

/**
 * Collects the pieces of one message while walking its fields in order: runs of untouched fields become
 * one view of the source buffer; `replace` and `skip` cut the run around a field.
 */
export class PieceList {
  readonly pieces: Piece[] = [];
  private readonly buf: Uint8Array;
  private runStart: number;
  /** Written bytes not yet added as a piece: chunk[writtenStart, writtenEnd), grown while replacements are adjacent. */
  private written: Uint8Array | undefined;
  private writtenStart = 0;
  private writtenEnd = 0;

  constructor(buf: Uint8Array, start: number) {
    this.buf = buf;
    this.runStart = start;
  }

  /** Leaves out the field at [fieldStart, fieldEnd). */
  skip(fieldStart: number, fieldEnd: number): void {
    this.flush(fieldStart);
    this.runStart = fieldEnd;
  }

  /** Puts `piece` where the field at [fieldStart, fieldEnd) was. */
  replace(fieldStart: number, fieldEnd: number, piece: Piece): void {
    this.skip(fieldStart, fieldEnd);
    this.pieces.push(piece);
  }

  /**
   * Puts chunk[start, end), a whole field written into a scratch arena, where the field at [fieldStart, fieldEnd)
   * was. Replacements of adjacent fields written one after the other become one view.
   */
  replaceWritten(fieldStart: number, fieldEnd: number, chunk: Uint8Array, start: number, end: number): void {
    if (fieldStart !== this.runStart || chunk !== this.written || start !== this.writtenEnd) {
      this.flush(fieldStart);
      this.written = chunk;
      this.writtenStart = start;
    }
    this.writtenEnd = end;
    this.runStart = fieldEnd;
  }

  /** Puts `piece` at `at` (a field boundary). */
  insert(at: number, piece: Piece): void {
    this.skip(at, at);
    this.pieces.push(piece);
  }

  /** Ends the walk at `end`; returns the pieces. */
  finish(end: number): Piece[] {
    this.flush(end);
    this.runStart = end;
    return this.pieces;
  }

  private flush(upTo: number): void {
    if (this.written) {
      this.pieces.push(this.written.subarray(this.writtenStart, this.writtenEnd));
      this.written = undefined;
    }
    if (upTo > this.runStart) this.pieces.push(this.buf.subarray(this.runStart, upTo));
  }
}

const ARENA_CHUNK = 64 * 1024;
/** A chunk grows by doubling up to this, so one payload's items usually fit in one chunk and little stays resident. */
const ARENA_MAX_CHUNK = 1024 * 1024;

/**
 * Scratch space for pieces that live only until their message is assembled (encodePieces copies them out): an
 * item rewritten into it costs one view instead of a tree of views and nested fields. `reset()` once what was
 * taken has been copied out; a chunk outgrown is replaced, the views cut from it stay valid.
 */
export class ScratchArena {
  #chunk = new Uint8Array(0);
  #used = 0;

  /** The chunk `reserve` last gave room in. */
  get chunk(): Uint8Array {
    return this.#chunk;
  }

  /** Start and end in `chunk` of the last room given. */
  lastStart = 0;
  lastEnd = 0;

  /** Room for `size` bytes: returns where it starts in `chunk` (which may be a new one). */
  reserve(size: number): number {
    if (this.#used + size > this.#chunk.length) {
      this.#chunk = new Uint8Array(Math.max(size, Math.min(ARENA_MAX_CHUNK, Math.max(ARENA_CHUNK, this.#chunk.length * 2))));
      this.#used = 0;
    }
    this.lastStart = this.#used;
    this.#used += size;
    this.lastEnd = this.#used;
    return this.lastStart;
  }

  reset(): void {
    this.#used = 0;
  }
}
