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
    if (upTo > this.runStart) this.pieces.push(this.buf.subarray(this.runStart, upTo));
  }
}
