// TLS, client certificates and bearer tokens on a collector fleet on the real node (issue 15): the pipeline names
// three Secrets (a kubernetes.io/tls server certificate for the Service's DNS names and ClusterIP, a client CA and
// a token), the kubelet mounts them, and the official OpenTelemetry JS exporters on the host (gRPC and HTTP)
// dial the ClusterIP: without the token they get UNAUTHENTICATED / 401, without a client certificate the
// handshake fails, with both every span reaches the sink on the node IP once. Then the server certificate Secret
// is updated in place: the kubelet rewrites the mounted files (within its pod sync, syncFrequency 10 s on this
// node plus up to half of that as jitter) and the collectors' reload_interval (30 s) swaps the certificate for
// new connections, so each pod serves the new one within about 45 s, with no restart, while exporters connected
// before the update keep being served.
import { X509Certificate } from 'node:crypto';
import { connect as connectTls } from 'node:tls';
import type { Signal } from '../../src/collector/component.ts';
import { decodeRequest } from '../../src/collector/otlp/index.ts';
import { collectionPath, resources, type ResourceType } from '../../src/operator/kube/resources.ts';
import { fleetName } from '../../src/operator/render/labels.ts';
import { secretFile } from '../../src/operator/render/secrets.ts';
import { createPipeline, getObject, mergePatch, pipeline, waitFor } from '../integration/operator-helpers.ts';
import { listFleetPods, type PodView } from '../support/fleet-pods.ts';
import { kubectl } from '../support/helm-kubectl.ts';
import { countById, itemsOf } from '../support/otlp-items.ts';
import { describeOnRealNode, fleetClusterIpTarget, tracesToSink, useRealFleetEnv } from '../support/real-node.ts';
import { exportSpans, exportWith, failureCode, secureExporter, type SecureClient } from '../support/sdk-secure-export.ts';
import { makeTestPki, type TestPki } from '../support/tls-cert.ts';
import { issue, type Issued } from '../support/tls-secrets.ts';

const describeReal = await describeOnRealNode();

const NAME = 'secure';
const REPLICAS = 2;
const UNAUTHENTICATED = 16;
const SECRET: ResourceType = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };
const SECRETS = { tls: 'collector-tls', clientCa: 'clients-ca', token: 'otlp-token' } as const;
const TOKEN = 'e2e-token';
const TRANSPORTS = ['grpc', 'http'] as const;
const PORT = { grpc: 4317, http: 4318 } as const;
const ALPN = { grpc: 'h2', http: 'http/1.1' } as const;
/** Kubelet pod sync (10 s + up to 5 s jitter) + the collectors' reload_interval (30 s) + margin. */
const ROTATION_BOUND_MS = 90_000;

type Probe = { fingerprint?: string; error?: string };

/**
 * One TLS connection to host:port presenting `cert` (if any): the certificate the server presented and, when it
 * refused the connection after the handshake (TLS 1.3 sends a missing client certificate's alert then), the error
 * (or that it closed the connection unanswered).
 * `servername` is checked against the certificate; pod IPs (not in it) skip the name check, never the CA's.
 */
function probe(host: string, transport: 'grpc' | 'http', ca: string, opts: { cert?: Issued; servername?: string; anyName?: boolean } = {}): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = connectTls({
      host, port: PORT[transport], ca, ALPNProtocols: [ALPN[transport]],
      ...(opts.cert && { cert: opts.cert.cert, key: opts.cert.key }),
      ...(opts.servername !== undefined && { servername: opts.servername }),
      ...(opts.anyName && { checkServerIdentity: () => undefined }),
    });
    let fingerprint: string | undefined;
    const done = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ fingerprint, ...(error && { error: (error as NodeJS.ErrnoException).code ?? error.message }) });
    };
    const timer = setTimeout(() => done(new Error('no answer within 5 s')), 5000);
    socket.once('secureConnect', () => {
      fingerprint = socket.getPeerCertificate().fingerprint256;
      // A served connection answers: gRPC's HTTP/2 SETTINGS at once, HTTP/1.1 a request.
      if (transport === 'http') socket.write('GET / HTTP/1.1\r\nHost: collector\r\nConnection: close\r\n\r\n');
    });
    socket.once('data', () => done());
    socket.once('error', (error) => done(error));
    // A certificate of another CA: node:tls servers close such a connection without an alert.
    socket.once('close', () => done(new Error('closed by the server')));
  });
}

const fingerprintOf = (pem: string) => new X509Certificate(pem).fingerprint256;

