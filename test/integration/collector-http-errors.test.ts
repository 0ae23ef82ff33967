// Bad input at the OTLP receiver gets the upstream status codes and error bodies, is never inflated
// past the body limit, and the collector keeps serving afterwards.
import { status as GrpcStatus } from '@grpc/grpc-js';
import { Readable } from 'node:stream';
import { createGzip, deflateSync, gzipSync, zstdCompressSync } from 'node:zlib';
import { decodeRpcStatus } from '../../src/collector/exporters/rpc-status.ts';
import { startCollectorProcess, type CollectorProcess } from '../support/collector-process.ts';
import { RawOtlpGrpcClient } from '../support/grpc-raw.ts';
import { spanBatch, spansRequest } from '../support/otlp-payloads.ts';
import { encodeRequest } from '../../src/collector/otlp/index.ts';

const MIB = 1024 * 1024;
let collector: CollectorProcess;
let url: string;

beforeAll(async () => {
  collector = await startCollectorProcess({
    config: (ports, host) => ({
      receivers: { otlp: { protocols: { grpc: { endpoint: `${host}:${ports.grpc}` }, http: { endpoint: `${host}:${ports.http}` } } } },
      exporters: { debug: { verbosity: 'basic' } },
      service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['debug'] } } },
    }),
  });
  url = `http://${collector.host}:${collector.ports.http}/v1/traces`;
});

afterAll(async () => {
  await collector?.stop();
});

const protobuf = { 'Content-Type': 'application/x-protobuf' };

async function post(body: NonNullable<RequestInit['body']>, headers: Record<string, string>, target = url) {
  const response = await fetch(target, { method: 'POST', body, headers, ...(body instanceof ReadableStream && { duplex: 'half' }) } as RequestInit);
  return { status: response.status, headers: response.headers, body: new Uint8Array(await response.arrayBuffer()) };
}

test('a valid protobuf request is accepted', async () => {
  const response = await post(spansRequest({ svc: ['a', 'b'] }), protobuf);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/x-protobuf');
});

test('405 with Allow for other methods', async () => {
  const response = await fetch(url);
  expect(response.status).toBe(405);
  expect(response.headers.get('allow')).toBe('POST');
});

test('415 for other content types', async () => {
  const response = await post('hello', { 'Content-Type': 'text/plain' });
  expect(response.status).toBe(415);
  expect(new TextDecoder().decode(response.body)).toContain('application/x-protobuf');
});

test('404 for other paths', async () => {
  expect((await post(spansRequest({ svc: ['a'] }), protobuf, url.replace('/v1/traces', '/v1/profiles'))).status).toBe(404);
});

test('400 with a google.rpc.Status body for malformed protobuf', async () => {
  const response = await post(new Uint8Array([0x0a, 0xff, 0xff, 0x01, 0x02]), protobuf);
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toBe('application/x-protobuf');
  expect(decodeRpcStatus(response.body)).toMatchObject({ code: 3 });
});

test('400 with a JSON Status for malformed JSON', async () => {
  const response = await post('{"resourceSpans": [', { 'Content-Type': 'application/json' });
  expect(response.status).toBe(400);
  expect(JSON.parse(new TextDecoder().decode(response.body))).toMatchObject({ code: 3, message: expect.any(String) });
});

test('400 for a corrupt gzip body and an unsupported encoding', async () => {
  expect((await post(new Uint8Array([1, 2, 3, 4]), { ...protobuf, 'Content-Encoding': 'gzip' })).status).toBe(400);
  expect((await post(spansRequest({ svc: ['a'] }), { ...protobuf, 'Content-Encoding': 'snappy' })).status).toBe(400);
});

test('gzip, deflate and zstd bodies are accepted', async () => {
  expect((await post(gzipSync(spansRequest({ svc: ['gz'] })), { ...protobuf, 'Content-Encoding': 'gzip' })).status).toBe(200);
  expect((await post(deflateSync(spansRequest({ svc: ['zz'] })), { ...protobuf, 'Content-Encoding': 'deflate' })).status).toBe(200);
  expect((await post(zstdCompressSync(spansRequest({ svc: ['zs'] })), { ...protobuf, 'Content-Encoding': 'zstd' })).status).toBe(200);
});

test('413 for a body over 20 MiB (declared length and chunked)', async () => {
  const big = new Uint8Array(21 * MIB);
  expect((await post(big, protobuf)).status).toBe(413);
  const chunks = Readable.toWeb(Readable.from((function* () { for (let i = 0; i < 42; i++) yield new Uint8Array(MIB / 2); })())) as ReadableStream;
  expect((await post(chunks, protobuf)).status).toBe(413);
});

test('a gzip bomb is rejected without being inflated, and memory stays bounded', async () => {
  const before = await collector.metric('otelcol_process_memory_rss');
  const bomb = await gzipOfZeros(1024 * MIB);
  expect(bomb.length).toBeLessThan(2 * MIB);
  const responses = await Promise.all(Array.from({ length: 4 }, () => post(bomb, { ...protobuf, 'Content-Encoding': 'gzip' })));
  expect(responses.map((response) => response.status)).toEqual([413, 413, 413, 413]);
  const after = await collector.metric('otelcol_process_memory_rss');
  process.stdout.write(`gzip bomb x4 (1 GiB each): RSS ${Math.round(before / MIB)} -> ${Math.round(after / MIB)} MiB\n`);
  // Four concurrent bombs may each hold up to the 20 MiB limit before being cut off; 1 GiB each is never reached.
  expect(after - before).toBeLessThan(120 * MIB);
});

test('gRPC: RESOURCE_EXHAUSTED above 4 MiB, INVALID_ARGUMENT for malformed protobuf', async () => {
  const client = new RawOtlpGrpcClient(`${collector.host}:${collector.ports.grpc}`);
  try {
    expect((await client.export('traces', new Uint8Array(5 * MIB))).code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect((await client.export('traces', new Uint8Array([0x0a, 0xff, 0xff, 0x01]))).code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect((await client.export('metrics', encodeRequest(spanBatch('x', 1)))).code).toBe(GrpcStatus.UNIMPLEMENTED);
    expect((await client.export('traces', spansRequest({ svc: ['grpc-ok'] }))).code).toBe(GrpcStatus.OK);
  } finally {
    client.close();
  }
});

test('the collector keeps serving after all of the above', async () => {
  const acceptedBefore = await collector.metric('otelcol_receiver_accepted_spans', { transport: 'http' });
  expect((await post(spansRequest({ svc: ['after-1', 'after-2', 'after-3'] }), protobuf)).status).toBe(200);
  expect(await collector.metric('otelcol_receiver_accepted_spans', { transport: 'http' })).toBe(acceptedBefore + 3);
  expect((await fetch(`http://${collector.host}:${collector.ports.health}/`)).status).toBe(200);
});

function gzipOfZeros(bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gzip = createGzip({ level: 9 });
    const out: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => out.push(chunk)).on('end', () => resolve(Buffer.concat(out))).on('error', reject);
    const zeros = Buffer.alloc(MIB);
    let left = bytes / MIB;
    const pump = () => {
      while (left > 0) {
        left--;
        if (!gzip.write(zeros)) return void gzip.once('drain', pump);
      }
      gzip.end();
    };
    pump();
  });
}
