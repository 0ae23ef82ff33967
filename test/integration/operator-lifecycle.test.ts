// Create, update, delete of a TelemetryPipeline with the operator running in this process.
import { ANNOTATION_CONFIG_HASH, fleetName } from '../../src/operator/render/index.ts';
import { resources } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import type { OperatorHandle } from '../../src/operator/main.ts';
import {
  apiWrites,
  apiWritesBy,
  createPipeline,
  getObject,
  inProcessOperator,
  listObjects,
  mergePatch,
  pipeline,
  sleep,
  statusOf,
  useTestNamespace,
  waitFor,
  waitReady,
} from './operator-helpers.ts';

type Deployment = KubeObject & {
  spec: { replicas: number; template: { metadata: { annotations: Record<string, string> } } };
};
type Pod = KubeObject & { status?: { phase?: string; podIP?: string } };

const selector = (name: string) => `fleet.telemetry.dev/pipeline=${name}`;

let operator: OperatorHandle;

const ctx = useTestNamespace('op-life');

beforeAll(async () => {
  // A short resync so the idempotence check sees several full passes.
  operator = await inProcessOperator(ctx.cluster.kubeconfig, ctx.ns, ['--resync', '2']);
  await operator.synced;
  ctx.cleanup.push(() => operator.stop());
});

test('creates the fleet: owned objects with owner references, pods Running, status Ready', async () => {
  const { client } = ctx.cluster;
  const created = await createPipeline(client, pipeline(ctx.ns, 'checkout'));
  const ready = await waitReady(client, ctx.ns, 'checkout');
  const name = fleetName('checkout');
  for (const rt of [resources.serviceAccount, resources.configMap, resources.service, resources.podDisruptionBudget, resources.deployment]) {
    const obj = await getObject(client, rt, ctx.ns, name);
    expect(obj?.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'TelemetryPipeline', name: 'checkout', uid: created.metadata.uid, controller: true }),
    ]);
    expect((obj?.metadata.managedFields as { manager: string }[]).map((m) => m.manager)).toContain('telemetry-pipeline-operator');
  }
  const pods = await waitFor('pods Running', async () => {
    const list = await listObjects<Pod>(client, resources.pod, ctx.ns, selector('checkout'));
    return list.length === 1 && list.every((p) => p.status?.phase === 'Running') ? list : undefined;
  });
  expect(pods[0]!.status?.podIP).toMatch(/^127\.1\./);
  const status = statusOf(ready);
  expect(status).toMatchObject({ readyReplicas: 1, observedGeneration: 1 });
  expect(status.configHash).toMatch(/\w+/);
  const deployment = await getObject<Deployment>(client, resources.deployment, ctx.ns, name);
  expect(deployment?.spec.template.metadata.annotations[ANNOTATION_CONFIG_HASH]).toBe(status.configHash);
  const events = await waitFor('Created event', async () => {
    const list = await listObjects<KubeObject & { reason: string; note: string; regarding: { name: string } }>(client, resources.event, ctx.ns);
    const created = list.filter((e) => e.reason === 'Created' && e.regarding.name === 'checkout');
    return created.length > 0 ? created : undefined;
  });
  expect(events).toHaveLength(1);
  expect(events[0]!.note).toBe('created ServiceAccount, ConfigMap, Deployment, Service, PodDisruptionBudget checkout-collector');
  // The Service (its ClusterIP) is created in a pass of its own, before any other object: see reconcile.ts.
  const createdAt = async (rt: typeof resources.service) => Date.parse((await getObject(client, rt, ctx.ns, name))!.metadata.creationTimestamp!);
  for (const rt of [resources.serviceAccount, resources.configMap, resources.podDisruptionBudget, resources.deployment]) {
    expect(await createdAt(resources.service)).toBeLessThanOrEqual(await createdAt(rt));
  }
});

test('once converged, resyncs make zero write requests and change no resourceVersion', async () => {
  const { client } = ctx.cluster;
  await waitReady(client, ctx.ns, 'checkout');
  // Let in-flight status/event writes of the rollout settle.
  await waitFor('writes to settle', async () => {
    const before = await apiWrites(operator);
    await sleep(2500);
    return (await apiWrites(operator)) === before;
  });
  const versions = async () =>
    Promise.all(
      [resources.pipeline, resources.configMap, resources.deployment, resources.service, resources.serviceAccount, resources.podDisruptionBudget].map(
        async (rt) => (await getObject(client, rt, ctx.ns, rt === resources.pipeline ? 'checkout' : fleetName('checkout')))?.metadata.resourceVersion,
      ),
    );
  const writesBefore = await apiWritesBy(operator, []);
  const versionsBefore = await versions();
  const reconcilesBefore = (await operator.metrics.registry.getSingleMetric('tpo_reconcile_total')!.get()).values.reduce((s, v) => s + v.value, 0);
  await sleep(7000);
  const reconcilesAfter = (await operator.metrics.registry.getSingleMetric('tpo_reconcile_total')!.get()).values.reduce((s, v) => s + v.value, 0);
  expect(reconcilesAfter - reconcilesBefore).toBeGreaterThanOrEqual(3);
  expect(await apiWritesBy(operator, [])).toEqual(writesBefore);
  expect(await versions()).toEqual(versionsBefore);
});

