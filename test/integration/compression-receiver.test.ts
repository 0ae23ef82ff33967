// The OTLP receiver's answers to compressed input it cannot take: malformed bodies get 400 /
// INVALID_ARGUMENT, bombs 413 / RESOURCE_EXHAUSTED, unknown encodings 400 / UNIMPLEMENTED (with
// grpc-accept-encoding), and the collector keeps serving. Also what our gRPC exporter puts on the wire
// for zstd and snappy (grpc-encoding, the compressed flag) and that it reads responses in those encodings;
// the official JS SDK exporters with their gzip still deliver.
import { connect, constants, createServer, type Http2Server, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync, zstdCompressSync } from 'node:zlib';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { decompress } from '../../src/collector/compression/decompress.ts';
import { encodeLz4 } from '../../src/collector/compression/lz4.ts';
import { encodeSnappyBlock, encodeSnappyFramed } from '../../src/collector/compression/snappy.ts';
import { createOtlpGrpcExporter, GRPC_EXPORT_PATH, otlpGrpcConfigSchema } from '../../src/collector/exporters/otlp-grpc.ts';
import { decodeRpcStatus } from '../../src/collector/exporters/rpc-status.ts';
import { parseRequest } from '../../src/collector/otlp/index.ts';
import { testContext } from '../support/exporter-metrics.ts';
import { freePorts } from '../support/free-port.ts';
import { Capture, captureExporterFactory, startInProcessCollector, type InProcessCollector } from '../support/in-process-collector.ts';
import { spanBatch, spanNames, spansRequest } from '../support/otlp-payloads.ts';
import { encodePartialSuccess } from '../support/rpc-status-encode.ts';
import { sendSpans, TRANSPORTS } from '../support/sdk-clients.ts';

const MIB = 1024 * 1024;
const capture = new Capture();
let collector: InProcessCollector;
let grpcPort: number;
let httpPort: number;

beforeAll(async () => {
  [grpcPort, httpPort] = (await freePorts(2)) as [number, number];
  const pipeline = { receivers: ['otlp'], exporters: ['capture'] };
  collector = await startInProcessCollector(
    {
      receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpcPort}` }, http: { endpoint: `127.0.0.1:${httpPort}` } } } },
      exporters: { capture: {} },
      service: { telemetry: { metrics: { level: 'none' } }, pipelines: { traces: pipeline } },
    },
    { exporters: [captureExporterFactory(capture)] },
  );
});

afterAll(async () => {
  await collector?.stop();
});

async function post(body: Uint8Array, encoding: string): Promise<{ status: number; body: Buffer }> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/v1/traces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': encoding },
    body,
  });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

interface GrpcAnswer {
  readonly code: number;
  readonly message: string;
  readonly headers: IncomingHttpHeaders;
}

/** One Export call with a hand-made message: any grpc-encoding, any bytes, the compressed flag set. */
function rawGrpc(encoding: string, body: Uint8Array, compressed = true): Promise<GrpcAnswer> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://127.0.0.1:${grpcPort}`);
    session.on('error', reject);
    const stream = session.request({
      ':method': 'POST', ':path': GRPC_EXPORT_PATH.traces, 'content-type': 'application/grpc', te: 'trailers', 'grpc-encoding': encoding,
    });
    let headers: IncomingHttpHeaders = {};
    const finish = (fields: IncomingHttpHeaders) => {
      session.close();
      resolve({ code: Number(fields['grpc-status']), message: decodeURIComponent(String(fields['grpc-message'] ?? '')), headers });
    };
    stream.on('response', (fields) => {
      headers = fields;
      if (fields['grpc-status'] !== undefined) finish(fields);
    });
    stream.on('trailers', finish);
    stream.on('error', reject);
    stream.resume();
    const frame = Buffer.alloc(5);
    frame[0] = compressed ? 1 : 0;
    frame.writeUInt32BE(body.length, 1);
    stream.end(Buffer.concat([frame, body]));
  });
}

