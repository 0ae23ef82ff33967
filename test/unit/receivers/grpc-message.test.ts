// Reassembling a unary gRPC call's message from DATA chunks split anywhere, with its size refused from the prefix,
// a second message noticed, and the buffers cut from shared slabs without overlapping.
import fc from 'fast-check';
import { MessageReader, PREFIX, ReceiveSlabs } from '../../../src/collector/receivers/otlp/grpc-message.ts';
import { sessionLimits } from '../../../src/collector/receivers/otlp/grpc-session.ts';
import { grpcConfigSchema } from '../../../src/collector/receivers/otlp/config.ts';

function framed(body: Buffer, compressed = false): Buffer {
  const out = Buffer.alloc(PREFIX + body.length);
  out[0] = compressed ? 1 : 0;
  out.writeUInt32BE(body.length, 1);
  body.copy(out, PREFIX);
  return out;
}

function chunks(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(last, p));
    last = p;
  }
  return out;
}

test('a message split anywhere is reassembled byte for byte', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), (bytes, cuts, compressed) => {
    const reader = new MessageReader(1 << 20, new ReceiveSlabs());
    for (const chunk of chunks(framed(Buffer.from(bytes), compressed), cuts)) expect(reader.push(chunk)).toEqual({ kind: 'more' });
    expect(reader.message).toEqual({ body: Buffer.from(bytes), compressed });
  }));
});

test('no message until the last byte; an empty message is one', () => {
  const reader = new MessageReader(100, new ReceiveSlabs());
  reader.push(Buffer.from([0, 0, 0, 0]));
  expect(reader.message).toBeUndefined();
  reader.push(Buffer.from([0]));
  expect(reader.message?.body.length).toBe(0);
});

test('a message over the limit is refused from its prefix; a second message is noticed', () => {
  expect(new MessageReader(10, new ReceiveSlabs()).push(framed(Buffer.alloc(11)).subarray(0, PREFIX))).toEqual({ kind: 'tooLarge', length: 11 });
  const reader = new MessageReader(10, new ReceiveSlabs());
  expect(reader.push(Buffer.concat([framed(Buffer.alloc(3)), framed(Buffer.alloc(2))]))).toEqual({ kind: 'second' });
});

test('slab cuts do not overlap; large messages get their own buffer', () => {
  const slabs = new ReceiveSlabs();
  const a = slabs.take(1000);
  const b = slabs.take(3);
  const c = slabs.take(2000);
  a.fill(1); b.fill(2); c.fill(3);
  expect([a.every((x) => x === 1), b.every((x) => x === 2), c.every((x) => x === 3)]).toEqual([true, true, true]);
  expect(a.buffer).toBe(c.buffer);
  expect(slabs.take(512 * 1024).buffer).not.toBe(a.buffer);
});

test('keepalive.server_parameters become session limits; unset or zero ones stay off', () => {
  const config = grpcConfigSchema.parse({ keepalive: { server_parameters: { time: '30s', max_connection_age: '1m', max_connection_idle: 0 } } });
  expect(sessionLimits(config)).toEqual({ handshakeMs: 120_000, keepaliveTimeMs: 30_000, keepaliveTimeoutMs: 20_000, ageMs: 60_000 });
  expect(sessionLimits(grpcConfigSchema.parse({}))).toEqual({ handshakeMs: 120_000, keepaliveTimeoutMs: 20_000 });
});

test('a large message split anywhere is reassembled byte for byte while its buffer grows', () => {
  fc.assert(fc.property(fc.integer({ min: 256 * 1024 + 1, max: 1200 * 1024 }), fc.array(fc.nat(), { maxLength: 12 }), (length, cuts) => {
    const body = Buffer.alloc(length);
    for (let i = 0; i < length; i++) body[i] = i % 251;
    const reader = new MessageReader(4 << 20, new ReceiveSlabs());
    for (const chunk of chunks(framed(body), cuts)) expect(reader.push(chunk)).toEqual({ kind: 'more' });
    expect(reader.message?.body.equals(body)).toBe(true);
    expect(reader.message?.body.length).toBe(length);
  }), { numRuns: 40 });
});

test('take hands the message over once and the reader keeps nothing', () => {
  const reader = new MessageReader(100, new ReceiveSlabs());
  reader.push(framed(Buffer.from('abc')));
  expect(reader.take()).toEqual({ body: Buffer.from('abc'), compressed: false });
  expect(reader.take()).toBeUndefined();
  expect(reader.message).toBeUndefined();
});
