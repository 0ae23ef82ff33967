// Byte mutations of a valid request, as fast-check arbitraries: each one a plain description (so a failing case
// prints what was done) and `apply`, which is pure. Positions are fractions of the input so a description fits
// any seed. Structural ones (deep nesting, a huge field, invalid UTF-8) replace or extend the request.
import fc from 'fast-check';
import { deepAnyValueJson, deepAnyValueRequest, deepMessage, hugeStringRequest, varint } from './protobuf-bytes.ts';

export type Mutation =
  | { readonly kind: 'none' }
  | { readonly kind: 'flip'; readonly at: readonly number[]; readonly mask: number }
  | { readonly kind: 'truncate'; readonly keep: number }
  | { readonly kind: 'hugeLength'; readonly at: number; readonly field: number; readonly length: bigint }
  | { readonly kind: 'wireType'; readonly at: number; readonly wireType: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'invalidUtf8'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'deep'; readonly depth: number; readonly shape: 'anyValue' | 'message' }
  | { readonly kind: 'oversized'; readonly size: number }
  | { readonly kind: 'random'; readonly bytes: Uint8Array };

const MIB = 1024 * 1024;
const position = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const index = (input: Uint8Array, at: number) => Math.floor(at * input.length);

/** Byte sequences that are never UTF-8: a lone continuation byte, an overlong form, a surrogate, past U+10FFFF. */
const INVALID_UTF8 = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff, 0xfe], [0xe2, 0x82]].map((bytes) => Uint8Array.from(bytes));

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'none' } as const), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.array(position, { minLength: 1, maxLength: 8 }), mask: fc.integer({ min: 1, max: 255 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('truncate' as const), keep: position }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('hugeLength' as const), at: position, field: fc.integer({ min: 1, max: 20 }),
      length: fc.constantFrom(2n ** 31n - 1n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n, 2n ** 70n, 4n * BigInt(MIB)),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('wireType' as const), at: position, wireType: fc.integer({ min: 0, max: 7 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('invalidUtf8' as const), at: position, bytes: fc.constantFrom(...INVALID_UTF8) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('deep' as const), depth: fc.constantFrom(64, 1000, 10_000, 100_000), shape: fc.constantFrom('anyValue' as const, 'message' as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('oversized' as const), size: fc.constantFrom(64 * 1024, 3 * MIB, 5 * MIB) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 64 }) }), weight: 1 },
);

function splice(input: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const i = index(input, at);
  return Buffer.concat([input.subarray(0, i), insert, input.subarray(Math.min(input.length, i + remove))]);
}

/** `input` (a protobuf or OTLP/JSON body) mutated; `json` says which, for the structural mutations. */
export function applyMutation(mutation: Mutation, input: Uint8Array, json: boolean): Uint8Array {
  switch (mutation.kind) {
    case 'none':
      return input;
    case 'flip': {
      const out = Uint8Array.from(input);
      for (const at of mutation.at) if (out.length > 0) out[index(out, at)]! ^= mutation.mask;
      return out;
    }
    case 'truncate':
      return input.subarray(0, index(input, mutation.keep));
    case 'hugeLength':
      return splice(input, mutation.at, 0, Buffer.concat([varint(BigInt((mutation.field << 3) | 2)), varint(mutation.length)]));
    case 'wireType': {
      const out = Uint8Array.from(input);
      if (out.length > 0) out[index(out, mutation.at)] = (out[index(out, mutation.at)]! & ~7) | mutation.wireType;
      return out;
    }
    case 'insert':
      return splice(input, mutation.at, 0, mutation.bytes);
    case 'invalidUtf8':
      return splice(input, mutation.at, mutation.bytes.length, mutation.bytes);
    case 'deep':
      if (json) return new TextEncoder().encode(mutation.shape === 'anyValue' ? deepAnyValueJson(mutation.depth) : '['.repeat(mutation.depth) + ']'.repeat(mutation.depth));
      return mutation.shape === 'anyValue' ? deepAnyValueRequest(mutation.depth) : deepMessage(mutation.depth);
    case 'oversized':
      if (json) return new TextEncoder().encode(`{"resourceSpans":[{"resource":{"attributes":[{"key":"big","value":{"stringValue":"${'x'.repeat(mutation.size)}"}}]}}]}`);
      return Buffer.concat([input, hugeStringRequest(mutation.size)]);
    case 'random':
      return mutation.bytes;
  }
}

/** A short text for reports: large byte arrays and bigints made printable. */
export function describeMutation(mutation: Mutation): string {
  return JSON.stringify(mutation, (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
    return value;
  });
}
