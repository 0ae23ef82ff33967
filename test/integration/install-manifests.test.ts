// The kubectl route: manifests/install.yaml is the chart rendered (not stale), `kubectl apply -f crds/ -f
// manifests/install.yaml` installs the operator (its pod admitted under the restricted Pod Security level), and a
// sample then shows the printer columns in `kubectl get tp` and the schema descriptions in `kubectl explain`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OperatorHandle } from '../../src/operator/main.ts';
import { buildCrd } from '../../src/api/crd.ts';
import { CRD_NAME } from '../../src/api/constants.ts';
import { INSTALL_FILE, INSTALL_NAMESPACE, INSTALL_RELEASE, renderInstallManifest } from '../../scripts/install-manifest.ts';
import { binaryPath } from '../cluster/binaries.ts';
import { CLUSTER_TIMEOUT_MS } from '../cluster/harness.ts';
import { kubectl, ok } from '../support/helm-kubectl.ts';
import { createNamespace, deleteNamespace, inProcessOperator, REPO, testCluster, waitFor, waitReady, type TestCluster } from './operator-helpers.ts';

const SAMPLE = 'balanced';
let cluster: TestCluster;
let appsNs: string | undefined;
let operator: OperatorHandle | undefined;
let createdInstallNamespace = false;

type Schema = { description?: string; properties?: Record<string, Schema> };

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

beforeAll(async () => {
  cluster = await testCluster();
}, CLUSTER_TIMEOUT_MS);

afterAll(async () => {
  await operator?.stop();
  if (!cluster) return;
  if (appsNs) await deleteNamespace(cluster.client, appsNs);
  // Only undo an install this test made: another user of the shared local cluster may own the namespace.
  if (createdInstallNamespace) await kubectl(cluster.kubeconfig, ['delete', '-f', INSTALL_FILE, '--ignore-not-found', '--wait=false']);
  cluster.client.close();
});

test(`${INSTALL_FILE} is the chart rendered now (run \`npm run gen:manifests\` when this fails)`, async () => {
  expect(readFileSync(join(REPO, INSTALL_FILE), 'utf8')).toBe(await renderInstallManifest(binaryPath('helm'), REPO));
});

test('kubectl apply -f crds/ -f manifests/install.yaml installs the operator', async () => {
  // A namespace left Terminating by an earlier run cannot take new objects: wait until it is gone or active.
  const phase = await waitFor('the install namespace to be absent or Active', async () => {
    const r = await kubectl(cluster.kubeconfig, ['get', 'namespace', INSTALL_NAMESPACE, '-o', 'jsonpath={.status.phase}']);
    const current = r.code === 0 ? r.stdout : 'Absent';
    return current === 'Terminating' ? undefined : current;
  }, 120_000, 1000);
  createdInstallNamespace = phase === 'Absent';

  const applied = await kubectl(cluster.kubeconfig, ['apply', '-f', 'crds/', '-f', INSTALL_FILE]);
  expect(applied.stderr).not.toMatch(/PodSecurity|error/i);
  expect(applied.code).toBe(0);
  const out = applied.stdout;
  for (const object of [
    `customresourcedefinition.apiextensions.k8s.io/${CRD_NAME}`,
    `namespace/${INSTALL_NAMESPACE}`,
    `serviceaccount/${INSTALL_RELEASE}`,
    `clusterrole.rbac.authorization.k8s.io/${INSTALL_RELEASE}`,
    `clusterrolebinding.rbac.authorization.k8s.io/${INSTALL_RELEASE}`,
    `role.rbac.authorization.k8s.io/${INSTALL_RELEASE}-leader-election`,
    `service/${INSTALL_RELEASE}-metrics`,
    `deployment.apps/${INSTALL_RELEASE}`,
  ]) {
    expect(out).toContain(object);
  }
  // The ReplicaSet's pod is only created if it satisfies the namespace's enforced restricted Pod Security level.
  await ok(kubectl(cluster.kubeconfig, ['-n', INSTALL_NAMESPACE, 'rollout', 'status', `deployment/${INSTALL_RELEASE}`, '--timeout=120s']));
  await ok(kubectl(cluster.kubeconfig, ['wait', '--for=condition=Established', `crd/${CRD_NAME}`, '--timeout=60s']));
}, 300_000);

test('a sample: kubectl get tp shows the printer columns and kubectl explain the field descriptions', async () => {
  appsNs = await createNamespace(cluster.client, 'install-sample');
  await ok(kubectl(cluster.kubeconfig, ['apply', '-n', appsNs, '-f', join(REPO, `manifests/samples/${SAMPLE}.yaml`)]));
  // Pods on the local control plane run no process: the operator reconciles from this test process.
  operator = await inProcessOperator(cluster.kubeconfig, appsNs);
  await waitReady(cluster.client, appsNs, SAMPLE, 120_000);

  const table = await ok(kubectl(cluster.kubeconfig, ['get', 'tp', '-n', appsNs]));
  const [header, row] = table.trim().split('\n').map((line) => line.trim().split(/\s{2,}/));
  expect(header).toEqual(['NAME', 'REPLICAS', 'READY', 'SAMPLERS', 'SPANS/S', 'CAPACITY', 'AGE']);
  expect(row?.slice(0, 3)).toEqual([SAMPLE, '3', '3']);

  const crd = buildCrd() as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
  const scaling = crd.spec.versions[0]!.schema.openAPIV3Schema.properties!['spec']!.properties!['scaling']!;
  const explained = await waitFor('kubectl explain to know the CRD schema', async () => {
    const r = await kubectl(cluster.kubeconfig, ['explain', 'telemetrypipeline.spec.scaling']);
    return r.code === 0 ? squash(r.stdout) : undefined;
  });
  expect(explained).toContain(squash(scaling.description!));
  for (const [field, schema] of Object.entries(scaling.properties!)) {
    expect(explained).toContain(field);
    expect(explained).toContain(squash(schema.description!));
  }
}, 300_000);
