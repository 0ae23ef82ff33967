// The file store of a persistent sending queue: an append-only log in segment files of about
// SEGMENT_BYTES, records as queue-records.ts writes them, and beside each segment an ack file listing
// the records delivered (or given up). Requests accepted together are written with one write (and one
// fdatasync with `fsync`), so the hot path costs a write per burst, not per request. A segment whose
// records are all acked is deleted. On open, every record not acked is handed back, including those
// that were being sent when the process died (at least once); a torn record at a segment's tail is cut
// off. Each process appends to a new segment, so recovered segments are never written again.
import { mkdir, open, readdir, readFile, rm, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Payload, Signal } from '../component.ts';
import { encodeRequestChunks, parseRequest } from '../otlp/index.ts';
import type { QueueStore, Stored } from './queue-store.ts';
import {
  ackEntry, ackName, HEADER_BYTES, recordHeader, recordIntact, scanAcks, scanSegment, segmentName, segmentSeq,
} from './queue-records.ts';

const SEGMENT_BYTES = 8 * 1024 * 1024;

export interface FileQueueOptions {
  /** The queue's own directory (one per exporter and signal). */
  readonly directory: string;
  readonly signal: Signal;
  /** fdatasync after every write, so accepted data also survives a power loss (a killed process needs no sync). */
  readonly fsync: boolean;
  readonly directoryMode: number;
  readonly logger: Logger;
  readonly segmentBytes?: number;
}

interface Segment {
  readonly name: string;
  readonly handle: FileHandle;
  acks: FileHandle | undefined;
  /** Records written and not yet acked. */
  live: number;
  /** No more appends: deleted once `live` reaches 0. */
  sealed: boolean;
  size: number;
}

interface OnDisk extends Stored {
  readonly seq: number;
  readonly segment: Segment;
  readonly offset: number;
  readonly bodyLength: number;
}

interface PendingPut {
  readonly payload: Payload;
  readonly chunks: readonly Uint8Array[];
  readonly resolve: (stored: OnDisk) => void;
  readonly reject: (error: unknown) => void;
}

export class FileQueueStore implements QueueStore {
  readonly location: string;
  readonly #options: FileQueueOptions;
  readonly #segmentBytes: number;
  #nextSeq = 1;
  #current: Segment | undefined;
  #pending: PendingPut[] = [];
  /** The write loop while it runs; cleared in the same turn it sees nothing pending, so no put is left behind. */
  #writing: Promise<void> | undefined;
  #acks = new Map<Segment, number[]>();
  #acking: Promise<void> | undefined;
  readonly #segments = new Set<Segment>();

  constructor(options: FileQueueOptions) {
    this.#options = options;
    this.location = options.directory;
    this.#segmentBytes = options.segmentBytes ?? SEGMENT_BYTES;
  }

