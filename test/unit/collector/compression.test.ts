// The compression codecs the OTLP receivers and exporters share: round trips for every encoding,
// reference checksums, strict decoding of malformed input, and bombs refused at the limit.
import { brotliCompressSync, deflateSync, gzipSync, zstdCompressSync } from 'node:zlib';
import fc from 'fast-check';
import { crc32c, xxh32 } from '../../../src/collector/compression/checksums.ts';
import { compressBody, GRPC_EXTRA_COMPRESSIONS, grpcCompress, grpcGzip, HTTP_COMPRESSIONS } from '../../../src/collector/compression/compress.ts';
import { DECODABLE, decompress } from '../../../src/collector/compression/decompress.ts';
import { DecompressError } from '../../../src/collector/compression/errors.ts';
import { decodeLz4, encodeLz4 } from '../../../src/collector/compression/lz4.ts';
import { decodeSnappyBlock, decodeSnappyFramed, encodeSnappyBlock, encodeSnappyFramed } from '../../../src/collector/compression/snappy.ts';

const MIB = 1024 * 1024;

async function failure(promise: Promise<unknown>): Promise<DecompressError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(DecompressError);
    return error as DecompressError;
  }
  throw new Error('expected a DecompressError');
}

const text = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `span-${i % 97} service.name=checkout `).join('')).subarray(0, n);

describe('checksums', () => {
  test('CRC-32C and xxHash32 match their reference vectors', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa);
    expect(xxh32(Buffer.alloc(0))).toBe(0x02cc5d05);
    expect(xxh32(Buffer.from('abc'))).toBe(0x32d153ff);
    expect(xxh32(Buffer.from('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
  });
});

describe('round trips', () => {
  test.each(HTTP_COMPRESSIONS)('HTTP %s: what the exporter writes, the receiver reads', async (name) => {
    for (const size of [0, 1, 100, 70_000, 5 * MIB]) {
      const input = text(size);
      const compressed = await compressBody(name, input);
      if (size >= 70_000) expect(compressed.length).toBeLessThan(size / 2);
      expect((await decompress(name, compressed, 8 * MIB)).equals(input)).toBe(true);
    }
  });

  test.each(GRPC_EXTRA_COMPRESSIONS)('gRPC %s', async (name) => {
    const input = text(300_000);
    expect((await decompress(name, await grpcCompress(name, input), MIB)).equals(input)).toBe(true);
  });

  test('gRPC gzip: the bytes grpc-js would send (zlib default level), whatever the size', async () => {
    for (const size of [0, 100, 300_000, 5 * MIB]) {
      const input = text(size);
      const compressed = await grpcGzip(input);
      expect(compressed.equals(gzipSync(input))).toBe(true);
      expect((await decompress('gzip', compressed, 8 * MIB)).equals(input)).toBe(true);
    }
  });

  test('compression levels as upstream: zlib levels, Huffman only, zstd clamped', async () => {
    const input = text(200_000);
    const sizes = await Promise.all([1, 9, -2].map(async (level) => (await compressBody('gzip', input, level)).length));
    expect(sizes[0]).toBeGreaterThan(sizes[1]!);
    expect(sizes[2]).toBeGreaterThan(sizes[0]!);
    expect((await decompress('zstd', await compressBody('zstd', input, 40), MIB)).equals(input)).toBe(true);
  });

  test('property: random bytes survive every codec', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 200_000 }), async (bytes) => {
      const input = Buffer.from(bytes);
      for (const name of HTTP_COMPRESSIONS) expect((await decompress(name, await compressBody(name, input), MIB)).equals(input)).toBe(true);
    }), { numRuns: 40 });
  });

  test('the other encodings the receiver reads: br, x-gzip, upstream snappy framed under "snappy"', async () => {
    const input = text(10_000);
    expect((await decompress('br', brotliCompressSync(input), MIB)).equals(input)).toBe(true);
    expect((await decompress('x-gzip', gzipSync(input), MIB)).equals(input)).toBe(true);
    expect((await decompress('snappy', encodeSnappyFramed(input), MIB)).equals(input)).toBe(true);
    expect(DECODABLE).toEqual(expect.arrayContaining(['gzip', 'zstd', 'zlib', 'snappy', 'deflate', 'lz4', 'x-snappy-framed']));
  });
});

