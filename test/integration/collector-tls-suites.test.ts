// cipher_suites and curve_preferences on a receiver and an exporter of our collector, checked on the wire: what a
// TLS 1.2 handshake negotiates with the receiver, and what our exporter offers (a backend that accepts only the
// configured suite serves it, and refuses an exporter configured with another).
import { connect, createServer, type TLSSocket } from 'node:tls';
import { freePorts } from '../support/free-port.ts';
import { Capture, captureExporterFactory, startInProcessCollector, type InProcessCollector } from '../support/in-process-collector.ts';
import { countById, itemsOf } from '../support/otlp-items.ts';
import { sendSpans } from '../support/sdk-clients.ts';
import { makeTestPki, type TestPki } from '../support/tls-cert.ts';

let pki: TestPki;
const collectors: InProcessCollector[] = [];
const capture = new Capture();

beforeAll(() => {
  pki = makeTestPki();
});

afterAll(async () => {
  await Promise.all(collectors.map((c) => c.stop()));
  pki?.cleanup();
});

async function start(config: Record<string, unknown>): Promise<InProcessCollector> {
  const collector = await startInProcessCollector(config as never, { exporters: [captureExporterFactory(capture)] });
  collectors.push(collector);
  return collector;
}

function handshake(port: number, options: { ciphers?: string; ecdhCurve?: string; maxVersion?: 'TLSv1.2' | 'TLSv1.3' }): Promise<{ cipher: string; curve?: string } | { failed: string }> {
  return new Promise((resolve) => {
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, ca: pki.ca, ALPNProtocols: ['h2'], ...options }, () => {
      const key = socket.getEphemeralKeyInfo() as { name?: string } | null;
      resolve({ cipher: socket.getCipher().standardName, curve: key?.name });
      socket.destroy();
    });
    socket.on('error', (error) => resolve({ failed: error.message }));
  });
}

test('a receiver serves only the configured TLS 1.2 suite and curve; TLS 1.3 stays available', async () => {
  const [port] = (await freePorts(1)) as [number];
  const tls = {
    cert_pem: pki.cert, key_pem: pki.key,
    cipher_suites: ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'], curve_preferences: ['P384'],
  };
  await start({
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${port}`, tls } } } },
    exporters: { capture: {} },
    service: { telemetry: { metrics: { level: 'none' } }, pipelines: { traces: { receivers: ['otlp'], exporters: ['capture'] } } },
  });
  expect(await handshake(port, { maxVersion: 'TLSv1.2' })).toEqual({ cipher: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', curve: 'secp384r1' });
  expect(await handshake(port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).toEqual({ failed: expect.stringMatching(/handshake failure/) });
  expect(await handshake(port, { ecdhCurve: 'X25519:secp384r1' })).toMatchObject({ curve: 'secp384r1' });
  expect(await handshake(port, {})).toMatchObject({ cipher: expect.stringMatching(/^TLS_(AES|CHACHA20)/) });
});

test('an exporter offers only its configured suite: a backend limited to it is served, another suite is refused', async () => {
  const [backendPort] = (await freePorts(1)) as [number];
  const accepted: string[] = [];
  // A bare TLS endpoint limited to one TLS 1.2 suite: it records what our exporter negotiated, then drops the
  // connection (the exporter's retry is bounded below).
  const backend = createServer({ cert: pki.cert, key: pki.key, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256', ALPNProtocols: ['h2'] }, (socket) => {
    accepted.push(socket.getCipher().standardName);
    socket.destroy();
  });
  await new Promise<void>((resolve) => backend.listen(backendPort, '127.0.0.1', resolve));
  try {
    const exporterFor = async (suite: string) => {
      const [port] = (await freePorts(1)) as [number];
      await start({
        receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${port}` } } } },
        exporters: { otlp: { endpoint: `127.0.0.1:${backendPort}`, tls: { ca_pem: pki.ca, cipher_suites: [suite], max_version: '1.2' }, timeout: '1s', retry_on_failure: { enabled: false } } },
        service: { telemetry: { metrics: { level: 'none' } }, pipelines: { traces: { receivers: ['otlp'], exporters: ['otlp'] } } },
      });
      await sendSpans({ host: '127.0.0.1', grpcPort: port, httpPort: 0 }, 'grpc', [suite]);
      await new Promise((resolve) => setTimeout(resolve, 1500));
    };
    await exporterFor('TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384');
    expect(accepted).toEqual([]);
    await exporterFor('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
    expect(accepted[0]).toBe('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256');
  } finally {
    backend.close();
  }
  expect(countById(itemsOf('traces', capture.requests.traces)).size).toBe(0);
});

test('an unknown suite or curve is refused at validate, naming the field', async () => {
  const bad = start({
    receivers: { otlp: { protocols: { http: { endpoint: '127.0.0.1:0', tls: { cert_pem: pki.cert, key_pem: pki.key, cipher_suites: ['NOPE'], curve_preferences: ['P999'] } } } } },
    exporters: { capture: {} },
    service: { telemetry: { metrics: { level: 'none' } }, pipelines: { traces: { receivers: ['otlp'], exporters: ['capture'] } } },
  });
  await expect(bad).rejects.toThrow(/receivers\.otlp\.protocols\.http\.tls\.cipher_suites: invalid TLS cipher suite: "NOPE"[\s\S]*tls\.curve_preferences: invalid curve type: P999/);
});
