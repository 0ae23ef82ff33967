// The otlp_grpc exporter's hooks into grpc-js' compression filter: they must find the handlers of the pinned grpc-js
// (an upgrade that changes them makes this fail rather than silently falling back to grpc-js' own framing).
import { gzipSync } from 'node:zlib';
import { CompressionFilterFactory } from '@grpc/grpc-js/build/src/compression-filter.js';
import { installOneJobGzip, installZeroCopyFraming } from '../../../src/collector/exporters/grpc-compression.ts';
import { RequestBuffers } from '../../../src/collector/exporters/request-buffers.ts';

interface Handler { compressMessage(message: Buffer): Promise<Buffer>; writeMessage(message: Buffer, compress: boolean): Promise<Buffer> }

function sendHandler(options: Record<string, number>): Handler {
  const filter = new CompressionFilterFactory(undefined as never, options).createFilter();
  return (filter as unknown as { sendCompression: Handler }).sendCompression;
}
const gzipHandler = (): Handler => sendHandler({ 'grpc.default_compression_algorithm': 2 });

test('gzip sends go through one thread-pool job, framed as grpc-js frames them', async () => {
  const before = Object.getPrototypeOf(gzipHandler()).compressMessage;
  installOneJobGzip();
  installOneJobGzip();
  const handler = gzipHandler();
  expect(Object.getPrototypeOf(handler).compressMessage).not.toBe(before);
  const message = Buffer.from('span '.repeat(100_000));
  const framed = await handler.writeMessage(message, true);
  const body = gzipSync(message);
  expect(framed[0]).toBe(1);
  expect(framed.readUInt32BE(1)).toBe(body.length);
  expect(framed.subarray(5).equals(body)).toBe(true);
});

test('uncompressed sends of an encoded request are framed in place, other messages as grpc-js frames them', async () => {
  installZeroCopyFraming();
  const request = new RequestBuffers().encode({ signal: 'traces', resources: [Buffer.from('resource-entry')], items: 1, bytes: 14 });
  const framed = await sendHandler({}).writeMessage(request.bytes, false);
  expect(framed.buffer).toBe(request.bytes.buffer);
  expect(framed.byteOffset + 5).toBe(request.bytes.byteOffset);
  expect(framed[0]).toBe(0);
  expect(framed.readUInt32BE(1)).toBe(request.bytes.length);
  const other = Buffer.from('not from RequestBuffers');
  const copied = await sendHandler({}).writeMessage(other, false);
  expect(copied.subarray(5).equals(other)).toBe(true);
  other.fill(0);
  expect(copied.subarray(5).toString()).toBe('not from RequestBuffers');
});
