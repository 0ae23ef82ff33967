// The Helm chart with the pinned Helm 4 and Helm 3 against the local control plane: lint, schema errors, the
// rendered objects accepted by the API server (server-side dry run), and install -> upgrade -> uninstall from the
// chart archive a release holds (`helm package`, as `npm run release` makes it).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { packageChart } from '../../scripts/release-files.ts';
import { CRD_NAME } from '../../src/api/constants.ts';
import { binaryPath } from '../cluster/binaries.ts';
import { CLUSTER_TIMEOUT_MS, ensureCluster } from '../cluster/harness.ts';
import { HELM3_VERSION } from '../cluster/versions.ts';
import { CHART, ensureHelm3, HELMS, REPO, helm as helmWith, kubectl, ok } from '../support/helm-kubectl.ts';

let kubeconfig: string;
let archive: string;
const releaseDir = mkdtempSync(join(tmpdir(), 'tpo-chart-'));
const ALL_OPTIONAL = 'serviceMonitor.enabled=true,collectorPodMonitor.enabled=true,prometheusRule.enabled=true,dashboard.enabled=true';

type Obj = { kind: string; metadata: { name: string; namespace?: string }; spec?: Record<string, unknown> };

beforeAll(async () => {
  ({ kubeconfig } = await ensureCluster());
  archive = await packageChart(binaryPath('helm'), REPO, releaseDir);
}, CLUSTER_TIMEOUT_MS);

afterAll(() => rmSync(releaseDir, { recursive: true, force: true }));

test('helm package writes the chart archive named by the chart version', () => {
  expect(archive).toBe(join(releaseDir, 'telemetry-pipeline-operator-0.1.0.tgz'));
});

test('Helm 3 is the pinned release, stamped with its version (its default capabilities satisfy the chart kubeVersion: see lint below)', async () => {
  await ensureHelm3();
  expect((await ok(helmWith(undefined, ['version', '--template', '{{.Version}}'], 'helm3'))).trim()).toBe(HELM3_VERSION);
}, CLUSTER_TIMEOUT_MS);

