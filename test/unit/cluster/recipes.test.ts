import { etcdRecipe, helm3Ldflags, helm3Recipe, kubernetesGoMod, kubernetesLdflags, kubernetesRecipe, kwokRecipe, stagingVersion } from '../../cluster/go-recipes.ts';
import { binaryPath, cacheRoot } from '../../cluster/binaries.ts';

test.each([
  ['v1.35.4', 'v0.35.4'],
  ['v1.34.12', 'v0.34.12'],
])('stagingVersion(%s) = %s', (k8s, staging) => {
  expect(stagingVersion(k8s)).toBe(staging);
});

test.each(['1.35.4', 'v1.35', 'v2.0.0', 'v1.35.4-rc.1'])('stagingVersion rejects %j naming the setting', (bad) => {
  expect(() => stagingVersion(bad)).toThrow(/KUBERNETES_VERSION/);
});

test('the wrapper module replaces every staging module with the matching v0 tag', () => {
  const mod = kubernetesGoMod('v1.35.4', ['api', 'client-go']);
  expect(mod).toContain('require k8s.io/kubernetes v1.35.4');
  expect(mod).toContain('\tk8s.io/api => k8s.io/api v0.35.4');
  expect(mod).toContain('\tk8s.io/client-go => k8s.io/client-go v0.35.4');
  expect(mod).toContain('\tk8s.io/kubernetes/cmd/kube-apiserver');
});

test('the version is stamped into component-base and client-go', () => {
  const flags = kubernetesLdflags('v1.35.4');
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    expect(flags).toContain(`-X ${pkg}.gitVersion=v1.35.4`);
    expect(flags).toContain(`-X ${pkg}.gitMajor=1`);
    expect(flags).toContain(`-X ${pkg}.gitMinor=35`);
  }
  expect(flags.startsWith('-s -w ')).toBe(true);
});

test('the control plane and the real node\'s kubelet and kube-proxy build in one go invocation', () => {
  const r = kubernetesRecipe('v1.35.4');
  expect(r.id).toBe('kubernetes-v1.35.4');
  expect(r.outputs).toEqual(['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy']);
  expect(r.buildArgs.filter((a) => a.startsWith('k8s.io/kubernetes/cmd/'))).toHaveLength(5);
  expect(r.buildArgs).toContain('-trimpath');
});

test('etcd and kwok wrappers pin their module', () => {
  expect(etcdRecipe('v3.6.16').files['go.mod']).toContain('require go.etcd.io/etcd/server/v3 v3.6.16');
  expect(etcdRecipe('v3.6.16').files['main.go']).toContain('etcdmain.Main(os.Args)');
  expect(kwokRecipe('v0.8.0').files['go.mod']).toContain('require sigs.k8s.io/kwok v0.8.0');
});

test('Helm 3 is stamped as its Makefile does: version, and capabilities from its client-go minor', () => {
  const flags = helm3Ldflags('v3.22.0', 'v0.37.0');
  expect(flags).toContain('-X helm.sh/helm/v3/internal/version.version=v3.22.0');
  for (const pkg of ['helm.sh/helm/v3/pkg/chartutil', 'helm.sh/helm/v3/pkg/lint/rules']) {
    expect(flags).toContain(`-X ${pkg}.k8sVersionMajor=1`);
    expect(flags).toContain(`-X ${pkg}.k8sVersionMinor=37`);
  }
  expect(() => helm3Ldflags('v3.22.0', 'v1.37.0')).toThrow(/HELM3_CLIENT_GO/);
});

test('Helm 3 builds from its pinned module into bin/helm3, beside the layer\'s Helm 4', () => {
  const r = helm3Recipe('v3.22.0', 'v0.37.0');
  expect(r.id).toBe('helm-v3.22.0');
  expect(r.files['go.mod']).toContain('require helm.sh/helm/v3 v3.22.0');
  expect(r.buildArgs).toEqual(['-trimpath', `-ldflags=${helm3Ldflags('v3.22.0', 'v0.37.0')}`, '-o', '../bin/helm3', 'helm.sh/helm/v3/cmd/helm']);
  expect(r.outputs).toEqual(['helm3']);
});

test('binaries live under TPO_CACHE_DIR, by component and version', () => {
  const env = { TPO_CACHE_DIR: '/c' };
  expect(cacheRoot(env)).toBe('/c');
  expect(binaryPath('kube-apiserver', env)).toMatch(/^\/c\/kubernetes-v\d+\.\d+\.\d+\/bin\/kube-apiserver$/);
  expect(binaryPath('helm', env)).toMatch(/^\/c\/kubectl-layer-[\d.]+\/bin\/helm$/);
  expect(binaryPath('helm3', env)).toMatch(/^\/c\/helm-v3\.\d+\.\d+\/bin\/helm3$/);
  expect(cacheRoot({})).toMatch(/\.cache\/tpo$/);
});
