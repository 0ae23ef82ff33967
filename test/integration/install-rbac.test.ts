// The chart's RBAC is enough and no more: `tpo operator`, authenticated as the chart's ServiceAccount (kubeconfig
// impersonation), reconciles a sample to Ready; every request it made was allowed, every granted verb was used or
// is implied by one that was, and verbs it never needs are refused.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { CLUSTER_TIMEOUT_MS } from '../cluster/harness.ts';
import { resources } from '../../src/operator/kube/resources.ts';
import { CHART, helm, kubectl, ok } from '../support/helm-kubectl.ts';
import {
  childOperator,
  createNamespace,
  deleteNamespace,
  getObject,
  REPO,
  stopChild,
  testCluster,
  waitFor,
  waitReady,
  type ChildOperator,
  type TestCluster,
} from './operator-helpers.ts';

const suffix = randomBytes(3).toString('hex');
const release = `rbac-${suffix}`;
const scopedRelease = `rbac-scoped-${suffix}`;
const LEASE = 'telemetry-pipeline-operator';
const SAMPLE = 'low-latency';
let cluster: TestCluster;
let systemNs: string;
let appsNs: string;
let user: string;
let operator: ChildOperator | undefined;

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };

/** The admin kubeconfig with `as:` added: every request is made as `asUser`, with only that user's RBAC. */
function impersonatingKubeconfig(adminKubeconfig: string, asUser: string): string {
  const config = parse(readFileSync(adminKubeconfig, 'utf8')) as { users: { user: Record<string, unknown> }[] };
  for (const u of config.users) u.user['as'] = asUser;
  const file = join(mkdtempSync(join(tmpdir(), 'tpo-rbac-')), 'kubeconfig');
  writeFileSync(file, stringify(config), { mode: 0o600 });
  return file;
}

/** `kubectl auth can-i` as the chart's ServiceAccount; namespace '*' asks about every namespace at once. */
async function canI(asUser: string, verb: string, resource: string, namespace: string, subresource?: string): Promise<string> {
  const scope = namespace === '*' ? ['--all-namespaces'] : ['-n', namespace];
  const args = ['auth', 'can-i', verb, resource, '--as', asUser, ...scope, ...(subresource ? ['--subresource', subresource] : [])];
  return (await kubectl(cluster.kubeconfig, args)).stdout.trim();
}

/** The chart's ClusterRole and Role rules as `resource verb` pairs. */
async function grantedPairs(): Promise<Set<string>> {
  const rendered = await ok(helm(undefined, ['template', release, CHART, '-n', systemNs]));
  const rules = parseAllDocuments(rendered)
    .map((d) => d.toJS() as { kind?: string; rules?: Rule[] } | null)
    .filter((o) => o?.kind === 'ClusterRole' || o?.kind === 'Role')
    .flatMap((o) => o!.rules ?? []);
  for (const rule of rules) {
    expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
  }
  return new Set(rules.flatMap((r) => r.resources.flatMap((res) => r.verbs.map((v) => `${res} ${v}`))));
}

/** tpo_api_requests_total of the running operator: `method resource` -> codes seen. */
async function requestsMade(op: ChildOperator): Promise<Map<string, Set<string>>> {
  const text = await (await fetch(`http://${await op.metricsAddress}/metrics`)).text();
  const made = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const m = /^tpo_api_requests_total\{(.*)\} ([0-9.e+]+)$/.exec(line);
    if (!m || Number(m[2]) === 0) continue;
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    const key = `${labels['method']} ${labels['resource']}`;
    made.set(key, (made.get(key) ?? new Set()).add(labels['code']!));
  }
  return made;
}

