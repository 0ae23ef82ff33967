// Two ways the load generator sends one pre-encoded Export request:
// - grpc-js with identity serializers (the client the JS SDK uses);
// - a bare HTTP/2 gRPC client that sends a pre-gzipped, pre-framed message, because grpc-js
//   compresses every message itself and would make the generator, not the collector, the
//   bottleneck in the gzip scenario.
import { connect, constants } from 'node:http2';
import type { ClientHttp2Session } from 'node:http2';
import { Client, credentials, Metadata } from '@grpc/grpc-js';
import type { EncodedRequest } from './spans.ts';
import { TRACE_EXPORT_PATH, UNLIMITED_MESSAGES } from './grpc-raw.ts';

/** Calls back with the gRPC status code (0 = OK). */
export type SendFn = (req: EncodedRequest, done: (code: number) => void) => void;

export interface ExportClient {
  readonly send: SendFn;
  close(): void;
}

const identity = (b: Buffer): Buffer => b;

export function grpcJsClient(address: string, channels: number, gzip: boolean): ExportClient {
  const options = {
    ...UNLIMITED_MESSAGES,
    'grpc.use_local_subchannel_pool': 1, // one HTTP/2 connection per Client, as separate SDK clients
    ...(gzip ? { 'grpc.default_compression_algorithm': 2 } : {}),
  };
  const clients = Array.from({ length: channels }, () => new Client(address, credentials.createInsecure(), options));
  const metadata = new Metadata();
  let next = 0;
  return {
    send(req, done) {
      const client = clients[next++ % clients.length] as Client;
      client.makeUnaryRequest(TRACE_EXPORT_PATH, identity, identity, req.body, metadata, (err) => done(err ? (err.code ?? 2) : 0));
    },
    close() { for (const c of clients) c.close(); },
  };
}

/** gRPC length-prefixed message: 1 byte compressed flag, 4 bytes big-endian length. */
export function grpcFrame(message: Buffer, compressed: boolean): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame[0] = compressed ? 1 : 0;
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

export function http2GzipClient(address: string, channels: number): ExportClient {
  const sessions: ClientHttp2Session[] = Array.from({ length: channels }, () => connect(`http://${address}`));
  for (const s of sessions) s.on('error', () => { /* surfaced per stream */ });
  const frames = new WeakMap<EncodedRequest, Buffer>();
  const headers = {
    [constants.HTTP2_HEADER_METHOD]: 'POST',
    [constants.HTTP2_HEADER_PATH]: TRACE_EXPORT_PATH,
    [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
    te: 'trailers',
    'grpc-encoding': 'gzip',
    'grpc-accept-encoding': 'gzip,identity',
  };
  let next = 0;
  return {
    send(req, done) {
      if (!req.gzipped) throw new Error('http2 gzip client needs gzipped requests');
      let frame = frames.get(req);
      if (!frame) { frame = grpcFrame(req.gzipped, true); frames.set(req, frame); }
      const session = sessions[next++ % sessions.length] as ClientHttp2Session;
      let code = 2; // UNKNOWN unless the trailers (or a trailers-only response) say otherwise
      let finished = false;
      const finish = (c: number): void => { if (!finished) { finished = true; done(c); } };
      const stream = session.request(headers);
      stream.on('response', (h) => { if (h['grpc-status'] !== undefined) code = Number(h['grpc-status']); });
      stream.on('trailers', (t) => { if (t['grpc-status'] !== undefined) code = Number(t['grpc-status']); });
      stream.on('data', () => { /* the response message is not needed */ });
      stream.on('close', () => finish(code));
      stream.on('error', () => finish(14));
      stream.end(frame);
    },
    close() { for (const s of sessions) s.close(); },
  };
}
