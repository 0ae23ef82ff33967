// One fuzz case: which listener, signal, body format and encoding, the mutation of the request before it is
// compressed, and optionally of its compressed bytes, or a decompression bomb instead; over gRPC also how the message
// is framed. `buildBody` turns a case into the bytes sent, deterministically.
import fc from 'fast-check';
import * as zlib from 'node:zlib';
import type { Signal } from '../../../src/collector/component.ts';
import { encodeLz4 } from '../../../src/collector/compression/lz4.ts';
import { encodeSnappyBlock, encodeSnappyFramed } from '../../../src/collector/compression/snappy.ts';
import { applyMutation, describeMutation, mutationArbitrary, type Mutation } from './mutations.ts';
import { SEEDS } from './seeds.ts';

export type Transport = 'http' | 'grpc';
export type Format = 'protobuf' | 'json';
/** How the gRPC message is framed: as it should be, a prefix that says more or less than follows, two messages, the compressed flag wrong. */
export type Framing = 'exact' | 'longer' | 'shorter' | 'twice' | 'flagFlipped' | 'flagJunk';

export interface FuzzCase {
  readonly transport: Transport;
  readonly signal: Signal;
  readonly format: Format;
  readonly encoding: string;
  readonly mutation: Mutation;
  /** Applied to the compressed bytes (only when there is an encoding). */
  readonly compressedMutation: Mutation;
  readonly bomb: boolean;
  readonly framing: Framing;
}

const MIB = 1024 * 1024;
const COMPRESS: Record<string, (input: Buffer) => Buffer> = {
  identity: (input) => input,
  gzip: (input) => zlib.gzipSync(input),
  deflate: (input) => zlib.deflateSync(input),
  zlib: (input) => zlib.deflateSync(input),
  zstd: (input) => zlib.zstdCompressSync(input),
  br: (input) => zlib.brotliCompressSync(input, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }),
  snappy: encodeSnappyBlock,
  'x-snappy-framed': encodeSnappyFramed,
  lz4: encodeLz4,
};
/** What each listener reads (receivers/otlp/grpc-decompress.ts, config.ts); gRPC's snappy is the framing format. */
export const ENCODINGS: Record<Transport, readonly string[]> = {
  http: ['identity', 'gzip', 'deflate', 'zlib', 'zstd', 'br', 'snappy', 'x-snappy-framed', 'lz4'],
  grpc: ['identity', 'gzip', 'deflate', 'zstd', 'snappy'],
};
const grpcCompress = (encoding: string) => (encoding === 'snappy' ? encodeSnappyFramed : COMPRESS[encoding]!);

/** Zeroes that inflate past both limits (gRPC 4 MiB, HTTP 20 MiB); made once per encoding. */
const BOMB_SIZE = 64 * MIB;
const bombs = new Map<string, Buffer>();
function bomb(transport: Transport, encoding: string): Buffer {
  const key = `${transport}/${encoding}`;
  let made = bombs.get(key);
  if (!made) {
    made = (transport === 'grpc' ? grpcCompress(encoding) : COMPRESS[encoding]!)(Buffer.alloc(BOMB_SIZE));
    bombs.set(key, made);
  }
  return made;
}

const none = fc.constant<Mutation>({ kind: 'none' });
const rarely = fc.integer({ min: 0, max: 29 }).map((n) => n === 0);
const signal = fc.constantFrom<Signal>('traces', 'metrics', 'logs');

export const caseArbitrary: fc.Arbitrary<FuzzCase> = fc.oneof(
  fc.record({
    transport: fc.constant<Transport>('http'), signal, format: fc.constantFrom<Format>('protobuf', 'json'), encoding: fc.constantFrom(...ENCODINGS.http),
    mutation: mutationArbitrary, compressedMutation: fc.oneof(none, mutationArbitrary), bomb: rarely, framing: fc.constant<Framing>('exact'),
  }),
  fc.record({
    transport: fc.constant<Transport>('grpc'), signal, format: fc.constant<Format>('protobuf'), encoding: fc.constantFrom(...ENCODINGS.grpc),
    mutation: mutationArbitrary, compressedMutation: fc.oneof(none, mutationArbitrary), bomb: rarely,
    framing: fc.oneof({ arbitrary: fc.constant<Framing>('exact'), weight: 10 }, fc.constantFrom<Framing>('longer', 'shorter', 'twice', 'flagFlipped', 'flagJunk')),
  }),
);

/** The request body of a case, compressed and mutated; for gRPC without the message prefix. */
export function buildBody(fuzz: FuzzCase): Uint8Array {
  const seed = SEEDS[fuzz.signal];
  const json = fuzz.format === 'json';
  if (fuzz.bomb && fuzz.encoding !== 'identity') return bomb(fuzz.transport, fuzz.encoding);
  const plain = applyMutation(fuzz.mutation, json ? new TextEncoder().encode(seed.json) : seed.protobuf, json);
  if (fuzz.encoding === 'identity') return plain;
  const compress = fuzz.transport === 'grpc' ? grpcCompress(fuzz.encoding) : COMPRESS[fuzz.encoding]!;
  return applyMutation(fuzz.compressedMutation, compress(Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength)), false);
}

export function describeCase(fuzz: FuzzCase): string {
  const { mutation, compressedMutation, ...rest } = fuzz;
  return `${JSON.stringify(rest)} mutation=${describeMutation(mutation)} compressed=${describeMutation(compressedMutation)}`;
}