/** The RBAC verb of a request the operator's client made (GET of a collection is a list; the Lease is read by name). */
function verbOf(method: string, resource: string): string {
  const verbs: Record<string, string> = { GET: resource === 'leases' ? 'get' : 'list', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
  return verbs[method] ?? method;
}

beforeAll(async () => {
  cluster = await testCluster();
  systemNs = await createNamespace(cluster.client, 'rbac-system');
  appsNs = await createNamespace(cluster.client, 'rbac-apps');
  // replicaCount=0: the operator runs in this test process's child instead of a (KWOK) pod.
  await ok(helm(cluster.kubeconfig, ['install', release, CHART, '-n', systemNs, '--set', 'replicaCount=0', '--wait']));
  user = `system:serviceaccount:${systemNs}:${release}-telemetry-pipeline-operator`;
}, CLUSTER_TIMEOUT_MS);

afterAll(async () => {
  if (operator) await stopChild(operator);
  if (!cluster) return;
  for (const r of [release, scopedRelease]) await helm(cluster.kubeconfig, ['uninstall', r, '-n', systemNs, '--ignore-not-found']);
  await deleteNamespace(cluster.client, appsNs);
  await deleteNamespace(cluster.client, systemNs);
  cluster.client.close();
});

test('the operator running as the chart ServiceAccount reconciles a sample to Ready, using exactly the granted verbs', async () => {
  const asServiceAccount = impersonatingKubeconfig(cluster.kubeconfig, user);
  operator = childOperator(asServiceAccount, appsNs, ['--leader-elect', '--leader-election-namespace', systemNs, '--leader-election-id', LEASE]);
  await ok(kubectl(cluster.kubeconfig, ['apply', '-n', appsNs, '-f', join(REPO, `manifests/samples/${SAMPLE}.yaml`)]));

  const ready = await waitReady(cluster.client, appsNs, SAMPLE, 120_000);
  expect(ready.status).toMatchObject({ replicas: expect.any(Number), configHash: expect.any(String) });
  const deployment = await getObject(cluster.client, resources.deployment, appsNs, `${SAMPLE}-collector`);
  expect(deployment?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'TelemetryPipeline', name: SAMPLE, controller: true });
  for (const kind of ['configMap', 'service', 'serviceAccount', 'podDisruptionBudget'] as const) {
    expect(await getObject(cluster.client, resources[kind], appsNs, `${SAMPLE}-collector`)).toBeDefined();
  }
  const lease = await getObject<{ spec: { holderIdentity?: string } }>(cluster.client, resources.lease, systemNs, LEASE);
  expect(lease?.spec.holderIdentity).toBeTruthy();

  // Wait for a lease renewal (PUT), so the whole cycle of requests has happened at least once.
  const made = await waitFor('a lease renewal', async () => {
    const m = await requestsMade(operator!);
    return m.has('PUT leases') ? m : undefined;
  });
  const failed = [...made].filter(([, codes]) => [...codes].some((c) => c === '401' || c === '403'));
  expect(failed).toEqual([]);
  expect(JSON.stringify(operator.logs)).not.toMatch(/forbidden/i);

  const used = new Set([...made.keys()].map((k) => {
    const [method, resource] = k.split(' ') as [string, string];
    return `${resource} ${verbOf(method, resource)}`;
  }));
  const granted = await grantedPairs();
  expect([...used].filter((p) => !granted.has(p))).toEqual([]);
  // Granted but not seen as a request: each must follow from one that was.
  const implied = (pair: string): string | undefined => {
    const [resource, verb] = pair.split(' ') as [string, string];
    if (verb === 'watch' && used.has(`${resource} list`)) return 'informers watch what they list';
    if (verb === 'create' && made.get(`PATCH ${resource}`)?.has('201')) return 'a server-side apply created the object (201), which needs create';
    if (pair === 'telemetrypipelines/finalizers update') return 'blockOwnerDeletion on owner references (OwnerReferencesPermissionEnforcement)';
    // KWOK pods serve no metrics, so the autoscaler has nothing to scale from here (autoscale-operator.test.ts scales).
    if (pair === 'telemetrypipelines/scale patch') return 'the autoscaler writes spec.replicas through the scale subresource';
    // The sample has no tailSampling: operator-tail-sampling.test.ts applies and prunes a sampling tier.
    if (['roles', 'rolebindings'].includes(resource) && ['create', 'patch'].includes(verb)) return 'the routing tier\'s Role and RoleBinding (tailSampling)';
    // The sample has no persistence: operator-persistence.test.ts switches workload kinds and drains queues.
    if (resource === 'jobs' || resource === 'statefulsets') return 'spec.persistence: its StatefulSet, and drain Jobs for replicas scaled away';
    if (pair === 'persistentvolumeclaims delete') return 'a queue claim whose drain Job delivered everything';
    if (verb === 'delete') return 'pruning the sampling tier when tailSampling is removed';
    if (pair === 'telemetrypipelines patch') return 'the autoscaler writes the sampling tier\'s replicas (tailSampling)';
    if (resource === 'endpointslices') return 'granted to the routing tier\'s collectors, which RBAC allows only to holders';
    return undefined;
  };
  expect([...granted].filter((p) => !used.has(p) && implied(p) === undefined)).toEqual([]);
}, 180_000);

