// Chunk sizes for zlib work on the thread pool: a whole message in one job, bounded whatever a sender states.
import { gzipSync } from 'node:zlib';
import { compressChunkSize, gzipStatedSize, inflateChunkSize, MAX_POOL_CHUNK, MIN_POOL_CHUNK } from '../../../src/collector/compression/pool-chunks.ts';

const MIB = 1024 * 1024;

describe('compressChunkSize', () => {
  test.each([
    [0, MIN_POOL_CHUNK],
    [100_000, MIN_POOL_CHUNK],
    [3 * MIB, MIB],
    [7_000_000, 2_333_334],
    [100 * MIB, MAX_POOL_CHUNK],
  ])('%i bytes in: a %i-byte chunk', (input, chunk) => {
    expect(compressChunkSize(input)).toBe(chunk);
  });
});

describe('gzipStatedSize', () => {
  test('reads ISIZE from the trailer of a gzip member, also from a view into a larger buffer', () => {
    const member = gzipSync(Buffer.alloc(800_000, 7));
    expect(gzipStatedSize(member)).toBe(800_000);
    const slab = Buffer.alloc(member.length + 100, 0xff);
    member.copy(slab, 50);
    expect(gzipStatedSize(slab.subarray(50, 50 + member.length))).toBe(800_000);
  });

  test.each([
    ['too short', Buffer.from([0x1f, 0x8b, 8, 0])],
    ['not gzip magic', Buffer.alloc(100, 1)],
  ])('%s: no stated size', (_name, input) => {
    expect(gzipStatedSize(input)).toBeUndefined();
  });
});

describe('inflateChunkSize', () => {
  test.each([
    ['no stated size', undefined, 4 * MIB, MIN_POOL_CHUNK],
    ['small stated size', 1000, 4 * MIB, MIN_POOL_CHUNK],
    ['stated size within the limit: one chunk with room to end', 800_000, 4 * MIB, 800_064],
    ['stated size exactly the limit', 4 * MIB, 4 * MIB, 4 * MIB + 64],
    ['stated size over the limit: no reservation', 4 * MIB + 1, 4 * MIB, MIN_POOL_CHUNK],
    ['a lie of 4 GiB', 0xffffffff, 0xffffffff, MAX_POOL_CHUNK],
  ])('%s', (_name, stated, limit, chunk) => {
    expect(inflateChunkSize(stated, limit)).toBe(chunk);
  });
});
