// The on-disk record of a persistent sending queue: a 24-byte header (body length, CRC-32 of the rest
// of the header and the body, sequence number, item count, request bytes) followed by the encoded
// export request. Appends are the only writes, so a process killed mid-write leaves at most one torn
// record at a segment's tail; the checksum finds it and everything before it is intact.
import { crc32 } from 'node:zlib';

export const HEADER_BYTES = 24;
/** Larger bodies are not written by this collector; a length above it means garbage, not a record. */
const MAX_BODY = 1 << 30;

export interface RecordInfo {
  readonly seq: number;
  readonly items: number;
  readonly bytes: number;
  /** Offset of the record's header in its segment. */
  readonly offset: number;
  readonly bodyLength: number;
}

/** The body may be in several chunks (an encoded request is a list of entries): checksummed without joining them. */
function checksum(header: Uint8Array, body: readonly Uint8Array[]): number {
  let sum = crc32(header.subarray(8, HEADER_BYTES));
  for (const chunk of body) sum = crc32(chunk, sum);
  return sum;
}

/** The header for a body of `chunks`; the record on disk is header then the chunks. */
export function recordHeader(seq: number, items: number, bytes: number, chunks: readonly Uint8Array[]): Buffer {
  let length = 0;
  for (const chunk of chunks) length += chunk.byteLength;
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(length, 0);
  header.writeBigUInt64LE(BigInt(seq), 8);
  header.writeUInt32LE(items, 16);
  header.writeUInt32LE(bytes, 20);
  header.writeUInt32LE(checksum(header, chunks), 4);
  return header;
}

/** Whether a record read back (header and body) is the one that was written. */
export function recordIntact(header: Uint8Array, body: Uint8Array): boolean {
  const view = Buffer.from(header.buffer, header.byteOffset, HEADER_BYTES);
  return view.readUInt32LE(0) === body.byteLength && view.readUInt32LE(4) === checksum(header, [body]);
}

export interface SegmentScan {
  readonly records: readonly RecordInfo[];
  /** Bytes up to the end of the last intact record; anything after it is a torn write. */
  readonly validEnd: number;
}

/** The intact records of a segment's contents, in order, up to the first torn or corrupt one. */
export function scanSegment(data: Buffer): SegmentScan {
  const records: RecordInfo[] = [];
  let offset = 0;
  while (offset + HEADER_BYTES <= data.length) {
    const bodyLength = data.readUInt32LE(offset);
    const end = offset + HEADER_BYTES + bodyLength;
    if (bodyLength > MAX_BODY || end > data.length) break;
    const header = data.subarray(offset, offset + HEADER_BYTES);
    if (!recordIntact(header, data.subarray(offset + HEADER_BYTES, end))) break;
    records.push({
      seq: Number(data.readBigUInt64LE(offset + 8)),
      items: data.readUInt32LE(offset + 16),
      bytes: data.readUInt32LE(offset + 20),
      offset,
      bodyLength,
    });
    offset = end;
  }
  return { records, validEnd: offset };
}

export const ACK_BYTES = 8;

/** One delivered (or given up) record's sequence number, appended to its segment's ack file. */
export function ackEntry(seq: number): Buffer {
  const entry = Buffer.alloc(ACK_BYTES);
  entry.writeBigUInt64LE(BigInt(seq));
  return entry;
}

/** Sequence numbers of an ack file; a torn last entry (fewer than 8 bytes) is ignored. */
export function scanAcks(data: Buffer): Set<number> {
  const acked = new Set<number>();
  for (let offset = 0; offset + ACK_BYTES <= data.length; offset += ACK_BYTES) acked.add(Number(data.readBigUInt64LE(offset)));
  return acked;
}

/** Segment files are named by the sequence number of their first record, zero-padded so names sort in order. */
export function segmentName(firstSeq: number): string {
  return `${String(firstSeq).padStart(16, '0')}.log`;
}

export function segmentSeq(name: string): number | undefined {
  const match = /^(\d{16})\.log$/.exec(name);
  return match ? Number(match[1]) : undefined;
}

export function ackName(segment: string): string {
  return segment.replace(/\.log$/, '.ack');
}
