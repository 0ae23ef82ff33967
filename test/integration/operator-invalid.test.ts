// What the CRD schema forbids is refused by the API server; what it admits but cannot be rendered
// turns into ConfigValid=False while the running fleet stays exactly as it was.
import { ApiError } from '../../src/operator/kube/errors.ts';
import { resources } from '../../src/operator/kube/resources.ts';
import type { OperatorHandle } from '../../src/operator/main.ts';
import { fleetName } from '../../src/operator/render/index.ts';
import {
  condition,
  createPipeline,
  getObject,
  inProcessOperator,
  mergePatch,
  pipeline,
  sleep,
  useTestNamespace,
  waitFor,
  waitReady,
} from './operator-helpers.ts';

let operator: OperatorHandle;

const ctx = useTestNamespace('op-invalid');

beforeAll(async () => {
  operator = await inProcessOperator(ctx.cluster.kubeconfig, ctx.ns);
  await operator.synced;
  ctx.cleanup.push(() => operator.stop());
});

async function rejection(obj: ReturnType<typeof pipeline>): Promise<ApiError> {
  try {
    await createPipeline(ctx.cluster.client, obj);
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
  const err = await rejection(pipeline(ctx.ns, 'bad', spec));
  expect(err.status).toBe(422);
  expect(err.reason).toBe('Invalid');
  expect(err.message).toMatch(message);
});

test('an admitted but unrenderable spec sets ConfigValid=False and leaves the fleet untouched', async () => {
  const { client } = ctx.cluster;
  await createPipeline(client, pipeline(ctx.ns, 'orders'));
  await waitReady(client, ctx.ns, 'orders');
  const name = fleetName('orders');
  const versions = async () =>
    Promise.all(
      [resources.configMap, resources.deployment, resources.service, resources.serviceAccount, resources.podDisruptionBudget].map(
        async (rt) => (await getObject(client, rt, ctx.ns, name))?.metadata.resourceVersion,
      ),
    );
  await sleep(1000);
  const before = await versions();

  await mergePatch(client, resources.pipeline, ctx.ns, 'orders', {
    spec: { exporters: [{ name: 'backend', otlp: { endpoint: 'not a host and port', insecure: true } }] },
  });
  const invalid = await waitFor('ConfigValid=False', async () => {
    const p = await getObject(client, resources.pipeline, ctx.ns, 'orders');
    return condition(p, 'ConfigValid')?.status === 'False' ? p : undefined;
  });
  expect(condition(invalid, 'ConfigValid')).toMatchObject({ reason: 'RenderFailed' });
  expect(condition(invalid, 'ConfigValid')!.message).toMatch(/^spec\.exporters\[0\]\.otlp\.endpoint: .*host:port/);
  expect(condition(invalid, 'Degraded')?.status).toBe('True');
  expect((invalid.status as { observedGeneration: number }).observedGeneration).toBe(invalid.metadata.generation);
  await sleep(2000);
  expect(await versions()).toEqual(before);

  // Fixing the spec recovers: ConfigValid flips back and the fleet is Ready again.
  await mergePatch(client, resources.pipeline, ctx.ns, 'orders', {
    spec: { exporters: [{ name: 'backend', otlp: { endpoint: 'backend.observability.svc:4317', insecure: true } }] },
  });
  const fixed = await waitReady(client, ctx.ns, 'orders');
  expect(condition(fixed, 'ConfigValid')?.status).toBe('True');
});
