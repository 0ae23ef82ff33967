// Hostile input at the OTLP receivers, briefly (the bench/fuzz script runs the same campaign for longer): a fixed
// seed of mutated requests over gRPC and HTTP, protobuf and JSON, every compression, each answered with the
// protocol's code while the collector process keeps serving with bounded memory. Also the one bug it found: a
// request malformed below what the receiver scans was refused as retryable, so senders would retry it for ever.
import { lenField, varint } from '../support/fuzz/protobuf-bytes.ts';
import { runCampaign, type Target } from '../support/fuzz/campaign.ts';
import { FUZZ_RSS_LIMIT_BYTES, startFuzzCollector } from '../support/fuzz/fuzz-collector.ts';
import { judge } from '../support/fuzz/oracle.ts';
import { GrpcConnection, sendHttp } from '../support/fuzz/send.ts';
import type { FuzzCase } from '../support/fuzz/cases.ts';
import type { CollectorProcess } from '../support/collector-process.ts';

let collector: CollectorProcess;
let target: Target;

beforeAll(async () => {
  ({ collector, target } = await startFuzzCollector());
});

afterAll(async () => {
  await collector?.stop();
});

test('a fixed-seed campaign: every answer is the protocol\'s, the collector keeps serving, RSS stays under limit_mib', async () => {
  // Bounded by a count of cases, not by how many a busy machine gets through in a while (a CI run under load did
  // 73 in 15 s); the time cap only keeps the test bounded.
  const report = await runCampaign(target, { seed: 20261204, seconds: 75, maxCases: 200, rssLimit: FUZZ_RSS_LIMIT_BYTES });
  expect(report.failure).toBeUndefined();
  expect(report.cases).toBeGreaterThanOrEqual(100);
  // Both listeners answered with both accepted and refused outcomes.
  for (const outcome of ['http 200', 'http 400', 'grpc OK', 'grpc INVALID_ARGUMENT']) expect(report.outcomes[outcome]).toBeGreaterThan(0);
}, 100_000);

/** A span whose one attribute holds a field of wire type 6, which no protobuf has: below the receiver's scan. */
function requestWithBadAttribute(): Uint8Array {
  const attribute = Buffer.concat([lenField(1, Buffer.from('k')), varint(BigInt((642 << 3) | 6))]);
  const span = Buffer.concat([lenField(1, Buffer.alloc(16, 1)), lenField(2, Buffer.alloc(8, 2)), lenField(5, Buffer.from('s')), lenField(9, attribute)]);
  return lenField(1, lenField(2, lenField(2, span)));
}

test('a request malformed inside a span attribute is refused for good: 400 / INVALID_ARGUMENT, not 503 / UNAVAILABLE', async () => {
  const fuzz: FuzzCase = { transport: 'http', signal: 'traces', format: 'protobuf', encoding: 'identity', mutation: { kind: 'none' }, compressedMutation: { kind: 'none' }, bomb: false, framing: 'exact' };
  const body = requestWithBadAttribute();
  const http = judge(fuzz, await sendHttp(target.httpPort, fuzz, body, 10_000));
  expect(http).toEqual({ outcome: 'http 400' });
  const connection = new GrpcConnection(target.grpcPort);
  try {
    expect(judge({ ...fuzz, transport: 'grpc' }, await connection.send({ ...fuzz, transport: 'grpc' }, body, 10_000))).toEqual({ outcome: 'grpc INVALID_ARGUMENT' });
  } finally {
    connection.close();
  }
});
