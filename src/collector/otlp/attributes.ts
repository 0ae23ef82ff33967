// Attribute access on encoded messages: only the KeyValue fields are read, values stay encoded until a
// caller asks for one, and a changed attribute list is written back around the untouched fields.
import { encodePieces, nestedField, PieceList, type Piece, type ScratchArena } from './pieces.ts';
import { KEY_VALUE_KEY, KEY_VALUE_VALUE } from './schema.ts';
import { FieldReader, I32, I64, LEN, lenFieldSize, VARINT, writeLenHeader } from './wire.ts';

const utf8 = new TextDecoder();
const outer = new FieldReader();
const inner = new FieldReader();

export function keyBytes(key: string): Uint8Array {
  return Buffer.from(key, 'utf8');
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Encoded AnyValue of the attribute `key` (UTF-8 bytes), or undefined when absent. */
export function findAttribute(message: Uint8Array, field: number, key: Uint8Array): Uint8Array | undefined {
  const r = outer.reset(message, 0, message.length, 'attributes');
  while (r.next()) {
    if (r.field !== field || r.wireType !== LEN) continue;
    readKeyValue(message, r.valueStart, r.valueEnd);
    if (rangeEquals(message, keyStart, keyEnd, key)) return message.subarray(valueStart, valueEnd);
  }
  return undefined;
}

// Offsets of the last KeyValue read; module state keeps readKeyValue allocation-free.
let keyStart = 0;
let keyEnd = 0;
let valueStart = 0;
let valueEnd = 0;

function readKeyValue(buf: Uint8Array, start: number, end: number): void {
  // Fast path for the layout every encoder writes: key (tag 0x0a) then value (tag 0x12), short lengths.
  if (buf[start] === 0x0a && end - start >= 4) {
    const keyLength = buf[start + 1]!;
    const valueTag = start + 2 + keyLength;
    if (keyLength < 0x80 && valueTag + 1 < end && buf[valueTag] === 0x12 && buf[valueTag + 1]! < 0x80 && valueTag + 2 + buf[valueTag + 1]! === end) {
      keyStart = start + 2;
      keyEnd = valueTag;
      valueStart = valueTag + 2;
      valueEnd = end;
      return;
    }
  }
  keyStart = keyEnd = valueStart = valueEnd = start;
  const r = inner.reset(buf, start, end, 'KeyValue');
  while (r.next()) {
    if (r.field === KEY_VALUE_KEY) {
      r.expect(LEN, 'key');
      keyStart = r.valueStart;
      keyEnd = r.valueEnd;
    } else if (r.field === KEY_VALUE_VALUE) {
      r.expect(LEN, 'value');
      valueStart = r.valueStart;
      valueEnd = r.valueEnd;
    }
  }
}

export function keyValuePiece(field: number, key: Uint8Array, value: Uint8Array): Piece {
  return nestedField(field, [nestedField(KEY_VALUE_KEY, [key]), nestedField(KEY_VALUE_VALUE, [value])]);
}

const FIELD_START = 0;
const FIELD_END = 1;
const KEY_START = 2;
const KEY_END = 3;
const VALUE_START = 4;
const VALUE_END = 5;
const SLOTS = 6;
const UNCHANGED = 0;
const REMOVED = 1;
const REPLACED = 2;
const CACHE_SLOTS = 1024;

/**
 * Edits the attributes of one message at a time. `load` records where each KeyValue is (offsets in a
 * reused array, no objects); edits are kept aside; `resultPieces()` gives the edited message with only
 * the changed KeyValues written anew.
 */
export class AttributeEditor {
  private message: Uint8Array = new Uint8Array(0);
  /** The loaded message is message[start, end). */
  private start = 0;
  private end = 0;
  private field = 0;
  private count = 0;
  private offsets = new Int32Array(SLOTS * 32);
  /** Per index (original, then added): UNCHANGED, REMOVED or REPLACED (new value in `values`). */
  private states = new Uint8Array(32);
  private readonly values: Uint8Array[] = [];
  /** Keys of added attributes; only the first `added` are current (kept, not truncated, so pushes do not reallocate). */
  private readonly addedKeys: Uint8Array[] = [];
  private added = 0;
  private changed = false;

  /** Loads the message at buf[start, end) (the whole buffer by default), whose attributes are field `field`. */
  load(buf: Uint8Array, field: number, start = 0, end = buf.length): this {
    this.message = buf;
    this.start = start;
    this.end = end;
    this.field = field;
    this.added = 0;
    this.changed = false;
    this.count = 0;
    if (this.scanCommon(buf, field, start, end)) return this;
    this.count = 0;
    const message = buf;
    const r = outer.reset(message, start, end, 'attributes');
    while (r.next()) {
      if (r.field === field && r.wireType === LEN) this.record(message, r.fieldStart, r.valueStart, r.valueEnd);
    }
    return this;
  }

  /**
   * The scan of `load` for what encoders write (tags and lengths of at most two bytes, varints of at most nine),
   * inline instead of through FieldReader: it runs for every item. False on anything else, malformed input
   * included, which the FieldReader scan then reads or reports.
   */
  private scanCommon(message: Uint8Array, field: number, start: number, end: number): boolean {
    let pos = start;
    while (pos < end) {
      const fieldStart = pos;
      let tag = message[pos++]!;
      if (tag >= 0x80) {
        const high = pos < end ? message[pos++]! : 0x80;
        if (high >= 0x80) return false;
        tag = (tag & 0x7f) | (high << 7);
      }
      if (tag < 8) return false;
      switch (tag & 7) {
        case LEN: {
          let length = pos < end ? message[pos++]! : 0x100;
          if (length >= 0x80) {
            const high = pos < end ? message[pos++]! : 0x80;
            if (length > 0xff || high >= 0x80) return false;
            length = (length & 0x7f) | (high << 7);
          }
          const valueEnd = pos + length;
          if (valueEnd > end) return false;
          if (tag >>> 3 === field) this.record(message, fieldStart, pos, valueEnd);
          pos = valueEnd;
          break;
        }
        case I64:
          pos += 8;
          break;
        case I32:
          pos += 4;
          break;
        case VARINT: {
          const limit = Math.min(end, pos + 9);
          while (pos < limit && message[pos]! >= 0x80) pos++;
          if (pos >= limit) return false;
          pos++;
          break;
        }
        default:
          return false;
      }
    }
    return pos === end;
  }

  private record(message: Uint8Array, fieldStart: number, start: number, end: number): void {
    readKeyValue(message, start, end);
    this.reserve(this.count + 1);
    const o = this.count * SLOTS;
    this.offsets[o + FIELD_START] = fieldStart;
    this.offsets[o + FIELD_END] = end;
    this.offsets[o + KEY_START] = keyStart;
    this.offsets[o + KEY_END] = keyEnd;
    this.offsets[o + VALUE_START] = valueStart;
    this.offsets[o + VALUE_END] = valueEnd;
    this.states[this.count] = UNCHANGED;
    this.count++;
  }

  /** Number of attribute slots (original and added, including removed ones). */
  get size(): number {
    return this.count + this.added;
  }

  /** Index of the live attribute with this key, or -1. */
  find(key: Uint8Array): number {
    const size = this.size;
    for (let i = 0; i < size; i++) {
      if (this.states[i] === REMOVED) continue;
      if (i < this.count) {
        const o = i * SLOTS;
        if (rangeEquals(this.message, this.offsets[o + KEY_START]!, this.offsets[o + KEY_END]!, key)) return i;
      } else if (bytesEqual(this.addedKeys[i - this.count]!, key)) {
        return i;
      }
    }
    return -1;
  }

  live(index: number): boolean {
    return this.states[index] !== REMOVED;
  }

  key(index: number): Uint8Array {
    if (index >= this.count) return this.addedKeys[index - this.count]!;
    const o = index * SLOTS;
    return this.message.subarray(this.offsets[o + KEY_START], this.offsets[o + KEY_END]);
  }

  /** Whether the key at `index` satisfies `matcher`. */
  keyMatches(index: number, matcher: KeyMatcher): boolean {
    if (index >= this.count) {
      const key = this.addedKeys[index - this.count]!;
      return matcher.matches(key, 0, key.length);
    }
    const o = index * SLOTS;
    return matcher.matches(this.message, this.offsets[o + KEY_START]!, this.offsets[o + KEY_END]!);
  }

  /**
   * The buffer holding the current encoded AnyValue at `index`, which is at [valueStart, valueEnd) of it: for hot
   * paths that would otherwise make a view per item.
   */
  valueSource(index: number): Uint8Array {
    if (this.states[index] === REPLACED) {
      const value = this.values[index]!;
      this.valueStart = 0;
      this.valueEnd = value.length;
      return value;
    }
    const o = index * SLOTS;
    this.valueStart = this.offsets[o + VALUE_START]!;
    this.valueEnd = this.offsets[o + VALUE_END]!;
    return this.message;
  }

  /** Bounds of the value `valueSource` returned last. */
  valueStart = 0;
  valueEnd = 0;

  /** The current encoded AnyValue at `index`. */
  value(index: number): Uint8Array {
    if (this.states[index] === REPLACED) return this.values[index]!;
    const o = index * SLOTS;
    return this.message.subarray(this.offsets[o + VALUE_START], this.offsets[o + VALUE_END]);
  }

  set(index: number, value: Uint8Array): void {
    if (this.states[index] === REMOVED) return;
    if (this.states[index] === UNCHANGED && index < this.count) {
      const o = index * SLOTS;
      if (rangeEquals(this.message, this.offsets[o + VALUE_START]!, this.offsets[o + VALUE_END]!, value)) return;
    }
    this.states[index] = REPLACED;
    this.values[index] = value;
    this.changed = true;
  }

  remove(index: number): void {
    if (this.states[index] === REMOVED) return;
    this.states[index] = REMOVED;
    this.changed = true;
  }

  /** Adds a new attribute at the end (the caller checked the key is absent). */
  add(key: Uint8Array, value: Uint8Array): void {
    const index = this.size;
    this.reserve(index + 1);
    this.addedKeys[this.added++] = key;
    this.states[index] = REPLACED;
    this.values[index] = value;
    this.changed = true;
  }

  /**
   * The edited message as pieces (views of the original plus new KeyValues), or undefined when nothing
   * changed; a rewrite visitor can return them so the item is copied only once, into its new entry.
   */
  resultPieces(): Piece[] | undefined {
    if (!this.changed) return undefined;
    const list = new PieceList(this.message, this.start);
    let insertAt = this.end;
    for (let i = 0; i < this.count; i++) {
      const o = i * SLOTS;
      const start = this.offsets[o + FIELD_START]!;
      const end = this.offsets[o + FIELD_END]!;
      insertAt = end;
      const state = this.states[i];
      if (state === REMOVED) list.skip(start, end);
      else if (state === REPLACED) list.replace(start, end, keyValuePiece(this.field, this.key(i), this.values[i]!));
    }
    for (let i = this.count; i < this.size; i++) {
      if (this.states[i] === REPLACED) list.insert(insertAt, keyValuePiece(this.field, this.key(i), this.values[i]!));
    }
    return list.finish(this.end);
  }

  /**
   * The edited message written into `arena` (the same bytes as encodePieces(resultPieces())), or undefined when
   * nothing changed. Cheaper than the pieces when the caller copies the result out before the arena is reset.
   */
  resultInto(arena: ScratchArena): Uint8Array | undefined {
    if (!this.changed) return undefined;
    const size = this.resultSize();
    const at = arena.reserve(size);
    this.writeResult(arena.chunk, at);
    return arena.chunk.subarray(at, at + size);
  }

  /**
   * When something changed, writes the edited message into `arena` as a whole length-delimited field `field`
   * (tag, length, body: what encodePieces([nestedField(field, resultPieces())]) gives) and returns true.
   */
  writeFieldInto(arena: ScratchArena, field: number): boolean {
    if (!this.changed) return false;
    const size = this.resultSize();
    const at = arena.reserve(lenFieldSize(field, size));
    this.writeResult(arena.chunk, writeLenHeader(arena.chunk, at, field, size));
    return true;
  }

  private resultSize(): number {
    let size = this.end - this.start;
    for (let i = 0; i < this.count; i++) {
      const state = this.states[i];
      if (state === UNCHANGED) continue;
      const o = i * SLOTS;
      size -= this.offsets[o + FIELD_END]! - this.offsets[o + FIELD_START]!;
      if (state === REPLACED) size += this.keyValueSize(i);
    }
    for (let i = this.count; i < this.size; i++) if (this.states[i] === REPLACED) size += this.keyValueSize(i);
    return size;
  }

  private writeResult(out: Uint8Array, pos: number): void {
    const message = this.message;
    let copied = this.start;
    for (let i = 0; i < this.count; i++) {
      const state = this.states[i];
      if (state === UNCHANGED) continue;
      const o = i * SLOTS;
      pos = copyRange(message, copied, this.offsets[o + FIELD_START]!, out, pos);
      copied = this.offsets[o + FIELD_END]!;
      if (state === REPLACED) pos = this.writeKeyValue(i, out, pos);
    }
    const insertAt = this.count > 0 ? this.offsets[(this.count - 1) * SLOTS + FIELD_END]! : this.end;
    pos = copyRange(message, copied, insertAt, out, pos);
    for (let i = this.count; i < this.size; i++) if (this.states[i] === REPLACED) pos = this.writeKeyValue(i, out, pos);
    copyRange(message, insertAt, this.end, out, pos);
  }

  private keyValueSize(index: number): number {
    return lenFieldSize(this.field, lenFieldSize(KEY_VALUE_KEY, this.keyLength(index)) + lenFieldSize(KEY_VALUE_VALUE, this.values[index]!.length));
  }

  private keyLength(index: number): number {
    if (index >= this.count) return this.addedKeys[index - this.count]!.length;
    const o = index * SLOTS;
    return this.offsets[o + KEY_END]! - this.offsets[o + KEY_START]!;
  }

  private writeKeyValue(index: number, out: Uint8Array, pos: number): number {
    const keyLength = this.keyLength(index);
    const value = this.values[index]!;
    pos = writeLenHeader(out, pos, this.field, lenFieldSize(KEY_VALUE_KEY, keyLength) + lenFieldSize(KEY_VALUE_VALUE, value.length));
    pos = writeLenHeader(out, pos, KEY_VALUE_KEY, keyLength);
    if (index >= this.count) {
      pos = copyRange(this.addedKeys[index - this.count]!, 0, keyLength, out, pos);
    } else {
      const o = index * SLOTS;
      pos = copyRange(this.message, this.offsets[o + KEY_START]!, this.offsets[o + KEY_END]!, out, pos);
    }
    return copyRange(value, 0, value.length, out, writeLenHeader(out, pos, KEY_VALUE_VALUE, value.length));
  }

  private reserve(slots: number): void {
    if (slots * SLOTS > this.offsets.length) {
      const grown = new Int32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    if (slots > this.states.length) {
      const grown = new Uint8Array(this.states.length * 2);
      grown.set(this.states);
      this.states = grown;
    }
  }
}

/**
 * A predicate on attribute keys that remembers its answer per key (keys repeat across items), so
 * testing a key costs a hash of its bytes instead of a UTF-8 decode and a regex run.
 */
export class KeyMatcher {
  private readonly test: (key: string) => boolean;
  // Direct-mapped cache: slot = hash of the key; a colliding key just replaces the entry.
  private readonly keys: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(CACHE_SLOTS).fill(undefined);
  private readonly answers = new Uint8Array(CACHE_SLOTS);

  constructor(test: (key: string) => boolean) {
    this.test = test;
  }

  matches(buf: Uint8Array, start: number, end: number): boolean {
    const length = end - start;
    const slot = length === 0 ? 0 : ((length * 31) ^ (buf[start]! * 7) ^ (buf[start + (length >> 1)]! << 3) ^ (buf[end - 1]! << 6)) & (CACHE_SLOTS - 1);
    const cached = this.keys[slot];
    if (cached !== undefined && rangeEquals(buf, start, end, cached)) return this.answers[slot] === 1;
    // A copy (Buffer's slice is a view): a view would keep the whole receive buffer alive.
    const key = new Uint8Array(buf.subarray(start, end));
    const matches = this.test(utf8.decode(key));
    this.keys[slot] = key;
    this.answers[slot] = matches ? 1 : 0;
    return matches;
  }
}

const SHORT_COPY = 16;
// Buffer's copy takes offsets, so it needs no view of the source (a view is a heap object per call).
const copyBytes = Buffer.prototype.copy;

/** Copies from[start, end) to out at pos; returns the offset after it. */
function copyRange(from: Uint8Array, start: number, end: number, out: Uint8Array, pos: number): number {
  const length = end - start;
  if (length <= 0) return pos;
  if (length <= SHORT_COPY) {
    for (let i = 0; i < length; i++) out[pos + i] = from[start + i]!;
  } else {
    copyBytes.call(from, out, pos, start, end);
  }
  return pos + length;
}

export function rangeEquals(buf: Uint8Array, start: number, end: number, other: Uint8Array): boolean {
  if (end - start !== other.length) return false;
  for (let i = 0; i < other.length; i++) if (buf[start + i] !== other[i]) return false;
  return true;
}
