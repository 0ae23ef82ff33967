// TLS (with client certificates) and bearer-token auth on the collector's OTLP receivers, driven by the official
// JS SDK exporters on 127.0.0.1 with certificates made for the test, files laid out and rotated as the kubelet
// projects a Secret: a client without the token or certificate is refused with its protocol's error, with both
// it is served; a rotated token and a rotated certificate take effect without a restart, and a call in flight on
// a connection opened before the rotation completes.
import { readFile } from 'node:fs/promises';
import { connect as connectHttp2, constants } from 'node:http2';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { jsonToProtobuf } from '../../src/collector/otlp/index.ts';
import { freePorts } from '../support/free-port.ts';
import { Capture, captureExporterFactory, startInProcessCollector } from '../support/in-process-collector.ts';
import { startSecuredCollector, type SecuredCollector } from '../support/secured-collector.ts';
import { sendSpans } from '../support/sdk-clients.ts';
import { exportSpans, failureCode, type SecureClient } from '../support/sdk-secure-export.ts';
import { makeTestPki, type TestPki } from '../support/tls-cert.ts';
import { issue, secretDir, type Issued, type SecretDir } from '../support/tls-secrets.ts';
import { waitFor } from '../support/wait.ts';

const UNAUTHENTICATED = 16;
let pki: TestPki;
let certs: SecretDir;
let tokens: SecretDir;
let server: Issued;
let client: Issued;
let secured: SecuredCollector;
let grpcPort: number;
let httpPort: number;
let capture: Capture;

beforeAll(async () => {
  pki = makeTestPki();
  server = issue(pki, 'serverAuth');
  client = issue(pki, 'clientAuth');
  certs = secretDir(`${pki.dir}/certs-`, { 'tls.crt': server.cert, 'tls.key': server.key, 'ca.crt': pki.ca });
  tokens = secretDir(`${pki.dir}/token-`, { token: 'first-token\n' });
  secured = await startSecuredCollector({
    authenticator: 'bearertokenauth/in',
    extension: { filename: tokens.path('token') },
    tls: { cert_file: certs.path('tls.crt'), key_file: certs.path('tls.key'), client_ca_file: certs.path('ca.crt'), reload_interval: '200ms' },
  });
  ({ grpcPort, httpPort, capture } = secured);
});

afterAll(async () => {
  await secured?.collector.stop();
  certs?.cleanup();
  tokens?.cleanup();
  pki?.cleanup();
});

const arrived = (id: string) => secured.arrived(id);

const PORT = { grpc: () => grpcPort, http: () => httpPort };

describe.each(['grpc', 'http'] as const)('%s receiver', (transport) => {
  const full = (token = 'first-token'): SecureClient => ({ ca: pki.ca, clientCert: client, token });

  test('a client without the token is refused with the protocol\'s authentication error', async () => {
    const result = await exportSpans(transport, PORT[transport](), { ca: pki.ca, clientCert: client }, [`${transport}-no-token`]);
    expect(result.code).toBe(1);
    expect(failureCode(result)).toBe(transport === 'grpc' ? UNAUTHENTICATED : 401);
    const wrong = await exportSpans(transport, PORT[transport](), full('wrong'), [`${transport}-wrong-token`]);
    expect(failureCode(wrong)).toBe(transport === 'grpc' ? UNAUTHENTICATED : 401);
  });

  test('a client without a certificate fails the TLS handshake', async () => {
    const result = await exportSpans(transport, PORT[transport](), { ca: pki.ca, token: 'first-token' }, [`${transport}-no-cert`]);
    expect(result.code).toBe(1);
    expect(failureCode(result)).not.toBe(transport === 'grpc' ? 0 : 200);
  });

  test('a client with certificate and token is served', async () => {
    const result = await exportSpans(transport, PORT[transport](), full(), [`${transport}-served`]);
    expect(result).toEqual({ code: 0 });
    await capture.until(() => arrived(`${transport}-served`) === 1);
    expect(arrived(`${transport}-no-token`) + arrived(`${transport}-wrong-token`) + arrived(`${transport}-no-cert`)).toBe(0);
  });
});

