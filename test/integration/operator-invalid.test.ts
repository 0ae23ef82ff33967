// What the CRD schema forbids is refused by the API server; what it admits but cannot be rendered
// turns into ConfigValid=False while the running fleet stays exactly as it was.
import { CLUSTER_TIMEOUT_MS } from '../cluster/harness.ts';
import { ApiError } from '../../src/operator/kube/errors.ts';
import { resources } from '../../src/operator/kube/resources.ts';
import type { OperatorHandle } from '../../src/operator/main.ts';
import { fleetName } from '../../src/operator/render/index.ts';
import {
  condition,
  createNamespace,
  createPipeline,
  deleteNamespace,
  getObject,
  inProcessOperator,
  mergePatch,
  pipeline,
  sleep,
  testCluster,
  waitFor,
  waitReady,
  type TestCluster,
} from './operator-helpers.ts';

let cluster: TestCluster;
let ns: string;
let operator: OperatorHandle;

beforeAll(async () => {
  cluster = await testCluster();
  ns = await createNamespace(cluster.client, 'op-invalid');
  operator = await inProcessOperator(cluster.kubeconfig, ns);
  await operator.synced;
}, CLUSTER_TIMEOUT_MS);

afterAll(async () => {
  await operator?.stop();
  if (ns) await deleteNamespace(cluster.client, ns);
  cluster?.client.close();
});

async function rejection(obj: ReturnType<typeof pipeline>): Promise<ApiError> {
  try {
    await createPipeline(cluster.client, obj);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('the API server accepted an invalid pipeline');
}

test.each([
  ['minReplicas above maxReplicas', { scaling: { enabled: true, minReplicas: 5, maxReplicas: 2 } }, /spec\.scaling\.minReplicas.*minReplicas must not exceed maxReplicas/],
  ['an unknown batch profile', { processors: { batch: { profile: 'turbo' } } }, /spec\.processors\.batch\.profile.*Unsupported value: "turbo"/],
  ['no exporter', { exporters: [] }, /spec\.exporters.*should have at least 1 items|spec\.exporters.*must have at least 1 items/],
])('the CRD rejects %s with the API server message', async (_name, spec, message) => {
  const err = await rejection(pipeline(ns, 'bad', spec));
  expect(err.status).toBe(422);
  expect(err.reason).toBe('Invalid');
  expect(err.message).toMatch(message);
});

test('an admitted but unrenderable spec sets ConfigValid=False and leaves the fleet untouched', async () => {
  const { client } = cluster;
  await createPipeline(client, pipeline(ns, 'orders'));
  await waitReady(client, ns, 'orders');
  const name = fleetName('orders');
  const versions = async () =>
    Promise.all(
      [resources.configMap, resources.deployment, resources.service, resources.serviceAccount, resources.podDisruptionBudget].map(
        async (rt) => (await getObject(client, rt, ns, name))?.metadata.resourceVersion,
      ),
    );
  await sleep(1000);
  const before = await versions();

  await mergePatch(client, resources.pipeline, ns, 'orders', {
    spec: { exporters: [{ name: 'backend', otlp: { endpoint: 'not a host and port', insecure: true } }] },
  });
  const invalid = await waitFor('ConfigValid=False', async () => {
    const p = await getObject(client, resources.pipeline, ns, 'orders');
    return condition(p, 'ConfigValid')?.status === 'False' ? p : undefined;
  });
  expect(condition(invalid, 'ConfigValid')).toMatchObject({ reason: 'RenderFailed' });
  expect(condition(invalid, 'ConfigValid')!.message).toMatch(/^spec\.exporters\[0\]\.otlp\.endpoint: .*host:port/);
  expect(condition(invalid, 'Degraded')?.status).toBe('True');
  expect((invalid.status as { observedGeneration: number }).observedGeneration).toBe(invalid.metadata.generation);
  await sleep(2000);
  expect(await versions()).toEqual(before);

  // Fixing the spec recovers: ConfigValid flips back and the fleet is Ready again.
  await mergePatch(client, resources.pipeline, ns, 'orders', {
    spec: { exporters: [{ name: 'backend', otlp: { endpoint: 'backend.observability.svc:4317', insecure: true } }] },
  });
  const fixed = await waitReady(client, ns, 'orders');
  expect(condition(fixed, 'ConfigValid')?.status).toBe('True');
});