describeReal('TLS, mTLS and bearer tokens on a collector fleet on the real node', () => {
  const env = useRealFleetEnv('e2e-tls');
  let pki: TestPki;
  let clientCert: Issued;
  let serverSans: string[];
  let serverCert: Issued;
  let clusterIp: string;
  let serviceDns: string;
  const started = Date.now();
  const full = (): SecureClient => ({ ca: pki.ca, clientCert, token: TOKEN });

  const tlsSecretData = (cert: Issued) => ({ 'tls.crt': Buffer.from(cert.cert).toString('base64'), 'tls.key': Buffer.from(cert.key).toString('base64') });
  const createSecret = (name: string, type: string, data: Record<string, string>) =>
    env.client.request('POST', collectionPath(SECRET, env.ns), { body: { apiVersion: 'v1', kind: 'Secret', metadata: { name }, type, data } });
  const b64 = (text: string) => Buffer.from(text).toString('base64');

  /** How many times each test.id reached the sink. */
  function arrived(): Map<string, number> {
    const traces: Signal = 'traces';
    const requests = env.sink.requests.filter((r) => r.signal === traces).map((r) => decodeRequest(traces, r.body));
    return countById(itemsOf(traces, requests));
  }

  /** The sink's counts once every one of `ids` arrived (bounded: 30 s). */
  function allArrived(what: string, ids: readonly string[]): Promise<Map<string, number>> {
    return waitFor(what, async () => {
      const counts = arrived();
      return ids.every((id) => counts.has(id)) && counts;
    }, 30_000, 250);
  }

  async function readyPods(): Promise<PodView[]> {
    return (await listFleetPods(env.client, env.ns, NAME)).filter((p) => p.ready && !p.terminating);
  }

  beforeAll(() => {
    pki = makeTestPki();
    clientCert = issue(pki, 'clientAuth');
    env.cleanup.push(() => pki.cleanup());
  });

  test('a pipeline naming the three Secrets becomes TLS listeners behind the ClusterIP, the certificate naming the Service', async () => {
    await createSecret(SECRETS.clientCa, 'Opaque', { 'ca.crt': b64(pki.ca) });
    await createSecret(SECRETS.token, 'Opaque', { token: b64(`${TOKEN}\n`) });
    await createPipeline(env.client, pipeline(env.ns, NAME, tracesToSink(env.sink, {
      receivers: { otlp: {
        tls: { certificateSecret: { name: SECRETS.tls }, clientCASecret: { name: SECRETS.clientCa } },
        auth: { bearerTokenSecret: { name: SECRETS.token } },
      } },
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
      replicas: REPLICAS,
    })));
    // The server certificate names what clients dial, known once the operator made the Service: its ClusterIP
    // (this test, the host has no cluster DNS) and DNS names (pods). The pods wait for the Secret to mount it.
    const service = await waitFor('the fleet Service', () => getObject<{ spec: { clusterIP: string } }>(env.client, resources.service, env.ns, fleetName(NAME)), 30_000, 250);
    clusterIp = service.spec.clusterIP;
    serviceDns = `${fleetName(NAME)}.${env.ns}.svc`;
    serverSans = [`DNS:${serviceDns}`, `DNS:${serviceDns}.cluster.local`, `IP:${clusterIp}`];
    serverCert = issue(pki, 'serverAuth', serverSans);
    await createSecret(SECRETS.tls, 'kubernetes.io/tls', tlsSecretData(serverCert));

    await waitFor(`${REPLICAS} collectors Ready`, async () => (await readyPods()).length === REPLICAS, 120_000, 500);
    await fleetClusterIpTarget(env.client, env.ns, NAME);
    for (const transport of TRANSPORTS) {
      expect(await probe(clusterIp, transport, pki.ca, { cert: clientCert })).toEqual({ fingerprint: fingerprintOf(serverCert.cert) });
      expect(await probe(clusterIp, transport, pki.ca, { cert: clientCert, servername: serviceDns })).toEqual({ fingerprint: fingerprintOf(serverCert.cert) });
    }
    console.log(`fleet Ready with TLS after ${((Date.now() - started) / 1000).toFixed(1)} s (suite start, operator install included)`);
  }, 180_000);

  test.each(TRANSPORTS)('%s: a client without the token is refused with the protocol\'s authentication error', async (transport) => {
    const server = { host: clusterIp, port: PORT[transport] };
    const none = await exportSpans(transport, server, { ca: pki.ca, clientCert }, [`${transport}-no-token`]);
    expect(none.code).toBe(1);
    expect(failureCode(none)).toBe(transport === 'grpc' ? UNAUTHENTICATED : 401);
    const wrong = await exportSpans(transport, server, { ...full(), token: 'not-the-token' }, [`${transport}-wrong-token`]);
    expect(failureCode(wrong)).toBe(transport === 'grpc' ? UNAUTHENTICATED : 401);
  }, 30_000);

  test.each(TRANSPORTS)('%s: a client without a certificate fails the handshake', async (transport) => {
    const result = await exportSpans(transport, { host: clusterIp, port: PORT[transport] }, { ca: pki.ca, token: TOKEN }, [`${transport}-no-cert`]);
    expect(result.code).toBe(1);
    expect(failureCode(result)).not.toBe(transport === 'grpc' ? 0 : 200);
    expect(await probe(clusterIp, transport, pki.ca)).toMatchObject({ error: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED' });
    const otherCa = makeTestPki();
    try {
      expect((await probe(clusterIp, transport, pki.ca, { cert: issue(otherCa, 'clientAuth') })).error).toMatch(/ALERT|closed by the server|ECONNRESET/);
    } finally {
      otherCa.cleanup();
    }
  }, 30_000);

  test('with certificate and token, every span sent through the ClusterIP arrives once; nothing refused does', async () => {
    const sent: string[] = [];
    const t0 = Date.now();
    for (const transport of TRANSPORTS) {
      const exporter = secureExporter(transport, { host: clusterIp, port: PORT[transport] }, full());
      for (let batch = 0; batch < 10; batch++) {
        const ids = Array.from({ length: 50 }, (_, i) => `${transport}-served-${batch}-${i}`);
        expect(await exportWith(exporter, ids)).toEqual({ code: 0 });
        sent.push(...ids);
      }
      await exporter.shutdown();
    }
    const exportedMs = Date.now() - t0;
    const counts = await allArrived('every span at the sink', sent);
    const arrivedMs = Date.now() - t0;
    expect(sent.filter((id) => counts.get(id) !== 1)).toEqual([]);
    expect([...counts.keys()].filter((id) => /no-token|wrong-token|no-cert/.test(id))).toEqual([]);
    console.log(`served: ${sent.length} spans in 20 exports over gRPC and HTTP in ${exportedMs} ms, all arrived once after ${arrivedMs} ms`);
  }, 60_000);

  test('an updated certificate Secret is served to new connections by every pod without a restart; open exporters keep being served', async () => {
    const before = await readyPods();
    expect(before.map((p) => p.restarts)).toEqual(before.map(() => 0));
    for (const pod of before) {
      for (const transport of TRANSPORTS) expect((await probe(pod.ip!, transport, pki.ca, { cert: clientCert, anyName: true })).fingerprint).toBe(fingerprintOf(serverCert.cert));
    }

    // Exporters connected before the update export a span every 500 ms until every pod serves the new certificate.
    const steady = TRANSPORTS.map((transport) => ({ transport, exporter: secureExporter(transport, { host: clusterIp, port: PORT[transport] }, full()), sent: [] as string[], failed: 0 }));
    let stop = false;
    const loops = steady.map(async (s) => {
      for (let n = 0; !stop; n++) {
        const id = `${s.transport}-steady-${n}`;
        if ((await exportWith(s.exporter, [id])).code === 0) s.sent.push(id);
        else s.failed++;
        await new Promise((r) => setTimeout(r, 500));
      }
    });
    await new Promise((r) => setTimeout(r, 2000));

    const rotated = issue(pki, 'serverAuth', serverSans);
    const next = fingerprintOf(rotated.cert);
    const updatedAt = Date.now();
    await mergePatch(env.client, SECRET, env.ns, SECRETS.tls, { data: tlsSecretData(rotated) });
    const seconds = () => Math.round((Date.now() - updatedAt) / 100) / 10;

    const fileAt: Record<string, number> = {};
    const servedAt: Record<string, number> = {};
    try {
      await Promise.all(before.map(async (pod) => {
        await waitFor(`${pod.name}: the kubelet writing the new certificate file`, async () => {
          const cat = await kubectl(env.node.kubeconfig, ['exec', '-n', env.ns, pod.name, '--', 'cat', secretFile(SECRETS.tls, 'tls.crt')]);
          return cat.code === 0 && cat.stdout.trim() === rotated.cert.trim();
        }, ROTATION_BOUND_MS, 1000);
        fileAt[pod.name] = seconds();
        await waitFor(`${pod.name}: the new certificate served on both listeners`, async () => {
          for (const transport of TRANSPORTS) if ((await probe(pod.ip!, transport, pki.ca, { cert: clientCert, anyName: true })).fingerprint !== next) return false;
          return true;
        }, ROTATION_BOUND_MS, 500);
        servedAt[pod.name] = seconds();
      }));
    } finally {
      await new Promise((r) => setTimeout(r, 1000));
      stop = true;
      await Promise.all(loops);
      await Promise.all(steady.map((s) => s.exporter.shutdown()));
    }

    for (const transport of TRANSPORTS) expect(await probe(clusterIp, transport, pki.ca, { cert: clientCert, servername: serviceDns })).toEqual({ fingerprint: next });
    for (const transport of TRANSPORTS) expect(await exportSpans(transport, { host: clusterIp, port: PORT[transport] }, full(), [`${transport}-after-rotation`])).toEqual({ code: 0 });
    const after = await listFleetPods(env.client, env.ns, NAME);
    expect(after.map((p) => [p.name, p.containerId, p.restarts]).sort()).toEqual(before.map((p) => [p.name, p.containerId, 0]).sort());

    const sent = [...steady.flatMap((s) => s.sent), 'grpc-after-rotation', 'http-after-rotation'];
    const counts = await allArrived('every span sent during the rotation at the sink', sent);
    console.log(JSON.stringify({
      fileUpdatedAfterS: fileAt, newCertificateServedAfterS: servedAt,
      steady: steady.map((s) => ({ transport: s.transport, served: s.sent.length, failed: s.failed })),
      restarts: after.map((p) => p.restarts),
    }));
    expect(steady.map((s) => s.failed)).toEqual([0, 0]);
    expect(steady.every((s) => s.sent.length >= 10)).toBe(true);
    expect(sent.filter((id) => counts.get(id) !== 1)).toEqual([]);
  }, 150_000);
});