test('a rotated token file takes effect without a restart', async () => {
  tokens.update({ token: 'second-token\n' });
  await waitFor('the old token refused', async () => failureCode(await exportSpans('grpc', grpcPort, { ca: pki.ca, clientCert: client, token: 'first-token' }, ['old-token'])) === UNAUTHENTICATED, 10_000, 200);
  expect(await exportSpans('http', httpPort, { ca: pki.ca, clientCert: client, token: 'second-token' }, ['new-token'])).toEqual({ code: 0 });
  tokens.update({ token: 'first-token\n' });
  await waitFor('the first token back', async () => (await exportSpans('grpc', grpcPort, { ca: pki.ca, clientCert: client, token: 'first-token' }, ['token-back'])).code === 0, 10_000, 200);
});

test('our exporters send the token file\'s current token: a rotation on both ends keeps data flowing', async () => {
  const certFiles = secretDir(`${pki.dir}/client-`, { 'tls.crt': client.cert, 'tls.key': client.key });
  const [port] = (await freePorts(1)) as [number];
  const clientTls = { ca_file: certs.path('ca.crt'), cert_file: certFiles.path('tls.crt'), key_file: certFiles.path('tls.key') };
  const auth = { authenticator: 'bearertokenauth/out' };
  const sender = await startInProcessCollector({
    extensions: { 'bearertokenauth/out': { filename: tokens.path('token') } },
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${port}` } } } },
    exporters: {
      otlp: { endpoint: `127.0.0.1:${grpcPort}`, tls: clientTls, auth, retry_on_failure: { initial_interval: '100ms', max_interval: '200ms' } },
      otlphttp: { endpoint: `https://127.0.0.1:${httpPort}`, tls: clientTls, auth, retry_on_failure: { initial_interval: '100ms', max_interval: '200ms' } },
    },
    service: { extensions: ['bearertokenauth/out'], telemetry: { metrics: { level: 'none' } }, pipelines: { traces: { receivers: ['otlp'], exporters: ['otlp', 'otlphttp'] } } },
  });
  try {
    const send = (id: string) => sendSpans({ host: '127.0.0.1', grpcPort: port, httpPort: 0 }, 'grpc', [id]);
    await send('relayed-before');
    await capture.until(() => arrived('relayed-before') === 2);
    tokens.update({ token: 'third-token\n' });
    await waitFor('the rotated token in force', async () => failureCode(await exportSpans('grpc', grpcPort, { ca: pki.ca, clientCert: client, token: 'first-token' }, ['probe'])) === UNAUTHENTICATED, 10_000, 200);
    // Each end re-reads the file within a second of the other; an export between the two is refused for good
    // (UNAUTHENTICATED is permanent, as upstream), so the check is that new data flows again within seconds.
    let round = 0;
    await waitFor('spans relayed with the new token on both exporters', async () => {
      const id = `relayed-after-${round++}`;
      await send(id);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return arrived(id) === 2;
    }, 10_000, 100);
  } finally {
    tokens.update({ token: 'first-token\n' });
    await sender.stop();
    certFiles.cleanup();
    await waitFor('the first token back', async () => (await exportSpans('grpc', grpcPort, { ca: pki.ca, clientCert: client, token: 'first-token' }, ['token-back-2'])).code === 0, 10_000, 200);
  }
});

function peerFingerprint(port: number, alpn: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port, ca: pki.ca, cert: client.cert, key: client.key, ALPNProtocols: [alpn] }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

/** A span export request with one span whose test.id is `id`, framed for gRPC (uncompressed). */
function grpcFrame(id: string): Buffer {
  const body = Buffer.from(jsonToProtobuf('traces', JSON.stringify({
    resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '0102030405060708', name: 'in flight', attributes: [{ key: 'test.id', value: { stringValue: id } }] }] }] }],
  })));
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  return frame;
}