  async open(): Promise<readonly Stored[]> {
    const dir = this.#options.directory;
    // Made on the first write: an exporter's queues for signals it never gets leave no directory behind.
    const names = (await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    })).sort();
    const logs = new Set(names.filter((name) => segmentSeq(name) !== undefined));
    // An ack file whose segment is gone: the segment was deleted and the process died before its acks were.
    for (const name of names) if (name.endsWith('.ack') && !logs.has(name.replace(/\.ack$/, '.log'))) await rm(join(dir, name), { force: true });
    const recovered: OnDisk[] = [];
    for (const name of logs) recovered.push(...(await this.#recoverSegment(name)));
    return recovered;
  }

  async #recoverSegment(name: string): Promise<OnDisk[]> {
    const path = join(this.#options.directory, name);
    this.#nextSeq = Math.max(this.#nextSeq, segmentSeq(name)! + 1);
    const data = await readFile(path);
    const { records, validEnd } = scanSegment(data);
    if (validEnd < data.length) {
      this.#options.logger.warn({ file: path, offset: validEnd, bytes: data.length - validEnd }, 'persistent queue: cutting off a torn write at the end of a segment');
      await truncate(path, validEnd);
    }
    const acked = scanAcks(await readFile(join(this.#options.directory, ackName(name))).catch(() => Buffer.alloc(0)));
    const left = records.filter((record) => !acked.has(record.seq));
    for (const record of records) this.#nextSeq = Math.max(this.#nextSeq, record.seq + 1);
    if (left.length === 0) {
      await this.#unlink(name);
      return [];
    }
    const segment: Segment = { name, handle: await open(path, 'r'), acks: undefined, live: left.length, sealed: true, size: validEnd };
    this.#segments.add(segment);
    return left.map((record) => ({ seq: record.seq, items: record.items, bytes: record.bytes, segment, offset: record.offset, bodyLength: record.bodyLength }));
  }

  put(payload: Payload): Promise<Stored> {
    const chunks = encodeRequestChunks(payload);
    const { promise, resolve, reject } = Promise.withResolvers<OnDisk>();
    this.#pending.push({ payload, chunks, resolve, reject });
    this.#writing ??= this.#writeLoop();
    return promise;
  }

  /** Writes everything pending, a burst at a time, until nothing is left. */
  async #writeLoop(): Promise<void> {
    await undefined; // so #writing is set before the loop can end
    for (;;) {
      if (this.#pending.length === 0) {
        this.#writing = undefined;
        return;
      }
      const burst = this.#pending.splice(0);
      let segment: Segment | undefined;
      try {
        segment = await this.#writable();
        const parts: Uint8Array[] = [];
        const written: OnDisk[] = [];
        let offset = segment.size;
        for (const { payload, chunks } of burst) {
          const header = recordHeader(this.#nextSeq, payload.items, payload.bytes, chunks);
          const bodyLength = header.readUInt32LE(0);
          written.push({ seq: this.#nextSeq++, items: payload.items, bytes: payload.bytes, segment, offset, bodyLength });
          parts.push(header, ...chunks);
          offset += HEADER_BYTES + bodyLength;
        }
        await writeAll(segment.handle, Buffer.concat(parts), segment.size);
        if (this.#options.fsync) await segment.handle.datasync();
        segment.size = offset;
        segment.live += written.length;
        if (segment.size >= this.#segmentBytes) segment.sealed = true;
        burst.forEach((put, index) => put.resolve(written[index]!));
      } catch (error) {
        // What was half written is a torn tail the next open cuts off; later records go to a new segment.
        if (segment) segment.sealed = true;
        for (const put of burst) put.reject(error);
      }
    }
  }

  async #writable(): Promise<Segment> {
    if (this.#current && !this.#current.sealed) return this.#current;
    // A segment sealed by a failed write may hold nothing, and have the name the next one would get.
    if (this.#current && this.#current.live === 0) await this.#delete(this.#current);
    await mkdir(this.#options.directory, { recursive: true, mode: this.#options.directoryMode });
    const name = segmentName(this.#nextSeq);
    const handle = await open(join(this.#options.directory, name), 'w+');
    if (this.#options.fsync) await syncDirectory(this.#options.directory);
    this.#current = { name, handle, acks: undefined, live: 0, sealed: false, size: 0 };
    this.#segments.add(this.#current);
    return this.#current;
  }

  async load(stored: Stored): Promise<Payload> {
    const record = stored as OnDisk;
    const data = Buffer.allocUnsafe(HEADER_BYTES + record.bodyLength);
    const { bytesRead } = await record.segment.handle.read(data, 0, data.length, record.offset);
    const body = data.subarray(HEADER_BYTES);
    if (bytesRead !== data.length || !recordIntact(data.subarray(0, HEADER_BYTES), body)) {
      throw new Error(`persistent queue: record ${record.seq} in ${join(this.location, record.segment.name)} is damaged`);
    }
    return parseRequest(this.#options.signal, body);
  }

  remove(stored: Stored): void {
    const record = stored as OnDisk;
    record.segment.live--;
    const list = this.#acks.get(record.segment);
    if (list) list.push(record.seq);
    else this.#acks.set(record.segment, [record.seq]);
    this.#acking ??= this.#ackLoop();
  }

  /** Appends pending acks to each segment's ack file; deletes segments left with nothing to send. */
  async #ackLoop(): Promise<void> {
    await undefined; // so #acking is set before the loop can end
    for (;;) {
      if (this.#acks.size === 0) {
        this.#acking = undefined;
        return;
      }
      const batch = [...this.#acks];
      this.#acks.clear();
      for (const [segment, seqs] of batch) {
        try {
          if (segment.live === 0 && segment.sealed) {
            await this.#delete(segment);
            continue;
          }
          segment.acks ??= await open(join(this.#options.directory, ackName(segment.name)), 'a');
          await segment.acks.write(Buffer.concat(seqs.map(ackEntry)));
        } catch (error) {
          // A lost ack only means the record is sent again after a restart.
          this.#options.logger.warn({ err: error, segment: segment.name }, 'persistent queue: cannot record delivered requests');
        }
      }
    }
  }

  async #delete(segment: Segment): Promise<void> {
    if (segment === this.#current) this.#current = undefined;
    this.#segments.delete(segment);
    await segment.handle.close().catch(() => undefined);
    await segment.acks?.close().catch(() => undefined);
    segment.acks = undefined;
    await this.#unlink(segment.name);
  }

  async #unlink(name: string): Promise<void> {
    // The segment first: an ack file alone is removed on the next open, a segment without its acks would be resent.
    await rm(join(this.#options.directory, name), { force: true });
    await rm(join(this.#options.directory, ackName(name)), { force: true });
  }

  async close(): Promise<void> {
    await this.#writing;
    await this.#acking;
    for (const segment of this.#segments) {
      await segment.handle.close().catch(() => undefined);
      await segment.acks?.close().catch(() => undefined);
    }
  }
}

async function writeAll(handle: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/** A new file's directory entry survives a power loss only once the directory is synced. */
async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
