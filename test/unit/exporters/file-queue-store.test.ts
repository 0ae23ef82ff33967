// The persistent queue's file store on a real temp directory: records survive a new process (a new store
// on the same directory), torn writes at a segment's tail are cut off, acked records are not sent again,
// in-flight ones are, drained segments are deleted; and the sending queue's capacity with a file store.
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { FileQueueStore } from '../../../src/collector/exporters/file-queue-store.ts';
import { ackEntry, HEADER_BYTES, recordHeader, scanAcks, scanSegment } from '../../../src/collector/exporters/queue-records.ts';
import type { Stored } from '../../../src/collector/exporters/queue-store.ts';
import { spanBatch, spanNames } from '../../support/otlp-payloads.ts';

const logger = pino({ level: 'silent' });
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tpo-queue-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function store(segmentBytes?: number): FileQueueStore {
  return new FileQueueStore({ directory: join(root, 'q'), signal: 'traces', fsync: false, directoryMode: 0o750, logger, ...(segmentBytes ? { segmentBytes } : {}) });
}

async function names(s: FileQueueStore, stored: readonly Stored[]): Promise<string[][]> {
  return Promise.all(stored.map(async (entry) => spanNames(await s.load(entry))));
}

function segments(): string[] {
  return readdirSync(join(root, 'q')).filter((name) => name.endsWith('.log')).sort();
}

describe('records', () => {
  const body = Buffer.from('an encoded export request');
  const record = Buffer.concat([recordHeader(7, 3, body.length, [body.subarray(0, 5), body.subarray(5)]), body]);

  test('a record checksummed in chunks reads back whole', () => {
    expect(scanSegment(Buffer.concat([record, record]))).toMatchObject({ validEnd: record.length * 2, records: [{ seq: 7, items: 3, offset: 0 }, { offset: record.length }] });
  });

  test.each([
    ['half a header', record.subarray(0, HEADER_BYTES - 4)],
    ['a header without all its body', record.subarray(0, record.length - 1)],
    ['a flipped body byte', Buffer.concat([record.subarray(0, record.length - 1), Buffer.from([record.at(-1)! ^ 1])])],
    ['zeros (space allocated, never written)', Buffer.alloc(record.length)],
  ])('a torn tail (%s) ends the scan after the intact records', (_name, tail) => {
    expect(scanSegment(Buffer.concat([record, tail]))).toMatchObject({ validEnd: record.length, records: [{ seq: 7 }] });
  });

  test('a torn ack entry is ignored', () => {
    expect(scanAcks(Buffer.concat([ackEntry(1), ackEntry(2), ackEntry(3).subarray(0, 5)]))).toEqual(new Set([1, 2]));
  });
});

describe('file store', () => {
  test('what was put comes back in order in the next process, payloads intact', async () => {
    const first = store();
    expect(await first.open()).toEqual([]);
    for (let i = 0; i < 5; i++) await first.put(spanBatch(`r${i}`, 3));
    // No close: the process is killed.
    const second = store();
    const recovered = await second.open();
    expect(recovered.map((entry) => entry.items)).toEqual([3, 3, 3, 3, 3]);
    expect((await names(second, recovered)).map((list) => list[0])).toEqual(['r0-0', 'r1-0', 'r2-0', 'r3-0', 'r4-0']);
    await second.close();
  });

  test('concurrent puts are written together, each resolving with its own record', async () => {
    const s = store();
    await s.open();
    const stored = await Promise.all(Array.from({ length: 20 }, (_, i) => s.put(spanBatch(`c${i}`, 1))));
    expect((await names(s, stored)).flat()).toEqual(Array.from({ length: 20 }, (_, i) => `c${i}-0`));
    await s.close();
  });

  test('removed (delivered) records are not sent again; those taken but not removed are (at least once)', async () => {
    const first = store();
    await first.open();
    const stored = [];
    for (let i = 0; i < 4; i++) stored.push(await first.put(spanBatch(`r${i}`, 1)));
    first.remove(stored[0]!);
    first.remove(stored[2]!);
    await first.load(stored[1]!); // in flight when the process dies
    await first.close();
    const second = store();
    const recovered = await second.open();
    expect((await names(second, recovered)).flat()).toEqual(['r1-0', 'r3-0']);
    await second.close();
  });

  test('a torn write at the tail is cut off; the records before it and later writes survive', async () => {
    const first = store();
    await first.open();
    await first.put(spanBatch('a', 2));
    await first.put(spanBatch('b', 2));
    const [segment] = segments();
    const path = join(root, 'q', segment!);
    const intact = statSync(path).size;
    const next = readFileSync(path).subarray(0, 40); // a header and part of a body: killed mid-write
    appendFileSync(path, next);
    const second = store();
    const recovered = await second.open();
    expect((await names(second, recovered)).map((list) => list[0])).toEqual(['a-0', 'b-0']);
    expect(statSync(path).size).toBe(intact);
    await second.put(spanBatch('c', 1));
    const third = store();
    expect((await names(third, await third.open())).map((list) => list[0])).toEqual(['a-0', 'b-0', 'c-0']);
    await Promise.all([second.close(), third.close()]);
  });

  test('a segment created but never written (killed right after) is harmless', async () => {
    const first = store();
    await first.open();
    await first.put(spanBatch('a', 1));
    writeFileSync(join(root, 'q', '9999999999999999.log'), '');
    const second = store();
    const recovered = await second.open();
    expect(recovered).toHaveLength(1);
    const added = await second.put(spanBatch('b', 1));
    expect((added as unknown as { seq: number }).seq).toBe(10_000_000_000_000_000);
    await second.close();
  });

  test('segments roll over and are deleted once every record in them is delivered', async () => {
    const s = store(4096);
    await s.open();
    const stored = [];
    for (let i = 0; i < 40; i++) stored.push(await s.put(spanBatch(`r${i}`, 5)));
    expect(segments().length).toBeGreaterThan(3);
    for (const entry of stored) s.remove(entry);
    await s.close();
    expect(segments().length).toBeLessThanOrEqual(1);
    const again = store();
    expect(await again.open()).toEqual([]);
    expect(segments()).toEqual([]);
  });

  test('a damaged record is reported when read back, not sent', async () => {
    const s = store();
    await s.open();
    const stored = await s.put(spanBatch('a', 1));
    const [segment] = segments();
    const path = join(root, 'q', segment!);
    const data = readFileSync(path);
    data[data.length - 1]! ^= 0xff;
    writeFileSync(path, data);
    await expect(s.load(stored)).rejects.toThrow(/damaged/);
    await s.close();
  });
});