describe('malformed input is a DecompressError, never a crash or a wrong result', () => {
  test.each(DECODABLE)('%s: garbage', async (name) => {
    expect((await failure(decompress(name, Buffer.from('not compressed at all, just text'), MIB))).tooLarge).toBe(false);
  });

  test('property: truncated or corrupted frames of every codec are rejected or decode within the limit', async () => {
    const input = text(150_000);
    const encoded = await Promise.all(HTTP_COMPRESSIONS.map(async (name) => [name, await compressBody(name, input)] as const));
    await fc.assert(fc.asyncProperty(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (which, at, flip) => {
      const [name, bytes] = encoded[which % encoded.length]!;
      const corrupt = Buffer.from(bytes);
      corrupt[at % corrupt.length]! ^= flip;
      for (const candidate of [corrupt, bytes.subarray(0, at % bytes.length)]) {
        try {
          expect((await decompress(name, candidate, 200_000)).length).toBeLessThanOrEqual(200_000);
        } catch (error) {
          expect(error).toBeInstanceOf(DecompressError);
        }
      }
    }), { numRuns: 300 });
  });

  test('snappy: a block whose contents disagree with its declared length', () => {
    const block = encodeSnappyBlock(text(1000));
    const shorter = Buffer.concat([Buffer.from([100]), block.subarray(2)]);
    expect(() => decodeSnappyBlock(shorter, MIB)).toThrow(/overruns|declares/);
    const longer = Buffer.concat([Buffer.from([0xe8, 0x0f]), block.subarray(2)]);
    expect(() => decodeSnappyBlock(longer, MIB)).toThrow(/declares 2024 bytes but holds 1000/);
    expect(() => decodeSnappyBlock(Buffer.from([8, 0x01, 0x05]), MIB)).toThrow(/offset out of range/);
  });

  test('snappy framed: checksum, stream identifier and reserved chunks', () => {
    const framed = encodeSnappyFramed(text(1000));
    const badCrc = Buffer.from(framed);
    badCrc[14]! ^= 1;
    expect(() => decodeSnappyFramed(badCrc, MIB)).toThrow(/checksum/);
    expect(() => decodeSnappyFramed(framed.subarray(10), MIB)).toThrow(/stream identifier/);
    expect(() => decodeSnappyFramed(Buffer.concat([framed, Buffer.from([0x05, 0, 0, 0])]), MIB)).toThrow(/unskippable/);
    expect(decodeSnappyFramed(Buffer.concat([framed, Buffer.from([0xfe, 1, 0, 0, 0])]), MIB).equals(text(1000))).toBe(true);
  });

  test('lz4: header checksum, linked and independent blocks', () => {
    const frame = encodeLz4(text(1000));
    const badHeader = Buffer.from(frame);
    badHeader[6]! ^= 1;
    expect(() => decodeLz4(badHeader, MIB)).toThrow(/header checksum/);
    // Two blocks: 8 literals, then a match reaching back into the first block.
    const linked = (flags: number) => {
      const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, flags, 0x40, 0]);
      header[6] = (xxh32(header.subarray(4, 6)) >>> 8) & 0xff;
      return Buffer.concat([header, Buffer.from([9, 0, 0, 0, 0x80]), Buffer.from('abcdefgh'), Buffer.from([3, 0, 0, 0, 0x04, 8, 0]), Buffer.alloc(4)]);
    };
    expect(decodeLz4(linked(0x40), MIB).toString()).toBe('abcdefghabcdefgh');
    expect(() => decodeLz4(linked(0x60), MIB)).toThrow(/offset out of range/);
  });
});

describe('bombs stop at the limit', () => {
  const zeros = Buffer.alloc(64 * MIB);

  test.each([
    ['gzip', () => gzipSync(zeros)],
    ['deflate', () => deflateSync(zeros)],
    ['zstd', () => zstdCompressSync(zeros)],
    ['x-snappy-framed', () => encodeSnappyFramed(zeros)],
    ['snappy', () => encodeSnappyBlock(zeros)],
    ['lz4', () => encodeLz4(zeros)],
  ] as const)('%s of 64 MiB of zeros, limit 4 MiB', async (name, make) => {
    const bomb = make();
    expect(bomb.length).toBeLessThan(4 * MIB);
    const error = await failure(decompress(name, bomb, 4 * MIB));
    expect(error.tooLarge).toBe(true);
    expect(error.message).toBe('decompressed size exceeds the limit of 4194304 bytes');
  });

  test.each(['gzip', 'deflate', 'br', 'zstd'] as const)('%s: a small input inflates whole up to the limit on either path', async (name) => {
    // 2 KiB or so of input: inflated on the calling thread up to 1 MiB, through the thread pool beyond that.
    const two = Buffer.alloc(2 * MIB, 7);
    const packed = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync, zstd: zstdCompressSync }[name](two);
    expect(packed.length).toBeLessThan(64 * 1024);
    expect((await decompress(name, packed, 4 * MIB)).equals(two)).toBe(true);
    expect((await decompress(name, packed, 2 * MIB)).equals(two)).toBe(true);
    for (const limit of [2 * MIB - 1, 1.5 * MIB, MIB, 512 * 1024]) expect((await failure(decompress(name, packed, limit))).tooLarge).toBe(true);
  });

  test('declared sizes are checked before anything is allocated', async () => {
    // A snappy block header claiming 4 GiB; an LZ4 frame header with a content size of 1 TiB.
    expect((await failure(decompress('snappy', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0]), MIB))).tooLarge).toBe(true);
    const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x68, 0x70, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    header[14] = (xxh32(header.subarray(4, 14)) >>> 8) & 0xff;
    expect((await failure(decompress('lz4', Buffer.concat([header, Buffer.alloc(4)]), MIB))).tooLarge).toBe(true);
  });
});
