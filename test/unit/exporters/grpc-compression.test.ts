// The otlp_grpc exporter's hooks into grpc-js' compression filter: they must find the handlers of the pinned grpc-js
// (an upgrade that changes them makes this fail rather than silently falling back to grpc-js' own framing).
import { gzipSync } from 'node:zlib';
import { CompressionFilterFactory } from '@grpc/grpc-js/build/src/compression-filter.js';
import { installOneJobGzip } from '../../../src/collector/exporters/grpc-compression.ts';

interface Handler { compressMessage(message: Buffer): Promise<Buffer>; writeMessage(message: Buffer, compress: boolean): Promise<Buffer> }

function gzipHandler(): Handler {
  const filter = new CompressionFilterFactory(undefined as never, { 'grpc.default_compression_algorithm': 2 }).createFilter();
  return (filter as unknown as { sendCompression: Handler }).sendCompression;
}

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