test.each<[string, string, string, 'apps' | 'system', string]>([
  ['yes', 'list', 'telemetrypipelines.fleet.telemetry.dev', 'apps', ''],
  ['yes', 'patch', 'telemetrypipelines.fleet.telemetry.dev', 'apps', 'status'],
  ['yes', 'patch', 'telemetrypipelines.fleet.telemetry.dev', 'apps', 'scale'],
  ['yes', 'create', 'deployments.apps', 'apps', ''],
  ['yes', 'patch', 'poddisruptionbudgets.policy', 'apps', ''],
  ['yes', 'watch', 'pods', 'apps', ''],
  ['yes', 'create', 'events.events.k8s.io', 'apps', ''],
  ['yes', 'update', `leases.coordination.k8s.io/${LEASE}`, 'system', ''],
  ['no', 'get', 'secrets', 'apps', ''],
  ['no', 'list', 'secrets', 'system', ''],
  ['no', 'delete', 'secrets', 'apps', ''],
  ['no', 'create', 'clusterroles.rbac.authorization.k8s.io', 'apps', ''],
  ['yes', 'create', 'rolebindings.rbac.authorization.k8s.io', 'apps', ''],
  ['yes', 'delete', 'deployments.apps', 'apps', ''],
  ['yes', 'patch', 'statefulsets.apps', 'apps', ''],
  ['yes', 'create', 'jobs.batch', 'apps', ''],
  ['yes', 'delete', 'persistentvolumeclaims', 'apps', ''],
  ['no', 'create', 'persistentvolumeclaims', 'apps', ''],
  ['no', 'update', 'statefulsets.apps', 'apps', ''],
  ['no', 'create', 'persistentvolumes', 'apps', ''],
  ['yes', 'watch', 'endpointslices.discovery.k8s.io', 'apps', ''],
  ['no', 'create', 'endpointslices.discovery.k8s.io', 'apps', ''],
  ['no', 'create', 'clusterrolebindings.rbac.authorization.k8s.io', 'apps', ''],
  ['no', 'escalate', 'roles.rbac.authorization.k8s.io', 'apps', ''],
  ['no', 'bind', 'roles.rbac.authorization.k8s.io', 'apps', ''],
  ['no', 'update', 'deployments.apps', 'apps', ''],
  ['no', 'create', 'pods', 'apps', ''],
  ['no', 'create', 'pods', 'apps', 'exec'],
  ['no', 'update', 'telemetrypipelines.fleet.telemetry.dev', 'apps', ''],
  ['no', 'delete', 'telemetrypipelines.fleet.telemetry.dev', 'apps', ''],
  ['no', 'delete', 'customresourcedefinitions.apiextensions.k8s.io', 'apps', ''],
  ['no', 'update', 'leases.coordination.k8s.io/kube-controller-manager', 'system', ''],
  ['no', 'create', 'leases.coordination.k8s.io', 'apps', ''],
  ['no', 'impersonate', 'serviceaccounts', 'apps', ''],
  ['no', '*', '*', 'apps', ''],
])('can-i: %s, %s %s in the %s namespace %s', async (expected, verb, resource, ns, subresource) => {
  expect(await canI(user, verb, resource, ns === 'apps' ? appsNs : systemNs, subresource)).toBe(expected);
});

test('with watchNamespace the same rules are granted only in that namespace', async () => {
  await ok(helm(cluster.kubeconfig, ['install', scopedRelease, CHART, '-n', systemNs, '--set', `replicaCount=0,watchNamespace=${appsNs}`, '--wait']));
  const scoped = `system:serviceaccount:${systemNs}:${scopedRelease}-telemetry-pipeline-operator`;
  expect(await canI(scoped, 'watch', 'telemetrypipelines.fleet.telemetry.dev', appsNs)).toBe('yes');
  expect(await canI(scoped, 'create', 'deployments.apps', appsNs)).toBe('yes');
  expect(await canI(scoped, 'watch', 'telemetrypipelines.fleet.telemetry.dev', 'default')).toBe('no');
  expect(await canI(scoped, 'create', 'deployments.apps', systemNs)).toBe('no');
  expect(await canI(scoped, 'list', 'pods', '*')).toBe('no');
});