test('a rotated certificate is served to new connections while a call in flight on an old one completes', async () => {
  const before = await peerFingerprint(grpcPort, 'h2');
  const session = connectHttp2(`https://127.0.0.1:${grpcPort}`, { ca: pki.ca, cert: client.cert, key: client.key });
  try {
    await new Promise((resolve) => session.once('connect', resolve));
    const stream = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
      'content-type': 'application/grpc',
      te: 'trailers',
      authorization: 'Bearer first-token',
    });
    const trailers = new Promise<string | undefined>((resolve, reject) => {
      stream.on('trailers', (headers) => resolve(headers['grpc-status'] as string | undefined));
      stream.on('response', (headers) => { if (headers['grpc-status'] !== undefined) resolve(headers['grpc-status'] as string); });
      stream.on('error', reject);
      stream.resume();
    });
    const frame = grpcFrame('in-flight');
    stream.write(frame.subarray(0, 10));

    const rotated = issue(pki, 'serverAuth');
    certs.update({ 'tls.crt': rotated.cert, 'tls.key': rotated.key, 'ca.crt': pki.ca });
    let after = before;
    await waitFor('the rotated certificate served', async () => (after = await peerFingerprint(grpcPort, 'h2')) !== before, 10_000, 100);
    expect(after).not.toBe(before);
    expect(await peerFingerprint(httpPort, 'http/1.1')).toBe(after);

    stream.end(frame.subarray(10));
    expect(await trailers).toBe('0');
    expect((session.socket as TLSSocket).getPeerCertificate().fingerprint256).toBe(before);
    await capture.until(() => arrived('in-flight') === 1);
    expect(await exportSpans('grpc', grpcPort, { ca: pki.ca, clientCert: client, token: 'first-token' }, ['after-rotation'])).toEqual({ code: 0 });
  } finally {
    session.close();
  }
});

test.each([
  ['a missing certificate file', { grpc: { endpoint: '127.0.0.1:0', tls: { cert_file: '/nonexistent/tls.crt', key_file: '/nonexistent/tls.key' } } }, {},
    /^receivers\.otlp\.protocols\.grpc\.tls\.cert_file: cannot read \/nonexistent\/tls\.crt: ENOENT/],
  ['a file that is no certificate', { http: { endpoint: '127.0.0.1:0', tls: { cert_pem: 'nonsense', key_pem: 'nonsense' } } }, {},
    /^receivers\.otlp\.protocols\.http\.tls: invalid certificate, key or CA: /],
  ['an authenticator not listed', { http: { endpoint: '127.0.0.1:0', auth: { authenticator: 'bearertokenauth' } } }, {},
    /^receivers\.otlp\.protocols\.http\.auth\.authenticator: extension "bearertokenauth" is not configured and listed in service\.extensions$/],
  ['a missing token file', { grpc: { endpoint: '127.0.0.1:0', auth: { authenticator: 'bearertokenauth' } } }, { bearertokenauth: { filename: '/nonexistent/token' } },
    /^extensions\.bearertokenauth\.filename: cannot read \/nonexistent\/token: ENOENT/],
])('start fails naming the setting: %s', async (_name, protocols, extensions, message) => {
  const start = startInProcessCollector({
    extensions,
    receivers: { otlp: { protocols } },
    exporters: { debug: {} },
    service: { extensions: Object.keys(extensions), telemetry: { metrics: { level: 'none' } }, pipelines: { traces: { receivers: ['otlp'], exporters: ['debug'] } } },
  });
  await expect(start).rejects.toThrow(message);
});

test('a rotated client CA applies to new connections: clients of the old CA are refused, of the new one served', async () => {
  const nextCa = makeTestPki();
  const served = (clientCert: Issued) => exportSpans('grpc', grpcPort, { ca: pki.ca, clientCert, token: 'first-token' }, ['client-ca']).then((r) => r.code === 0);
  try {
    const nextClient = issue(nextCa, 'clientAuth');
    const serverFiles = await Promise.all(['tls.crt', 'tls.key'].map((key) => readFile(certs.path(key), 'utf8')));
    certs.update({ 'tls.crt': serverFiles[0]!, 'tls.key': serverFiles[1]!, 'ca.crt': nextCa.ca });
    await waitFor('the new client CA in force', async () => await served(nextClient), 10_000, 200);
    expect(await served(client)).toBe(false);
  } finally {
    const serverFiles = await Promise.all(['tls.crt', 'tls.key'].map((key) => readFile(certs.path(key), 'utf8')));
    certs.update({ 'tls.crt': serverFiles[0]!, 'tls.key': serverFiles[1]!, 'ca.crt': pki.ca });
    await waitFor('the first client CA back', async () => await served(client), 10_000, 200);
    nextCa.cleanup();
  }
});
