// Clients that hold a listener's resources without finishing a request: TCP connections that never send a byte,
// HTTP/1.1 requests whose body stops half way, gRPC calls whose message stops half way (HTTP/2 HEADERS and part
// of a DATA frame). Each resolves when the server closes it, with how long that took, or with `undefined` after
// `waitMs`; all traffic to 127.0.0.1.
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectHttp2, constants } from 'node:http2';

export interface Held {
  /** Milliseconds from connecting until the server closed the connection; undefined if it did not within the wait. */
  readonly closedAfterMs: Promise<number | undefined>;
  /** Closes it from the client side (idempotent). */
  release(): void;
}

function watch(socket: Socket, waitMs: number): Held {
  const started = Date.now();
  socket.on('error', () => {});
  // Reads (and drops) what the server sends, such as a 408: a paused socket would never see the server's end.
  socket.resume();
  const closedAfterMs = new Promise<number | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), waitMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
  return { closedAfterMs, release: () => socket.destroy() };
}

/** A TCP connection that sends nothing. */
export function idleConnection(port: number, waitMs: number): Held {
  return watch(connectTcp({ host: '127.0.0.1', port }), waitMs);
}

/** A POST whose headers promise `declared` body bytes of which only `sent` follow. */
export function halfSentHttpBody(port: number, waitMs: number, declared = 1000, sent = 10): Held {
  const socket = connectTcp({ host: '127.0.0.1', port });
  socket.write(`POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\nContent-Length: ${declared}\r\n\r\n`);
  socket.write(Buffer.alloc(sent));
  return watch(socket, waitMs);
}

/** HTTP/1.1 request headers cut off before their end. */
export function halfSentHttpHeaders(port: number, waitMs: number): Held {
  const socket = connectTcp({ host: '127.0.0.1', port });
  socket.write('POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl');
  return watch(socket, waitMs);
}

/**
 * A gRPC Export call on its own HTTP/2 connection: HEADERS, then a message prefix declaring `declared` bytes and
 * `sent` of them, and nothing more. Closed when the connection is gone; a call the server ends alone (e.g.
 * DEADLINE_EXCEEDED) or a GOAWAY that lets the call go on do not close it.
 */
export function halfSentGrpcMessage(port: number, waitMs: number, declared = 1000, sent = 10): Held {
  const session = connectHttp2(`http://127.0.0.1:${port}`, { maxSessionMemory: Number.MAX_SAFE_INTEGER });
  session.on('error', () => {});
  const stream = session.request({
    ':method': 'POST', ':path': '/opentelemetry.proto.collector.trace.v1.TraceService/Export', 'content-type': 'application/grpc', te: 'trailers',
  });
  stream.on('error', () => {});
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(declared, 1);
  stream.write(Buffer.concat([prefix, Buffer.alloc(sent)]));
  const started = Date.now();
  const closedAfterMs = new Promise<number | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), waitMs);
    const done = () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    };
    session.once('close', done);
  });
  return { closedAfterMs, release: () => session.destroy(undefined, constants.NGHTTP2_CANCEL) };
}