const request = (tag: string) => spansRequest({ compression: [tag] });
const stillServing = async (tag: string) => {
  expect((await post(gzipSync(request(`${tag}-http`)), 'gzip')).status).toBe(200);
  expect((await rawGrpc('zstd', zstdCompressSync(request(`${tag}-grpc`)))).code).toBe(GrpcStatus.OK);
};

describe('HTTP', () => {
  test.each(['gzip', 'x-gzip', 'deflate', 'zlib', 'br', 'zstd', 'snappy', 'x-snappy-framed', 'lz4'])('%s: a malformed body gets 400 with a Status', async (encoding) => {
    const answer = await post(Buffer.from('this is not compressed data at all'), encoding);
    expect(answer.status).toBe(400);
    expect(decodeRpcStatus(answer.body)).toMatchObject({ code: GrpcStatus.INVALID_ARGUMENT, message: expect.stringContaining(`invalid ${encoding} data`) });
  });

  test('an unknown Content-Encoding gets 400', async () => {
    const answer = await post(request('compress'), 'compress');
    expect(answer.status).toBe(400);
    expect(decodeRpcStatus(answer.body)?.message).toBe('unsupported Content-Encoding: "compress"');
  });

  test.each([
    ['zstd', () => zstdCompressSync(Buffer.alloc(1024 * MIB))],
    ['snappy', () => encodeSnappyBlock(Buffer.alloc(64 * MIB))],
    ['x-snappy-framed', () => encodeSnappyFramed(Buffer.alloc(64 * MIB))],
    ['lz4', () => encodeLz4(Buffer.alloc(1024 * MIB))],
    ['gzip', () => gzipSync(Buffer.alloc(256 * MIB))],
  ] as const)('a %s bomb gets 413 and the collector keeps serving', async (encoding, make) => {
    const bomb = make();
    expect(bomb.length).toBeLessThan(20 * MIB);
    const answer = await post(bomb, encoding);
    expect(answer.status).toBe(413);
    expect(decodeRpcStatus(answer.body)?.message).toBe(`decompressed request body exceeds the limit of ${20 * MIB} bytes`);
    await stillServing(`after-${encoding}-bomb`);
  });

  test('every encoding delivers', async () => {
    const encoders: Record<string, (input: Buffer) => Buffer> = {
      gzip: gzipSync, deflate: deflateSync, zlib: deflateSync, br: brotliCompressSync, zstd: zstdCompressSync,
      snappy: encodeSnappyBlock, 'x-snappy-framed': encodeSnappyFramed, lz4: encodeLz4, identity: (input) => input,
    };
    for (const [encoding, encode] of Object.entries(encoders)) {
      expect((await post(encode(Buffer.from(request(`http-ok-${encoding}`))), encoding)).status).toBe(200);
    }
    await capture.until(() => Object.keys(encoders).every((encoding) => spanNamesCaptured().includes(`http-ok-${encoding}`)));
  });
});

const spanNamesCaptured = () => capture.requests.traces.flatMap((decoded) => {
  const spans = (decoded as { resourceSpans?: { scopeSpans?: { spans?: { name?: string }[] }[] }[] }).resourceSpans ?? [];
  return spans.flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => (ss.spans ?? []).map((span) => span.name ?? '')));
});

