// Our exporters re-read their TLS files with `reload_interval`: after a Secret holding the CA, client certificate
// and key is rotated (here to a new CA, as a CA migration does) and the backend restarts with certificates of the
// new CA, an exporter with reload_interval delivers over its next connections, while one without it (read once at
// start, upstream's default) keeps failing the handshake. Driven by the SDK on loopback; the backends are our
// collector with mTLS on both listeners.
import { freePorts } from '../support/free-port.ts';
import { Capture, captureExporterFactory, startInProcessCollector, type InProcessCollector } from '../support/in-process-collector.ts';
import { countById, itemsOf } from '../support/otlp-items.ts';
import { sendSpans } from '../support/sdk-clients.ts';
import { makeTestPki, type TestPki } from '../support/tls-cert.ts';
import { issue, secretDir, type SecretDir } from '../support/tls-secrets.ts';
import { waitFor } from '../support/wait.ts';

let oldCa: TestPki;
let newCa: TestPki;
const dirs: SecretDir[] = [];
const capture = new Capture();
let backend: InProcessCollector | undefined;
const senders: InProcessCollector[] = [];

afterAll(async () => {
  await Promise.all(senders.map((s) => s.stop()));
  await backend?.stop();
  for (const dir of dirs) dir.cleanup();
  oldCa?.cleanup();
  newCa?.cleanup();
});

function secret(pki: TestPki, data: Record<string, string>): SecretDir {
  const dir = secretDir(`${pki.dir}/secret-`, data);
  dirs.push(dir);
  return dir;
}

/** A backend with mTLS on both listeners, its server certificate and client CA from `pki`. */
async function startBackend(pki: TestPki, grpcPort: number, httpPort: number): Promise<InProcessCollector> {
  const server = issue(pki, 'serverAuth');
  const files = secret(pki, { 'tls.crt': server.cert, 'tls.key': server.key, 'ca.crt': pki.ca });
  const tls = { cert_file: files.path('tls.crt'), key_file: files.path('tls.key'), client_ca_file: files.path('ca.crt') };
  return startInProcessCollector({
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpcPort}`, tls }, http: { endpoint: `127.0.0.1:${httpPort}`, tls } } } },
    exporters: { capture: {} },
    service: { telemetry: { metrics: { level: 'none' } }, pipelines: { traces: { receivers: ['otlp'], exporters: ['capture'] } } },
  }, { exporters: [captureExporterFactory(capture)] });
}

/** A collector relaying spans from its plain gRPC port to the backend over both exporters, TLS files from `files`. */
async function startSender(files: SecretDir, backendGrpc: number, backendHttp: number, reload: boolean): Promise<number> {
  const [port] = (await freePorts(1)) as [number];
  const tls = {
    ca_file: files.path('ca.crt'), cert_file: files.path('tls.crt'), key_file: files.path('tls.key'),
    ...(reload && { reload_interval: '200ms' }),
  };
  const retry = { initial_interval: '100ms', max_interval: '200ms', max_elapsed_time: '2s' };
  senders.push(await startInProcessCollector({
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${port}` } } } },
    exporters: {
      otlp: { endpoint: `127.0.0.1:${backendGrpc}`, tls, timeout: '2s', retry_on_failure: retry },
      otlphttp: { endpoint: `https://127.0.0.1:${backendHttp}`, tls, timeout: '2s', retry_on_failure: retry },
    },
    service: { telemetry: { metrics: { level: 'none' } }, pipelines: { traces: { receivers: ['otlp'], exporters: ['otlp', 'otlphttp'] } } },
  }));
  return port;
}

const arrived = (id: string) => countById(itemsOf('traces', capture.requests.traces)).get(id) ?? 0;
const send = (port: number, id: string) => sendSpans({ host: '127.0.0.1', grpcPort: port, httpPort: 0 }, 'grpc', [id]);

test('a rotated client certificate and CA are used for new connections with reload_interval, not without', async () => {
  oldCa = makeTestPki();
  newCa = makeTestPki();
  const [grpcPort, httpPort] = (await freePorts(2)) as [number, number];
  backend = await startBackend(oldCa, grpcPort, httpPort);
  const client = (pki: TestPki) => {
    const issued = issue(pki, 'clientAuth');
    return { 'ca.crt': pki.ca, 'tls.crt': issued.cert, 'tls.key': issued.key };
  };
  const reloading = secret(oldCa, client(oldCa));
  const static_ = secret(oldCa, client(oldCa));
  const withReload = await startSender(reloading, grpcPort, httpPort, true);
  const without = await startSender(static_, grpcPort, httpPort, false);

  await send(withReload, 'before-reload');
  await send(without, 'before-static');
  await capture.until(() => arrived('before-reload') === 2 && arrived('before-static') === 2);

  // The CA migration: the backend comes back with the new CA's certificates, both Secrets are rotated.
  await backend.stop();
  backend = await startBackend(newCa, grpcPort, httpPort);
  reloading.update(client(newCa));
  static_.update(client(newCa));

  let round = 0;
  await waitFor('spans relayed over both exporters after the rotation', async () => {
    const id = `after-reload-${round++}`;
    await send(withReload, id);
    await new Promise((resolve) => setTimeout(resolve, 500));
    return arrived(id) === 2;
  }, 15_000, 100);

  await send(without, 'after-static');
  await new Promise((resolve) => setTimeout(resolve, 3000));
  expect(arrived('after-static')).toBe(0);
});
