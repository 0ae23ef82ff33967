import { FRAME_HEADROOM, hasFrameHeadroom, RequestBuffers } from '../../../src/collector/exporters/request-buffers.ts';
import { encodeRequest, parseRequest } from '../../../src/collector/otlp/index.ts';
import { sdkTracesRequest } from '../../support/sdk-payloads.ts';

const small = parseRequest('traces', sdkTracesRequest(3));
const large = parseRequest('traces', sdkTracesRequest(40));

test('encodes exactly what encodeRequest does', () => {
  const buffers = new RequestBuffers();
  expect(Buffer.compare(buffers.encode(large).bytes, encodeRequest(large))).toBe(0);
});

test('a released buffer is reused for a request that fits, without stale bytes leaking into the view', () => {
  const buffers = new RequestBuffers();
  const first = buffers.encode(large);
  first.release();
  first.release();
  expect(buffers.idleBytes).toBe(FRAME_HEADROOM + large.bytes);
  const second = buffers.encode(small);
  expect(second.bytes.buffer).toBe(first.bytes.buffer);
  expect(second.bytes.length).toBe(small.bytes);
  expect(Buffer.compare(second.bytes, encodeRequest(small))).toBe(0);
  expect(buffers.idleBytes).toBe(0);
});

test('buffers in use are never handed out twice; retained bytes are capped', () => {
  const buffers = new RequestBuffers(FRAME_HEADROOM + large.bytes + 10);
  const a = buffers.encode(large);
  const b = buffers.encode(large);
  expect(a.bytes.buffer).not.toBe(b.bytes.buffer);
  a.release();
  b.release();
  expect(buffers.idleBytes).toBe(FRAME_HEADROOM + large.bytes);
});

test('a request in use has free frame headroom before it; a released one does not', () => {
  const buffers = new RequestBuffers();
  const request = buffers.encode(small);
  expect(request.bytes.byteOffset).toBe(FRAME_HEADROOM);
  expect(hasFrameHeadroom(request.bytes)).toBe(true);
  request.release();
  expect(hasFrameHeadroom(request.bytes)).toBe(false);
  expect(hasFrameHeadroom(Buffer.alloc(10))).toBe(false);
});
