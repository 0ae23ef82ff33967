// A growable protobuf writer for building messages field by field (the OTLP/JSON receive path).
import { varintSize, writeVarint } from './wire.ts';

/** Growable protobuf writer; nested messages reserve one length byte and shift when it needs more. */
export class ProtoWriter {
  private buf: Uint8Array;
  private view: DataView;
  private text: Buffer;
  private pos = 0;

  constructor(initialSize: number) {
    this.buf = new Uint8Array(Math.max(64, initialSize));
    this.view = new DataView(this.buf.buffer);
    this.text = Buffer.from(this.buf.buffer);
  }

  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  varint(value: number): void {
    this.ensure(10);
    this.pos = writeVarint(this.buf, this.pos, value);
  }

  varint64(value: bigint): void {
    this.ensure(10);
    while (value >= 0x80n) {
      this.buf[this.pos++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    this.buf[this.pos++] = Number(value);
  }

  fixed32(value: number | bigint): void {
    this.ensure(4);
    this.view.setUint32(this.pos, Number(value), true);
    this.pos += 4;
  }

  fixed64(value: bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.pos, value, true);
    this.pos += 8;
  }

  double(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  string(value: string): void {
    const length = Buffer.byteLength(value, 'utf8');
    this.varint(length);
    this.ensure(length);
    this.text.write(value, this.pos, 'utf8');
    this.pos += length;
  }

  /** Starts a length-delimited body; returns the offset of its length byte. */
  fork(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Ends the body started by `fork()` and writes its length. */
  join(at: number): void {
    const length = this.pos - at - 1;
    const size = varintSize(length);
    if (size > 1) {
      this.ensure(size - 1);
      this.buf.copyWithin(at + size, at + 1, this.pos);
      this.pos += size - 1;
    }
    writeVarint(this.buf, at, length);
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + extra));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
    this.text = Buffer.from(grown.buffer);
  }
}
