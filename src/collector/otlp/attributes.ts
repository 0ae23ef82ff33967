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

export function decodeKey(key: Uint8Array): string {
  return utf8.decode(key);
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

/**
 * Edits the attributes of one message at a time. `load` records where each KeyValue is (offsets in a
 * reused array, no objects); edits are kept aside; `result()` is the message itself when nothing changed,
 * else a new message with only the changed KeyValues written anew.
 */
export class AttributeEditor {
  private message: Uint8Array = new Uint8Array(0);
  private field = 0;
  private count = 0;
  private offsets = new Int32Array(SLOTS * 32);
  /** Per index: undefined unchanged, null removed, bytes the new encoded AnyValue. */
  private readonly edits: (Uint8Array | null | undefined)[] = [];
  private readonly addedKeys: Uint8Array[] = [];
  private changed = false;

  load(message: Uint8Array, field: number): this {
    this.message = message;
    this.field = field;
    this.count = 0;
    this.edits.length = 0;
    this.addedKeys.length = 0;
    this.changed = false;
    const r = outer.reset(message, 0, message.length, 'attributes');
    while (r.next()) {
      if (r.field !== field || r.wireType !== LEN) continue;
      readKeyValue(message, r.valueStart, r.valueEnd);
      if ((this.count + 1) * SLOTS > this.offsets.length) {
        const grown = new Int32Array(this.offsets.length * 2);
        grown.set(this.offsets);
        this.offsets = grown;
      }
      const o = this.count * SLOTS;
      this.offsets[o + FIELD_START] = r.fieldStart;
      this.offsets[o + FIELD_END] = r.valueEnd;
      this.offsets[o + KEY_START] = keyStart;
      this.offsets[o + KEY_END] = keyEnd;
      this.offsets[o + VALUE_START] = valueStart;
      this.offsets[o + VALUE_END] = valueEnd;
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
    for (let i = 0; i < this.size; i++) {
      if (this.edits[i] === null) continue;
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
    return this.edits[index] !== null;
  }

  key(index: number): Uint8Array {
    if (index >= this.count) return this.addedKeys[index - this.count]!;
    const o = index * SLOTS;
    return this.message.subarray(this.offsets[o + KEY_START], this.offsets[o + KEY_END]);
  }

  /** The current encoded AnyValue at `index`. */
  value(index: number): Uint8Array {
    const edit = this.edits[index];
    if (edit) return edit;
    const o = index * SLOTS;
    return this.message.subarray(this.offsets[o + VALUE_START], this.offsets[o + VALUE_END]);
  }

  set(index: number, value: Uint8Array): void {
    if (this.edits[index] !== null && bytesEqual(this.value(index), value)) return;
    this.edits[index] = value;
    this.changed = true;
  }

  remove(index: number): void {
    if (this.edits[index] === null) return;
    this.edits[index] = null;
    this.changed = true;
  }

  /** Adds a new attribute at the end (the caller checked the key is absent). */
  add(key: Uint8Array, value: Uint8Array): void {
    this.addedKeys.push(key);
    this.edits[this.size - 1] = value;
    this.changed = true;
  }

  /** The message with the edits applied (the same view when there were none). */
  result(): Uint8Array {
    if (!this.changed) return this.message;
    const list = new PieceList(this.message, 0);
    let insertAt = this.message.length;
    for (let i = 0; i < this.count; i++) {
      const o = i * SLOTS;
      const start = this.offsets[o + FIELD_START]!;
      const end = this.offsets[o + FIELD_END]!;
      insertAt = end;
      const edit = this.edits[i];
      if (edit === null) list.skip(start, end);
      else if (edit) list.replace(start, end, keyValuePiece(this.field, this.key(i), edit));
    }
    for (let i = this.count; i < this.size; i++) {
      const edit = this.edits[i];
      if (edit) list.insert(insertAt, keyValuePiece(this.field, this.key(i), edit));
    }
    return encodePieces(list.finish(this.message.length));
  }
}

function rangeEquals(buf: Uint8Array, start: number, end: number, other: Uint8Array): boolean {
  if (end - start !== other.length) return false;
  for (let i = 0; i < other.length; i++) if (buf[start + i] !== other[i]) return false;
  return true;
}
