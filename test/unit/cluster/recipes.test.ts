import { etcdRecipe, kubernetesGoMod, kubernetesLdflags, kubernetesRecipe, kwokRecipe, stagingVersion } from '../../cluster/go-recipes.ts';
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

test('binaries live under TPO_CACHE_DIR, by component and version', () => {
  const env = { TPO_CACHE_DIR: '/c' };
  expect(cacheRoot(env)).toBe('/c');
  expect(binaryPath('kube-apiserver', env)).toMatch(/^\/c\/kubernetes-v\d+\.\d+\.\d+\/bin\/kube-apiserver$/);
  expect(binaryPath('helm', env)).toMatch(/^\/c\/kubectl-layer-[\d.]+\/bin\/helm$/);
  expect(cacheRoot({})).toMatch(/\.cache\/tpo$/);
});
