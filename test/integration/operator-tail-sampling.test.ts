// Tail sampling on the real API server, the operator in this process: a pipeline with the guide's four policies gets
// both tiers (the routing tier's RBAC included), status and `kubectl get tp` show the sampler's ready pods, and
// removing tailSampling prunes the sampling tier while the routing tier keeps running with its plain config.
import { parse } from 'yaml';
import { resources } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import type { OperatorHandle } from '../../src/operator/main.ts';
import { kubectl, ok } from '../support/helm-kubectl.ts';
import { createPipeline, getObject, inProcessOperator, mergePatch, pipeline, statusOf, useTestNamespace, waitFor, waitReady } from './operator-helpers.ts';

const GUIDE_POLICIES = [
  { name: 'errors', type: 'statusCode', statusCode: { statusCodes: ['ERROR'] } },
  { name: 'slow', type: 'latency', latency: { thresholdMs: 1000 } },
  { name: 'vip', type: 'stringAttribute', stringAttribute: { key: 'customer.tier', values: ['vip'] } },
  { name: 'ten-percent', type: 'probabilistic', probabilistic: { samplingPercentage: 10 } },
];

type Rbac = KubeObject & { rules?: unknown[]; roleRef?: unknown; subjects?: unknown[] };
type Workload = KubeObject & { spec: { replicas: number; template: { spec: { automountServiceAccountToken?: boolean } } } };

let operator: OperatorHandle;
const ctx = useTestNamespace('op-tail');

beforeAll(async () => {
  operator = await inProcessOperator(ctx.cluster.kubeconfig, ctx.ns, ['--resync', '5']);
  await operator.synced;
  ctx.cleanup.push(() => operator.stop());
});

const SAMPLER_KINDS = [resources.serviceAccount, resources.configMap, resources.service, resources.podDisruptionBudget, resources.deployment];

test('both tiers, RBAC, status; removing tailSampling prunes the sampling tier', async () => {
  const { client } = ctx.cluster;
  const created = await createPipeline(client, pipeline(ctx.ns, 'shop', { signals: ['traces', 'metrics'], processors: { tailSampling: { decisionWait: '5s', policies: GUIDE_POLICIES, sampler: { replicas: 2 } } } }));
  const owner = expect.objectContaining({ kind: 'TelemetryPipeline', name: 'shop', uid: created.metadata.uid, controller: true });

  const ready = await waitFor('two ready samplers in status', async () => {
    const p = await waitReady(client, ctx.ns, 'shop');
    return (statusOf(p) as { sampler?: { readyReplicas: number } }).sampler?.readyReplicas === 2 ? p : undefined;
  }, 90_000);
  expect(ready.status).toMatchObject({ readyReplicas: 1, sampler: { replicas: 2, readyReplicas: 2 } });

  for (const rt of SAMPLER_KINDS) {
    const obj = await getObject(client, rt, ctx.ns, 'shop-sampler');
    expect(obj?.metadata.ownerReferences).toEqual([owner]);
  }
  const service = await getObject<KubeObject & { spec: { clusterIP: string } }>(client, resources.service, ctx.ns, 'shop-sampler');
  expect(service?.spec.clusterIP).toBe('None');
  const samplerConfig = parse((await getObject<KubeObject & { data: Record<string, string> }>(client, resources.configMap, ctx.ns, 'shop-sampler'))!.data['config.yaml']!);
  expect(samplerConfig.processors.tail_sampling.policies.map((p: { type: string }) => p.type)).toEqual(['status_code', 'latency', 'string_attribute', 'probabilistic']);
  const routingConfig = parse((await getObject<KubeObject & { data: Record<string, string> }>(client, resources.configMap, ctx.ns, 'shop-collector'))!.data['config.yaml']!);
  expect(routingConfig.exporters.loadbalancing.resolver).toEqual({ k8s: { service: `shop-sampler.${ctx.ns}`, ports: [4317] } });
  expect(routingConfig.service.pipelines.metrics.exporters).toEqual(['otlp/backend']);

  const role = await getObject<Rbac>(client, resources.role, ctx.ns, 'shop-collector');
  expect(role?.rules).toEqual([{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] }]);
  expect(role?.metadata.ownerReferences).toEqual([owner]);
  const binding = await getObject<Rbac>(client, resources.roleBinding, ctx.ns, 'shop-collector');
  expect(binding?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'shop-collector', namespace: ctx.ns }]);
  // The binding grants what it says: the routing tier's ServiceAccount may watch EndpointSlices here, not elsewhere.
  const routingSa = `system:serviceaccount:${ctx.ns}:shop-collector`;
  const canI = async (verb: string, ns: string) =>
    (await kubectl(ctx.cluster.kubeconfig, ['auth', 'can-i', verb, 'endpointslices.discovery.k8s.io', '--as', routingSa, '-n', ns])).stdout.trim();
  expect(await canI('watch', ctx.ns)).toBe('yes');
  expect(await canI('create', ctx.ns)).toBe('no');
  expect(await canI('watch', 'default')).toBe('no');
  const routing = await getObject<Workload>(client, resources.deployment, ctx.ns, 'shop-collector');
  expect(routing?.spec.template.spec.automountServiceAccountToken).toBe(true);

  const table = await ok(kubectl(ctx.cluster.kubeconfig, ['get', 'tp', 'shop', '-n', ctx.ns]));
  expect(table.split('\n')[0]).toMatch(/READY\s+SAMPLERS/);
  expect(table.split('\n')[1]).toMatch(/^shop\s+1\s+1\s+2\s/);

  // Remove tailSampling: the sampling tier and the RBAC go, the routing tier exports traces itself again.
  await mergePatch(client, resources.pipeline, ctx.ns, 'shop', { spec: { processors: { tailSampling: null } } });
  await waitFor('sampling tier pruned', async () => {
    const left = await Promise.all([
      ...SAMPLER_KINDS.map((rt) => getObject(client, rt, ctx.ns, 'shop-sampler')),
      getObject(client, resources.role, ctx.ns, 'shop-collector'),
      getObject(client, resources.roleBinding, ctx.ns, 'shop-collector'),
    ]);
    return left.every((o) => o === undefined || o.metadata.deletionTimestamp) ? true : undefined;
  }, 60_000);
  const after = await waitFor('status without the sampler', async () => {
    const p = await waitReady(client, ctx.ns, 'shop');
    return (statusOf(p) as { sampler?: unknown }).sampler === undefined ? p : undefined;
  });
  expect(statusOf(after).readyReplicas).toBe(1);
  const plain = parse((await getObject<KubeObject & { data: Record<string, string> }>(client, resources.configMap, ctx.ns, 'shop-collector'))!.data['config.yaml']!);
  expect(plain.exporters.loadbalancing).toBeUndefined();
  expect(plain.service.pipelines.traces.exporters).toEqual(['otlp/backend']);
  expect((await getObject<Workload>(client, resources.deployment, ctx.ns, 'shop-collector'))?.spec.template.spec.automountServiceAccountToken).toBe(false);
}, 240_000);

test('admission refuses a bad policy with its field path', async () => {
  const bad = pipeline(ctx.ns, 'bad', { processors: { tailSampling: { policies: [{ name: 'x', type: 'latency', probabilistic: { samplingPercentage: 5 } }] } } });
  await expect(createPipeline(ctx.cluster.client, bad)).rejects.toThrow(/spec\.processors\.tailSampling\.policies\[0\].*set exactly the block named by type/);
});
