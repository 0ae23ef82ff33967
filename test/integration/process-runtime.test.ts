// The process runtime on the local control plane, without the operator: rendered fleets are created
// directly (ServiceAccount, ConfigMap, Deployment), KWOK runs their pods, the runtime runs a collector per
// Running pod on its loopback IP, restarts it when the ConfigMap changes, refuses a config that exports
// off loopback, respects its process limit, and drains a collector when its pod is deleted.
import { CLUSTER_TIMEOUT_MS } from '../cluster/harness.ts';
import { parsePipeline } from '../../src/api/telemetry-pipeline.ts';
import { collectionPath, objectPath, resources } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { renderFleet } from '../../src/operator/render/index.ts';
import { OtlpSink } from '../support/otlp-sink.ts';
import { ProcessRuntime } from '../support/process-runtime.ts';
import { sendSpans } from '../support/sdk-clients.ts';
import { createNamespace, deleteNamespace, mergePatch, testCluster, waitFor, type TestCluster } from './operator-helpers.ts';

let cluster: TestCluster;
let ns: string;
let runtime: ProcessRuntime;

beforeAll(async () => {
  cluster = await testCluster();
  ns = await createNamespace(cluster.client, 'runtime');
  runtime = new ProcessRuntime({ kubeconfig: cluster.kubeconfig, namespace: ns, maxProcesses: 2 });
  await runtime.start();
}, CLUSTER_TIMEOUT_MS);

afterAll(async () => {
  await runtime?.stop();
  if (ns) await deleteNamespace(cluster.client, ns);
  cluster?.client.close();
});

async function createFleet(name: string, endpoint: string, replicas: number, otlp: Record<string, unknown> = {}): Promise<void> {
  const parsed = parsePipeline({
    apiVersion: 'fleet.telemetry.dev/v1alpha1',
    kind: 'TelemetryPipeline',
    metadata: { name, namespace: ns },
    spec: { signals: ['traces'], exporters: [{ name: 'sink', otlp: { endpoint, insecure: true, ...otlp } }] },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const fleet = renderFleet(parsed.pipeline, { image: 'tpo:test', replicas });
  for (const [rt, obj] of [[resources.serviceAccount, fleet.serviceAccount], [resources.configMap, fleet.configMap], [resources.deployment, fleet.deployment]] as const) {
    await cluster.client.request('POST', collectionPath(rt, ns), { body: obj });
  }
}

const of = (pipeline: string) => runtime.processes().filter((p) => p.pipeline === pipeline);

test('runs, restarts on a config change, refuses off-loopback exporters, stays within its limit and drains on delete', async () => {
  const { client } = cluster;
  await createFleet('good', '127.0.0.1:4317', 1);
  const [first] = await waitFor('a serving collector', async () => {
    const list = of('good');
    return list.length === 1 && list[0]!.state === 'serving' ? list : undefined;
  }, 60_000);
  expect(first!.ip).toMatch(/^127\.1\./);
  // It listens on the pod's IP, as rendered.
  expect((await fetch(`http://${first!.ip}:13133/`)).status).toBe(200);

  const cm = await client.request<KubeObject & { data: Record<string, string> }>('GET', objectPath(resources.configMap, ns, 'good-collector'));
  await mergePatch(client, resources.configMap, ns, 'good-collector', { data: { 'config.yaml': `# edited\n${cm.data['config.yaml']}` } });
  await waitFor('a restarted collector', async () => {
    const [p] = of('good');
    return p?.state === 'serving' && p.pid !== first!.pid;
  }, 60_000);
  expect(runtime.exits().filter((e) => e.pod === first!.pod)).toMatchObject([{ code: 0, stopped: true }]);

  await createFleet('elsewhere', 'backend.observability.svc:4317', 1);
  const [refused] = await waitFor('a refused pod', async () => (of('elsewhere')[0]?.state === 'refused' ? of('elsewhere') : undefined), 60_000);
  expect(refused!.error).toBe('loopback-only rule: exporters.otlp/sink.endpoint: backend.observability.svc:4317');
  expect(refused!.pid).toBeUndefined();

  // Limit 2: the good fleet scaled to 3 runs two collectors; the third pod waits.
  await mergePatch(client, resources.deployment, ns, 'good-collector', { spec: { replicas: 3 } });
  await waitFor('two serving collectors', async () => of('good').filter((p) => p.state === 'serving').length === 2, 60_000);
  await new Promise((r) => setTimeout(r, 2000));
  expect(of('good')).toHaveLength(2);

  await client.request('DELETE', objectPath(resources.deployment, ns, 'good-collector'), { query: { propagationPolicy: 'Foreground' } });
  await waitFor('no collector left', async () => of('good').length === 0, 60_000);
  await waitFor('all exited', async () => runtime.exits().filter((e) => e.stopped && e.served).length >= 3, 60_000);
  // Every collector that served drained and exited 0. (The third pod may start when a slot frees during the delete and
  // be stopped while starting, as a kubelet would: killed by the signal, it had nothing to drain.)
  const served = runtime.exits().filter((e) => e.served);
  expect(served.map((e) => ({ code: e.code, stopped: e.stopped }))).toEqual(served.map(() => ({ code: 0, stopped: true })));
  expect(runtime.exits().filter((e) => !e.stopped)).toEqual([]);
}, 180_000);

test('a header from a Secret reaches the backend; the ConfigMap holds only the variable name', async () => {
  const { client } = cluster;
  const sink = await OtlpSink.start();
  try {
    const token = `token-${Date.now()}`;
    await client.request('POST', `/api/v1/namespaces/${ns}/secrets`, {
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'backend-credentials' }, stringData: { 'api-key': token } },
    });
    await createFleet('secret-header', sink.grpcEndpoint, 1, {
      compression: 'none',
      headersFrom: [{ name: 'x-api-key', secretKeyRef: { name: 'backend-credentials', key: 'api-key' } }],
    });
    const [collector] = await waitFor('a serving collector', async () => {
      const list = of('secret-header');
      return list[0]?.state === 'serving' ? list : undefined;
    }, 60_000);
    await sendSpans({ host: collector!.ip, grpcPort: 4317, httpPort: 4318 }, 'grpc', ['s-1', 's-2', 's-3']);
    await waitFor('spans at the sink', async () => sink.items('traces') >= 3, 30_000);
    expect(sink.requests.every((r) => r.headers['x-api-key'] === token)).toBe(true);
    const cm = await client.request<KubeObject & { data: Record<string, string> }>('GET', objectPath(resources.configMap, ns, 'secret-header-collector'));
    expect(cm.data['config.yaml']).not.toContain(token);
    expect(cm.data['config.yaml']).toContain('x-api-key: ${env:TPO_EXPORTER_SINK_HEADER_0}');
  } finally {
    await client.request('DELETE', objectPath(resources.deployment, ns, 'secret-header-collector')).catch(() => undefined);
    await waitFor('collector gone', async () => of('secret-header').length === 0, 60_000).catch(() => undefined);
    await sink.stop();
  }
}, 120_000);
