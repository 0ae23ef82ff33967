// The files of one local cluster under <repo>/.cluster (git-ignored).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Layout = {
  root: string;
  kubeconfig: string;
  state: string;
  lock: string;
  pki: string;
  etcdData: string;
  logs: string;
  pids: string;
  kwokWorkdir: string;
  kwokConfig: string;
  schedulerConfig: string;
};

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function clusterLayout(root = join(REPO_ROOT, '.cluster')): Layout {
  return {
    root,
    kubeconfig: join(root, 'kubeconfig'),
    state: join(root, 'state.json'),
    lock: join(root, 'lock'),
    pki: join(root, 'pki'),
    etcdData: join(root, 'etcd'),
    logs: join(root, 'logs'),
    pids: join(root, 'pids'),
    kwokWorkdir: join(root, 'kwok'),
    kwokConfig: join(root, 'kwok', 'stages.yaml'),
    schedulerConfig: join(root, 'scheduler.yaml'),
  };
}

/** Names of the PEM files under Layout.pki. */
export const PKI_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  apiServerCert: 'apiserver.crt',
  apiServerKey: 'apiserver.key',
  adminCert: 'admin.crt',
  adminKey: 'admin.key',
  kubeletCert: 'kubelet.crt',
  kubeletKey: 'kubelet.key',
  kubeProxyCert: 'kube-proxy.crt',
  kubeProxyKey: 'kube-proxy.key',
  frontProxyCaCert: 'front-proxy-ca.crt',
  frontProxyClientCert: 'front-proxy-client.crt',
  frontProxyClientKey: 'front-proxy-client.key',
  serviceAccountKey: 'sa.key',
  serviceAccountPub: 'sa.pub',
} as const;
