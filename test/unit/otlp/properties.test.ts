// Property-based checks of the codec against protobufjs as an independent implementation: scanning,
// counting, splitting, merging and rewriting agree with a full decode; malformed input fails cleanly.
import fc from 'fast-check';
import type { Signal } from '../../../src/collector/component.ts';
import {
  decodeRequest, encodeRequest, jsonToProtobuf, mergePayloads, parseRequest, protobufToJson, rewriteItems, splitPayload, WireError,
} from '../../../src/collector/otlp/index.ts';
import { request } from './arbitraries.ts';
import { normalize } from './normalize.ts';
import { ENTRIES, flatItems, pbDecode, pbEncode } from './protobufjs-schema.ts';

const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];
const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 150) };

describe.each(SIGNALS)('%s', (signal) => {
  const encoded = request(signal).map((object) => ({ object, bytes: pbEncode(signal, object) }));

  test('count agrees with a full decode', () => {
    fc.assert(fc.property(encoded, ({ bytes }) => {
      expect(parseRequest(signal, bytes).items).toBe(flatItems(signal, pbDecode(signal, bytes)).length);
    }), RUNS);
  });

  test('split parts hold at most maxItems, sum up, and merge back to the same items in order', () => {
    fc.assert(fc.property(encoded, fc.integer({ min: 1, max: 7 }), ({ bytes }, maxItems) => {
      const payload = parseRequest(signal, bytes);
      const parts = splitPayload(payload, maxItems);
      parts.forEach((part, index) => {
        expect(part.items).toBeLessThanOrEqual(maxItems);
        if (index < parts.length - 1) expect(part.items).toBe(maxItems);
        const partBytes = encodeRequest(part);
        expect(part.bytes).toBe(partBytes.length);
        expect(flatItems(signal, pbDecode(signal, partBytes)).length).toBe(part.items);
      });
      expect(parts.reduce((sum, part) => sum + part.items, 0)).toBe(payload.items);
      const merged = encodeRequest(mergePayloads(parts));
      expect(flatItems(signal, pbDecode(signal, merged))).toEqual(flatItems(signal, pbDecode(signal, bytes)));
    }), RUNS);
  });

  test('merging payloads equals concatenating the requests', () => {
    fc.assert(fc.property(encoded, encoded, (a, b) => {
      const merged = mergePayloads([parseRequest(signal, a.bytes), parseRequest(signal, b.bytes)]);
      const concatenated = Buffer.concat([a.bytes, b.bytes]);
      expect(merged.items).toBe(parseRequest(signal, concatenated).items);
      expect(Buffer.from(encodeRequest(merged)).equals(concatenated)).toBe(true);
    }), RUNS);
  });

  test('decodeRequest agrees with protobufjs', () => {
    fc.assert(fc.property(encoded, ({ bytes }) => {
      expect(normalize(hexIdsToBase64(decodeRequest(signal, bytes)))).toEqual(normalize(pbDecode(signal, bytes)));
    }), RUNS);
  });

  test('OTLP/JSON round-trips to equivalent protobuf', () => {
    fc.assert(fc.property(encoded, ({ bytes }) => {
      const again = jsonToProtobuf(signal, JSON.stringify(protobufToJson(signal, bytes)));
      expect(normalize(pbDecode(signal, again))).toEqual(normalize(pbDecode(signal, bytes)));
    }), RUNS);
  });

  test('rewriteItems keeps, replaces and drops items and removes emptied containers', () => {
    fc.assert(fc.property(encoded, fc.array(fc.constantFrom('keep', 'drop', 'replace'), { minLength: 1 }), ({ bytes }, plan) => {
      const payload = parseRequest(signal, bytes);
      let index = 0;
      const decisions: string[] = [];
      const result = rewriteItems(payload, (item) => {
        const decision = plan[index++ % plan.length]!;
        decisions.push(decision);
        if (decision === 'drop') return null;
        // A replacement with the same content in a new buffer: must be written as given.
        return decision === 'replace' ? Uint8Array.from(item) : item;
      });
      const before = flatItems(signal, pbDecode(signal, bytes));
      const kept = before.filter((_, i) => decisions[i] !== 'drop');
      const after = encodeRequest(result.payload);
      expect(result.payload.items).toBe(kept.length);
      expect(result.dropped).toBe(before.length - kept.length);
      expect(parseRequest(signal, after).items).toBe(kept.length);
      if (signal !== 'metrics') expect(flatItems(signal, pbDecode(signal, after))).toEqual(kept);
      else expect(flatItems(signal, pbDecode(signal, after)).map((x: any) => x.point)).toEqual(kept.map((x: any) => x.point));
      if (decisions.every((decision) => decision === 'keep')) expect(result.payload).toBe(payload);
      expect(hasEmptiedContainer(signal, pbDecode(signal, bytes), pbDecode(signal, after))).toBe(false);
    }), RUNS);
  });

  test('random bytes, truncation and corruption throw WireError or decode, never anything else', () => {
    const mutated = encoded.chain(({ bytes }) => fc.oneof(
      fc.nat({ max: Math.max(0, bytes.length - 1) }).map((cut) => bytes.subarray(0, cut)),
      fc.tuple(fc.nat({ max: Math.max(0, bytes.length - 1) }), fc.integer({ min: 0, max: 255 })).map(([at, value]) => {
        const copy = Uint8Array.from(bytes);
        if (copy.length > 0) copy[at] = value;
        return copy;
      }),
      fc.uint8Array({ maxLength: 64 }),
    ));
    fc.assert(fc.property(mutated, (bytes) => {
      for (const run of [() => parseRequest(signal, bytes), () => decodeRequest(signal, bytes), () => splitPayload(parseRequest(signal, bytes), 2)]) {
        try {
          run();
        } catch (error) {
          expect(error).toBeInstanceOf(WireError);
        }
      }
    }), { numRuns: 400 });
  });
});

/** Whether a scope or resource that had items before has none after (it should have been removed). */
function hasEmptiedContainer(signal: Signal, before: Record<string, any>, after: Record<string, any>): boolean {
  const [entriesKey, scopesKey] = ENTRIES[signal];
  for (const entry of after[entriesKey] ?? []) {
    const scopes = entry[scopesKey] ?? [];
    const count = (scope: any) => flatItems(signal, { [entriesKey]: [{ [scopesKey]: [scope] }] }).length;
    const original = (before[entriesKey] ?? []).length;
    if (original > 0 && scopes.length > 0 && scopes.every((scope: any) => count(scope) === 0) && flatItems(signal, { [entriesKey]: [entry] }).length === 0) {
      // Entries whose scopes all had no items to begin with are kept as they were.
      const untouched = (before[entriesKey] as any[]).some((candidate) => JSON.stringify(candidate) === JSON.stringify(entry));
      if (!untouched) return true;
    }
  }
  return false;
}

function hexIdsToBase64(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => hexIdsToBase64(item));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, hexIdsToBase64(item, name)]));
  }
  if ((key === 'traceId' || key === 'spanId' || key === 'parentSpanId') && typeof value === 'string') return Buffer.from(value, 'hex').toString('base64');
  return value;
}