describe('gRPC', () => {
  test.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['zstd', zstdCompressSync],
    ['snappy', encodeSnappyFramed],
  ] as const)('%s: delivers, and a malformed message gets INVALID_ARGUMENT', async (encoding, encode) => {
    const ok = await rawGrpc(encoding, encode(Buffer.from(request(`grpc-ok-${encoding}`))));
    expect(ok.code).toBe(GrpcStatus.OK);
    expect(ok.headers['grpc-accept-encoding']).toBe('identity,gzip,deflate,zstd,snappy');
    const bad = await rawGrpc(encoding, Buffer.from('this is not compressed data at all'));
    expect(bad.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(bad.message).toContain('failed to decompress the received message');
    await capture.until(() => spanNamesCaptured().includes(`grpc-ok-${encoding}`));
  });

  test('an unknown grpc-encoding gets UNIMPLEMENTED with the encodings the server reads', async () => {
    const answer = await rawGrpc('br', brotliCompressSync(Buffer.from(request('grpc-br'))));
    expect(answer.code).toBe(GrpcStatus.UNIMPLEMENTED);
    expect(answer.headers['grpc-accept-encoding']).toBe('identity,gzip,deflate,zstd,snappy');
  });

  test('an uncompressed message in a zstd call is read as is', async () => {
    expect((await rawGrpc('zstd', request('grpc-flag-0'), false)).code).toBe(GrpcStatus.OK);
  });

  test.each([
    ['zstd', () => zstdCompressSync(Buffer.alloc(1024 * MIB))],
    ['snappy', () => encodeSnappyFramed(Buffer.alloc(32 * MIB))],
    ['gzip', () => gzipSync(Buffer.alloc(64 * MIB))],
  ] as const)('a %s bomb gets RESOURCE_EXHAUSTED and the collector keeps serving', async (encoding, make) => {
    const bomb = make();
    expect(bomb.length).toBeLessThan(4 * MIB);
    const answer = await rawGrpc(encoding, bomb);
    expect(answer.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(answer.message).toBe(`received message after decompression larger than max (${4 * MIB})`);
    await stillServing(`after-grpc-${encoding}-bomb`);
  });
});

test.each(TRANSPORTS)('the OpenTelemetry JS SDK exporter over %s with gzip still delivers', async (transport) => {
  const ids = Array.from({ length: 50 }, (_, i) => `sdk-${transport}-${i}`);
  await sendSpans({ host: '127.0.0.1', grpcPort, httpPort }, transport, ids, true);
  await capture.until(() => ids.every((id) => spanNamesCaptured().includes(`span ${id}`)));
});

describe('our gRPC exporter on the wire', () => {
  let server: Http2Server;
  let seen: Array<{ encoding: string | undefined; accept: string | undefined; flag: number; body: Buffer }> = [];

  beforeAll(async () => {
    // A server that records each call and answers in the request's encoding, as grpc-go does.
    server = createServer();
    server.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        void (async () => {
          const framed = Buffer.concat(chunks);
          const encoding = headers['grpc-encoding'] as string | undefined;
          const flag = framed[0]!;
          const body = flag === 1 ? await decompress(encoding!, framed.subarray(5), 4 * MIB) : framed.subarray(5);
          seen.push({ encoding, accept: headers['grpc-accept-encoding'] as string | undefined, flag, body });
          // A non-empty response (a partial success), so it is compressed.
          const response = encodePartialSuccess(1, 'one span rejected');
          const compressed = encoding === 'zstd' ? zstdCompressSync(response) : encodeSnappyFramed(response);
          const frame = Buffer.alloc(5);
          frame[0] = 1;
          frame.writeUInt32BE(compressed.length, 1);
          stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200, 'content-type': 'application/grpc', 'grpc-encoding': encoding ?? 'identity' }, { waitForTrailers: true });
          stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
          stream.end(Buffer.concat([frame, compressed]));
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test.each(['zstd', 'snappy'])('%s: grpc-encoding, compressed flag, and a compressed response read back', async (compression) => {
    seen = [];
    const port = (server.address() as AddressInfo).port;
    const ctx = testContext(`otlp/${compression}`);
    const exp = createOtlpGrpcExporter(ctx, otlpGrpcConfigSchema.parse({
      endpoint: `127.0.0.1:${port}`, compression, tls: { insecure: true }, sending_queue: { enabled: false }, retry_on_failure: { enabled: false },
    }));
    await exp.start!();
    try {
      const payload = spanBatch(`wire-${compression}`, 200);
      await exp.consume(payload);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ encoding: compression, accept: 'identity,deflate,gzip,zstd,snappy', flag: 1 });
      expect(spanNames(parseRequest('traces', seen[0]!.body))).toEqual(spanNames(payload));
      // The partial success in the compressed response was read.
      expect(ctx.logs).toContainEqual(expect.objectContaining({ msg: 'Partial success response', message: 'one span rejected', dropped_spans: 1 }));
    } finally {
      await exp.shutdown!(Date.now() + 1000);
    }
  });
});
