// The attribute editor's in-place writers against its pieces, the items edit walk against the pieces walk, and
// the hash cache against the uncached hash.
import { createHash } from 'node:crypto';
import { parseRequest, rewriteItems, encodeRequest } from '../../../src/collector/otlp/index.ts';
import { AttributeEditor, keyBytes } from '../../../src/collector/otlp/attributes.ts';
import { encodeAnyValue } from '../../../src/collector/otlp/any-value.ts';
import { encodePieces, nestedField, PieceList, ScratchArena } from '../../../src/collector/otlp/pieces.ts';
import { editItems } from '../../../src/collector/otlp/rewrite.ts';
import { HashCache, hashValue } from '../../../src/collector/processors/attribute-hash.ts';
import { makeSpans, sdkProtobuf } from './sdk-fixtures.ts';

const SPAN_ATTRIBUTES = 9;
const str = (value: string) => encodeAnyValue({ type: 'string', value });
const spansRequest = () => parseRequest('traces', sdkProtobuf('traces', makeSpans()));

function spanBodies(): Uint8Array[] {
  const bodies: Uint8Array[] = [];
  rewriteItems(spansRequest(), (item) => { bodies.push(Uint8Array.from(item)); return item; });
  return bodies;
}

type Edit = (editor: AttributeEditor) => void;
const EDITS: [string, Edit][] = [
  ['none', () => {}],
  ['remove the first', (e) => e.remove(0)],
  ['remove the last', (e) => e.remove(e.size - 1)],
  ['replace one, add one', (e) => { e.set(e.size - 1, str('x'.repeat(200))); e.add(keyBytes('added'), str('v')); }],
  ['remove all, add two', (e) => { for (let i = e.size - 1; i >= 0; i--) e.remove(i); e.add(keyBytes('a'), str('1')); e.add(keyBytes('b'), str('')); }],
];

describe('AttributeEditor writers', () => {
  test.each(EDITS)('%s: resultInto and writeFieldInto give the bytes of resultPieces, at any offset', (_name, edit) => {
    const arena = new ScratchArena();
    for (const body of spanBodies()) {
      // The message inside a larger buffer, as items are inside their request.
      const buf = new Uint8Array(body.length + 7);
      buf.set(body, 3);
      const editor = new AttributeEditor().load(buf, SPAN_ATTRIBUTES, 3, 3 + body.length);
      edit(editor);
      const pieces = editor.resultPieces();
      const inArena = editor.resultInto(arena);
      expect(inArena && Buffer.from(inArena)).toEqual(pieces && encodePieces(pieces));
      expect(editor.writeFieldInto(arena, 2)).toBe(pieces !== undefined);
      if (pieces) expect(Buffer.from(arena.chunk.subarray(arena.lastStart, arena.lastEnd))).toEqual(encodePieces([nestedField(2, pieces)]));
    }
  });

  test('a message its fast scan does not cover is read the general way, malformed input reported as before', () => {
    const body = spanBodies()[0]!;
    // A 16,384-byte name: its length takes three bytes.
    const long = Buffer.concat([body, Buffer.from([0x2a, 0x80, 0x80, 0x01]), Buffer.alloc(16384, 0x61)]);
    const editor = new AttributeEditor().load(long, SPAN_ATTRIBUTES);
    const reference = new AttributeEditor().load(body, SPAN_ATTRIBUTES);
    expect(editor.size).toBe(reference.size);
    expect(Buffer.from(editor.value(0))).toEqual(Buffer.from(reference.value(0)));
    expect(() => new AttributeEditor().load(body.subarray(0, body.length - 1), SPAN_ATTRIBUTES)).toThrow(/malformed attributes/);
    expect(() => new AttributeEditor().load(Buffer.from([0x00, 0x01]), SPAN_ATTRIBUTES)).toThrow(/invalid field number 0/);
  });
});

describe('PieceList.replaceWritten', () => {
  test('adjacent written fields become one view, a gap between them is kept', () => {
    const source = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    const chunk = Uint8Array.from([10, 11, 12, 13]);
    const list = new PieceList(source, 0);
    list.replaceWritten(0, 1, chunk, 0, 1);
    list.replaceWritten(1, 2, chunk, 1, 2);
    list.replaceWritten(3, 4, chunk, 2, 4);
    const pieces = list.finish(source.length);
    expect(pieces.map((p) => Array.from(p as Uint8Array))).toEqual([[10, 11], [3], [12, 13], [5, 6]]);
  });
});

describe('editItems', () => {
  test('gives the request rewriteItems gives for the same edit', () => {
    const edit = (e: AttributeEditor) => { e.remove(0); e.add(keyBytes('tier'), str('gold')); };
    const editor = new AttributeEditor();
    const request = spansRequest();
    const viaPieces = rewriteItems(request, (item, context) => {
      edit(editor.load(item, context.attributesField));
      return editor.resultPieces() ?? item;
    });
    const arena = new ScratchArena();
    const viaArena = editItems(request, (buf, start, end, field, context) => {
      edit(editor.load(buf, context.attributesField, start, end));
      return editor.writeFieldInto(arena, field);
    }, arena);
    expect(viaArena.payload.items).toBe(viaPieces.payload.items);
    expect(encodeRequest(viaArena.payload)).toEqual(encodeRequest(viaPieces.payload));
  });
});

describe('HashCache', () => {
  const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');
  const decodedHash = (encoded: Uint8Array) => Buffer.from(encoded.subarray(2)).toString('latin1');

  test.each<[string, Uint8Array, string]>([
    ['ASCII', str('192.0.2.19'), sha256('192.0.2.19')],
    ['non-ASCII', str('café'), sha256(Buffer.from('café'))],
    ['invalid UTF-8 (hashed as decoded, U+FFFD)', Uint8Array.of(0x0a, 2, 0x61, 0xff), sha256(Buffer.from('a\ufffd'))],
    ['a value longer than the cache keeps', str('u'.repeat(300)), sha256('u'.repeat(300))],
    ['an int', encodeAnyValue({ type: 'int', value: 200n }), sha256(Buffer.from([200, 0, 0, 0, 0, 0, 0, 0]))],
  ])('%s: the same as the uncached hash, first and second time', (_name, encoded, expected) => {
    const cache = new HashCache();
    if (encoded.length < 128) expect(decodedHash(hashValue(encoded))).toBe(expected);
    expect(Buffer.from(cache.hash(encoded))).toEqual(Buffer.from(hashValue(encoded)));
    expect(Buffer.from(cache.hash(Uint8Array.from(encoded)))).toEqual(Buffer.from(hashValue(encoded)));
  });

  test('remembers a copy of the value, not the caller\'s buffer', () => {
    const cache = new HashCache();
    const value = str('abc');
    cache.hash(value);
    value[2] = 0x7a; // now "zbc"
    expect(decodedHash(cache.hash(value))).toBe(sha256('zbc'));
  });
});
