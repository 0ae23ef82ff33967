// The collector's downstream: a bare HTTP/2 gRPC server that counts the spans it receives
// and answers success. Bare node:http2 rather than grpc-js because grpc-js servers keep
// HTTP/2's 64 KiB flow-control windows: with several 7 MB batches in flight and a busy CPU,
// window updates lag and the collector's exports time out. Here the windows are large.
// Runs as its own process (forked by run.ts) so its CPU is not the collector's.
// Parent messages: {type:'count'} -> {type:'count', spans, requests, bytes, errors}.
import { constants, createServer } from 'node:http2';
import type { ServerHttp2Stream } from 'node:http2';
import { countGrpcBody } from './count-spans.ts';
import { TRACE_EXPORT_PATH } from './grpc-raw.ts';

const WINDOW = 64 * 1024 * 1024;
let spans = 0;
let requests = 0;
let bytes = 0;
let errors = 0;

function finish(stream: ServerHttp2Stream, status: number, message: string): void {
  if (stream.destroyed || stream.closed) return; // the client went away (a load generator stopped mid-request)
  stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200, [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc' }, { waitForTrailers: true });
  stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(status), ...(message ? { 'grpc-message': message } : {}) }));
  stream.end(status === 0 ? Buffer.from([0, 0, 0, 0, 0]) : undefined); // an empty ExportTraceServiceResponse
}

const server = createServer({ settings: { initialWindowSize: WINDOW }, maxSessionMemory: 1024 });
server.on('session', (session) => {
  session.on('connect', () => session.setLocalWindowSize(WINDOW));
  session.on('error', () => { /* the collector reconnects */ });
});
server.on('stream', (stream, headers) => {
  if (headers[constants.HTTP2_HEADER_PATH] !== TRACE_EXPORT_PATH) { finish(stream, 12, 'unimplemented'); return; }
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('error', () => { errors++; });
  stream.on('end', () => {
    const body = Buffer.concat(chunks);
    try {
      spans += countGrpcBody(body);
      requests++;
      bytes += body.length;
      finish(stream, 0, '');
    } catch (err) {
      errors++;
      finish(stream, 13, err instanceof Error ? err.message : 'internal');
    }
  });
});
// BENCH_SINK_HOST: the real node's IP (198.18.0.1) when the collectors run in pods (bench/cores), which cannot reach loopback.
server.listen(0, process.env['BENCH_SINK_HOST'] ?? '127.0.0.1', () => {
  process.send?.({ type: 'ready', port: (server.address() as { port: number }).port });
});

process.on('message', (msg: { type: string }) => {
  if (msg.type === 'count') process.send?.({ type: 'count', spans, requests, bytes, errors });
});
process.on('disconnect', () => process.exit(0));
