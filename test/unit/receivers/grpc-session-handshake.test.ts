// A connection that never sends its HTTP/2 preface is dropped after the handshake limit; one that did is not.
// A real node:http2 server on loopback with the receiver's session management.
import { connect, createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { manageSession } from '../../../src/collector/receivers/otlp/grpc-session.ts';
import { idleConnection } from '../../support/slow-clients.ts';

let server: Http2Server;
let port: number;

beforeAll(async () => {
  server = createServer();
  server.on('session', (session) => manageSession(session, { handshakeMs: 300, keepaliveTimeoutMs: 20_000 }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('silent for longer than the handshake limit: closed; a client that sent its preface stays', async () => {
  const client = connect(`http://127.0.0.1:${port}`);
  await new Promise((resolve) => client.once('remoteSettings', resolve));
  const closed = await idleConnection(port, 5000).closedAfterMs;
  expect(closed).toBeGreaterThanOrEqual(250);
  expect(closed).toBeLessThan(2000);
  expect(client.closed || client.destroyed).toBe(false);
  client.close();
});
