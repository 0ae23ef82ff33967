// TLS with client certificates and bearertokenauth between our collector and the upstream one (the pinned build,
// v0.161.0, with the contrib bearertokenauth extension), both ways, on 127.0.0.1 with certificates made for the
// test: SDK (plaintext gRPC) -> ours A -> [our otlp and otlphttp exporters, mTLS + bearer token] -> upstream U ->
// [upstream's otlp and otlphttp exporters, mTLS + bearer token] -> ours B (receivers requiring both) -> capture.
// Every span must arrive four times at B (two routes into U, each forwarded on two routes), half over each of B's
// transports. Upstream refuses a client without the token with the same errors ours does (UNAUTHENTICATED, 401).
// basicauth is not covered: the module proxy reachable here refuses its module, so the upstream build lacks it.
import { freePorts } from '../support/free-port.ts';
import { Capture, captureExporterFactory, startInProcessCollector, type InProcessCollector } from '../support/in-process-collector.ts';
import { metricValue } from '../support/exporter-metrics.ts';
import { countById, itemsOf } from '../support/otlp-items.ts';
import { sendSpans } from '../support/sdk-clients.ts';
import { exportSpans, failureCode } from '../support/sdk-secure-export.ts';
import { makeTestPki, type TestPki } from '../support/tls-cert.ts';
import { issue, secretDir, type Issued, type SecretDir } from '../support/tls-secrets.ts';
import { startUpstreamOnFreePorts, stopUpstream, type Upstream } from '../support/upstream-collector.ts';

const SPANS = 50;
const TOKEN = 'peer-token';

let pki: TestPki;
let files: SecretDir;
let client: Issued;
let a: InProcessCollector;
let b: InProcessCollector;
let upstream: Upstream;
let ports: { aGrpc: number; uGrpc: number; uHttp: number; bGrpc: number; bHttp: number };
const capture = new Capture();

beforeAll(async () => {
  pki = makeTestPki();
  const server = issue(pki, 'serverAuth');
  client = issue(pki, 'clientAuth');
  files = secretDir(`${pki.dir}/peer-`, {
    'tls.crt': server.cert, 'tls.key': server.key, 'ca.crt': pki.ca, 'client.crt': client.cert, 'client.key': client.key, token: `${TOKEN}\n`,
  });
  const [aGrpc, bGrpc, bHttp] = (await freePorts(3)) as [number, number, number];
  const serverTls = { cert_file: files.path('tls.crt'), key_file: files.path('tls.key'), client_ca_file: files.path('ca.crt') };
  const clientTls = { ca_file: files.path('ca.crt'), cert_file: files.path('client.crt'), key_file: files.path('client.key') };
  const serverAuth = { authenticator: 'bearertokenauth/in' };
  const clientAuth = { authenticator: 'bearertokenauth/out' };
  const extensions = { 'bearertokenauth/in': { filename: files.path('token') }, 'bearertokenauth/out': { filename: files.path('token') } };
  const secureReceiver = (grpc: number, http: number) => ({
    otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpc}`, tls: serverTls, auth: serverAuth }, http: { endpoint: `127.0.0.1:${http}`, tls: serverTls, auth: serverAuth } } },
  });
  const secureExporters = (grpc: number, http: number) => ({
    otlp: { endpoint: `127.0.0.1:${grpc}`, tls: clientTls, auth: clientAuth },
    otlphttp: { endpoint: `https://127.0.0.1:${http}`, tls: clientTls, auth: clientAuth },
  });
  const traces = (receivers: string[], exporters: string[]) => ({ traces: { receivers, exporters } });

  b = await startInProcessCollector({
    extensions: { 'bearertokenauth/in': extensions['bearertokenauth/in'] },
    receivers: secureReceiver(bGrpc, bHttp),
    exporters: { capture: {} },
    service: { extensions: ['bearertokenauth/in'], telemetry: { metrics: { level: 'none' } }, pipelines: traces(['otlp'], ['capture']) },
  }, { exporters: [captureExporterFactory(capture)] });
  const started = await startUpstreamOnFreePorts(2, ([grpc, http]) => ({
    config: {
      extensions,
      receivers: secureReceiver(grpc!, http!),
      exporters: secureExporters(bGrpc, bHttp),
      service: { extensions: Object.keys(extensions), telemetry: { metrics: { level: 'none' }, logs: { level: 'warn' } }, pipelines: traces(['otlp'], ['otlp', 'otlphttp']) },
    },
    ready: [grpc!, http!],
  }));
  upstream = started.upstream;
  const [uGrpc, uHttp] = started.ports as [number, number];
  ports = { aGrpc, uGrpc, uHttp, bGrpc, bHttp };
  a = await startInProcessCollector({
    extensions: { 'bearertokenauth/out': extensions['bearertokenauth/out'] },
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${aGrpc}` } } } },
    exporters: secureExporters(uGrpc, uHttp),
    service: { extensions: ['bearertokenauth/out'], telemetry: { metrics: { level: 'none' } }, pipelines: traces(['otlp'], ['otlp', 'otlphttp']) },
  });
}, 120_000);

afterAll(async () => {
  await a?.stop();
  await stopUpstream(upstream);
  await b?.stop();
  files?.cleanup();
  pki?.cleanup();
});

test('spans go ours -> upstream -> ours over mTLS with bearer tokens on every hop and transport', async () => {
  const ids = Array.from({ length: SPANS }, (_, index) => `peer-${index}`);
  await sendSpans({ host: '127.0.0.1', grpcPort: ports.aGrpc, httpPort: 0 }, 'grpc', ids);
  await capture.until(() => capture.items.traces >= 4 * SPANS, 30_000);
  const counts = countById(itemsOf('traces', capture.requests.traces));
  expect(ids.filter((id) => counts.get(id) !== 4)).toEqual([]);
  const accepted = (transport: string) => metricValue(b.collector.telemetry, 'otelcol_receiver_accepted_spans', { receiver: 'otlp', transport });
  expect(await accepted('grpc')).toBe(2 * SPANS);
  expect(await accepted('http')).toBe(2 * SPANS);
}, 60_000);

test.each(['grpc', 'http'] as const)('upstream refuses a %s client without the token as ours does', async (transport) => {
  const port = transport === 'grpc' ? ports.uGrpc : ports.uHttp;
  const refused = await exportSpans(transport, port, { ca: pki.ca, clientCert: client }, ['no-token']);
  expect(failureCode(refused)).toBe(transport === 'grpc' ? 16 : 401);
  expect(await exportSpans(transport, port, { ca: pki.ca, clientCert: client, token: TOKEN }, ['with-token'])).toEqual({ code: 0 });
});