describe.each(HELMS)('$name', ({ binary, ensure }) => {
  const helm = (config: string | undefined, args: string[]) => helmWith(config, args, binary);
  const suffix = randomBytes(3).toString('hex');
  const namespace = `install-chart-${binary}-${suffix}`;
  const release = `tpo-${suffix}`;
  const fullname = `${release}-telemetry-pipeline-operator`;

  beforeAll(async () => {
    await ensure();
    await ensureCluster();
    await ok(kubectl(kubeconfig, ['create', 'namespace', namespace]));
  }, CLUSTER_TIMEOUT_MS);

  afterAll(async () => {
    if (!kubeconfig) return;
    await helm(kubeconfig, ['uninstall', release, '-n', namespace, '--ignore-not-found']);
    await kubectl(kubeconfig, ['delete', 'namespace', namespace, '--wait=false']);
  });

  test.each([
    ['default values', []],
    ['every optional part, one watched namespace, two replicas', ['--set', `${ALL_OPTIONAL},watchNamespace=apps,replicaCount=2`]],
    ['leader election off', ['--set', 'leaderElection.enabled=false']],
  ])('helm lint --strict is clean: %s', async (_name, extra) => {
    const r = await helm(undefined, ['lint', '--strict', CHART, ...extra]);
    expect(r.stderr + r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    expect(r.stdout).toContain('0 chart(s) failed');
    expect(r.code).toBe(0);
  });

  test.each([
    ['replicaCount=-1', "at '/replicaCount': minimum: got -1, want 0"],
    ['logLevel=verbose', "at '/logLevel': value must be one of 'trace', 'debug', 'info', 'warn', 'error', 'fatal'"],
    ['image.pullPolicy=Sometimes', "at '/image/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'"],
    ['metrics.port=70000', "at '/metrics/port': maximum"],
    ['replicas=2', "additional properties 'replicas' not allowed"],
    ['leaderElection.enabled=false,replicaCount=3', "at '/leaderElection/enabled': value must be true"],
    ['resources.limits.memory=lots', "at '/resources/limits/memory'"],
    ['prometheusRule.collector.refuseRatio=2', "at '/prometheusRule/collector/refuseRatio': maximum: got 2, want 1"],
    ['watchNamespace=Not_A_Namespace', "at '/watchNamespace'"],
  ])('values.schema.json rejects %s with the value path', async (set, message) => {
    const r = await helm(undefined, ['template', 'x', CHART, '--set', set]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("values don't meet the specifications of the schema");
    expect(r.stderr).toContain(message);
  });

  test('helm install refuses a bad value before touching the cluster', async () => {
    const r = await helm(kubeconfig, ['install', `${release}-bad`, CHART, '-n', namespace, '--set', 'logLevel=loud']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("at '/logLevel'");
    expect((await helm(kubeconfig, ['status', `${release}-bad`, '-n', namespace])).code).not.toBe(0);
  });

  test('the rendered chart (CRDs included) passes a server-side dry run on the API server', async () => {
    const rendered = await ok(helm(undefined, ['template', release, CHART, '-n', namespace, '--include-crds']));
    const kinds = parseAllDocuments(rendered).map((d) => (d.toJS() as Obj | null)?.kind).filter(Boolean);
    expect(kinds.sort()).toEqual(
      ['ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'Deployment', 'Role', 'RoleBinding', 'Service', 'ServiceAccount'].sort(),
    );
    const out = await ok(kubectl(kubeconfig, ['apply', '--server-side', '--dry-run=server', '--force-conflicts', '--field-manager=tpo-install-test', '-f', '-'], rendered));
    expect(out).toContain(`deployment.apps/${fullname} serverside-applied (server dry run)`);
    expect(out).toContain(`clusterrole.rbac.authorization.k8s.io/${fullname} serverside-applied (server dry run)`);
  });

  test('helm install from the chart archive, then upgrade with a changed value, then uninstall', async () => {
    const deployment = async () => JSON.parse(await ok(kubectl(kubeconfig, ['get', 'deployment', fullname, '-n', namespace, '-o', 'json']))) as {
      spec: { replicas: number; template: { spec: { containers: { args: string[] }[] } } };
    };

    await ok(helm(kubeconfig, ['install', release, archive, '-n', namespace, '--wait', '--timeout', '120s']));
    const installed = await deployment();
    expect(installed.spec.replicas).toBe(1);
    expect(installed.spec.template.spec.containers[0]!.args).toEqual(expect.arrayContaining(['operator', '--leader-elect', '--log-level=info']));
    for (const kind of ['serviceaccount', 'service', 'role', 'rolebinding']) {
      expect((await kubectl(kubeconfig, ['get', kind, '-n', namespace, '-l', `app.kubernetes.io/instance=${release}`, '-o', 'name'])).stdout).not.toBe('');
    }
    await ok(kubectl(kubeconfig, ['get', 'clusterrole', fullname]));

    await ok(helm(kubeconfig, ['upgrade', release, archive, '-n', namespace, '--reuse-values', '--set', 'logLevel=debug,replicaCount=2', '--wait', '--timeout', '120s']));
    const upgraded = await deployment();
    expect(upgraded.spec.replicas).toBe(2);
    expect(upgraded.spec.template.spec.containers[0]!.args).toContain('--log-level=debug');
    const history = JSON.parse(await ok(helm(kubeconfig, ['history', release, '-n', namespace, '-o', 'json']))) as { revision: number; status: string }[];
    expect(history.map((h) => [h.revision, h.status])).toEqual([[1, 'superseded'], [2, 'deployed']]);

    await ok(helm(kubeconfig, ['uninstall', release, '-n', namespace, '--wait', '--timeout', '120s']));
    expect((await kubectl(kubeconfig, ['get', 'deployment', fullname, '-n', namespace])).code).not.toBe(0);
    expect((await kubectl(kubeconfig, ['get', 'clusterrole', fullname])).code).not.toBe(0);
    // Helm never deletes CRDs (that would delete every TelemetryPipeline).
    await ok(kubectl(kubeconfig, ['get', 'crd', CRD_NAME]));
  }, 300_000);
});
