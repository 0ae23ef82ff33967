// Attribute access on encoded messages: only the KeyValue fields are read, values stay encoded until a
// caller asks for one, and a changed attribute list is written back around the untouched fields.
import { encodePieces, nestedField, PieceList, type Piece } from './pieces.ts';
import { KEY_VALUE_KEY, KEY_VALUE_VALUE } from './schema.ts';
import { FieldReader, LEN } from './wire.ts';

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
  private field = 0;
  private count = 0;
  private offsets = new Int32Array(SLOTS * 32);
  /** Per index (original, then added): UNCHANGED, REMOVED or REPLACED (new value in `values`). */
  private states = new Uint8Array(32);
  private readonly values: Uint8Array[] = [];
  private readonly addedKeys: Uint8Array[] = [];
  private changed = false;

  load(message: Uint8Array, field: number): this {
    this.message = message;
    this.field = field;
    this.count = 0;
    this.addedKeys.length = 0;
    this.changed = false;
    const r = outer.reset(message, 0, message.length, 'attributes');
    while (r.next()) {
      if (r.field !== field || r.wireType !== LEN) continue;
      readKeyValue(message, r.valueStart, r.valueEnd);
      this.reserve(this.count + 1);
      const o = this.count * SLOTS;
      this.offsets[o + FIELD_START] = r.fieldStart;
      this.offsets[o + FIELD_END] = r.valueEnd;
      this.offsets[o + KEY_START] = keyStart;
      this.offsets[o + KEY_END] = keyEnd;
      this.offsets[o + VALUE_START] = valueStart;
      this.offsets[o + VALUE_END] = valueEnd;
      this.states[this.count] = UNCHANGED;
      this.count++;
    }
    return this;
  }

  /** Number of attribute slots (original and added, including removed ones). */
  get size(): number {
    return this.count + this.addedKeys.length;
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
    this.addedKeys.push(key);
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
    const list = new PieceList(this.message, 0);
    let insertAt = this.message.length;
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
    return list.finish(this.message.length);
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
    const key = buf.slice(start, end);
    const matches = this.test(utf8.decode(key));
    this.keys[slot] = key;
    this.answers[slot] = matches ? 1 : 0;
    return matches;
  }
}

function rangeEquals(buf: Uint8Array, start: number, end: number, other: Uint8Array): boolean {
  if (end - start !== other.length) return false;
  for (let i = 0; i < other.length; i++) if (buf[start + i] !== other[i]) return false;
  return true;
}