test('a config change rolls the pods through a new hash; a label change does not', async () => {
  const { client } = ctx.cluster;
  const name = fleetName('checkout');
  const before = await getObject<Deployment>(client, resources.deployment, ctx.ns, name);
  const hashBefore = before!.spec.template.metadata.annotations[ANNOTATION_CONFIG_HASH];
  const podsBefore = await listObjects<Pod>(client, resources.pod, ctx.ns, selector('checkout'));

  await mergePatch(client, resources.pipeline, ctx.ns, 'checkout', { metadata: { labels: { team: 'payments' } } });
  await sleep(3000);
  const afterLabel = await getObject<Deployment>(client, resources.deployment, ctx.ns, name);
  expect(afterLabel!.metadata.generation).toBe(before!.metadata.generation);
  expect(afterLabel!.spec.template.metadata.annotations[ANNOTATION_CONFIG_HASH]).toBe(hashBefore);
  const podsAfterLabel = await listObjects<Pod>(client, resources.pod, ctx.ns, selector('checkout'));
  expect(podsAfterLabel.map((p) => p.metadata.uid)).toEqual(podsBefore.map((p) => p.metadata.uid));

  await mergePatch(client, resources.pipeline, ctx.ns, 'checkout', { spec: { processors: { batch: { profile: 'lowLatency' } } } });
  const rolled = await waitFor('new config hash', async () => {
    const d = await getObject<Deployment>(client, resources.deployment, ctx.ns, name);
    const h = d?.spec.template.metadata.annotations[ANNOTATION_CONFIG_HASH];
    return h && h !== hashBefore ? d : undefined;
  });
  const ready = await waitReady(client, ctx.ns, 'checkout');
  expect(statusOf(ready).configHash).toBe(rolled.spec.template.metadata.annotations[ANNOTATION_CONFIG_HASH]);
  const cm = await getObject<KubeObject & { data: Record<string, string> }>(client, resources.configMap, ctx.ns, name);
  expect(Object.values(cm!.data).join('\n')).toMatch(/timeout: 200ms|send_batch_size/);
  const rollout = await waitFor('RollingOut event', async () => {
    const list = await listObjects<KubeObject & { reason: string; note: string }>(client, resources.event, ctx.ns);
    return list.find((e) => e.reason === 'RollingOut');
  });
  expect(rollout.note).toContain(hashBefore);
  await waitFor('pods replaced', async () => {
    const pods = await listObjects<Pod>(client, resources.pod, ctx.ns, selector('checkout'));
    const running = pods.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
    return running.length === 1 && !podsBefore.some((old) => old.metadata.uid === running[0]!.metadata.uid);
  });
});

test('serves /healthz, /readyz (caches synced) and /metrics', async () => {
  const base = `http://${operator.endpoints.healthAddress}`;
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  expect((await fetch(`${base}/readyz`)).status).toBe(200);
  const text = await (await fetch(`http://${operator.endpoints.metricsAddress}/metrics`)).text();
  for (const name of [
    'tpo_reconcile_total{result="success"}',
    'tpo_reconcile_errors_total',
    'tpo_reconcile_duration_seconds_bucket',
    'tpo_workqueue_depth',
    'tpo_api_writes_total{method="PATCH",resource="deployments"}',
    'tpo_api_request_duration_seconds_bucket',
  ]) {
    expect(text).toContain(name);
  }
});

test('deleting the pipeline lets the garbage collector remove every owned object', async () => {
  const { client } = ctx.cluster;
  await createPipeline(client, pipeline(ctx.ns, 'short-lived'));
  await waitReady(client, ctx.ns, 'short-lived');
  await client.request('DELETE', `/apis/fleet.telemetry.dev/v1alpha1/namespaces/${ctx.ns}/telemetrypipelines/short-lived`);
  const name = fleetName('short-lived');
  await waitFor('owned objects gone', async () => {
    for (const rt of [resources.serviceAccount, resources.configMap, resources.service, resources.podDisruptionBudget, resources.deployment]) {
      if (await getObject(client, rt, ctx.ns, name)) return false;
    }
    return (await listObjects(client, resources.pod, ctx.ns, selector('short-lived'))).length === 0;
  });
});
