// Pure: the command lines of the control-plane processes. Every listener is bound to 127.0.0.1.
import { join } from 'node:path';
import { KWOK_NODE_IP, KWOK_POD_CIDR, SERVICE_CIDR } from './addresses.ts';
import { type Layout, PKI_FILES } from './layout.ts';
import { FRONT_PROXY_CLIENT_NAME } from './pki.ts';

export type Ports = {
  etcdClient: number;
  etcdPeer: number;
  apiServer: number;
  controllerManager: number;
  scheduler: number;
};

/** KWOK manages only nodes carrying this annotation (key=value). */
export const KWOK_NODE_ANNOTATION = { key: 'kwok.x-k8s.io/node', value: 'fake' } as const;
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** Controllers the tests rely on; the rest (node lifecycle, volumes, endpoints, CSR...) stay off to keep it light. */
export const CONTROLLERS = [
  'namespace-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  'clusterrole-aggregation-controller',
  'garbage-collector-controller',
  'deployment-controller',
  'replicaset-controller',
  'statefulset-controller',
  'daemonset-controller',
  'job-controller',
  'cronjob-controller',
  'ttl-after-finished-controller',
  'disruption-controller',
  'pod-garbage-collector-controller',
];

const pki = (layout: Layout, file: keyof typeof PKI_FILES): string => join(layout.pki, PKI_FILES[file]);
const loopback = (port: number): string => `http://127.0.0.1:${port}`;

export function etcdArgs(layout: Layout, ports: Ports): string[] {
  return [
    '--name=tpo',
    `--data-dir=${layout.etcdData}`,
    `--listen-client-urls=${loopback(ports.etcdClient)}`,
    `--advertise-client-urls=${loopback(ports.etcdClient)}`,
    `--listen-peer-urls=${loopback(ports.etcdPeer)}`,
    `--initial-advertise-peer-urls=${loopback(ports.etcdPeer)}`,
    `--initial-cluster=tpo=${loopback(ports.etcdPeer)}`,
    '--initial-cluster-state=new',
    // Throw-away test data: durability is not worth the fsync latency.
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
}

export function apiServerArgs(layout: Layout, ports: Ports): string[] {
  return [
    `--etcd-servers=${loopback(ports.etcdClient)}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${ports.apiServer}`,
    `--tls-cert-file=${pki(layout, 'apiServerCert')}`,
    `--tls-private-key-file=${pki(layout, 'apiServerKey')}`,
    `--client-ca-file=${pki(layout, 'caCert')}`,
    '--authorization-mode=Node,RBAC',
    // The admission plugin taints new nodes not-ready; only the node-lifecycle controller (off) would lift it.
    '--disable-admission-plugins=TaintNodesByCondition',
    // Request-header authentication, so aggregated API servers and the delegated authn of the controller
    // manager and scheduler find a complete extension-apiserver-authentication ConfigMap.
    `--requestheader-client-ca-file=${pki(layout, 'frontProxyCaCert')}`,
    `--requestheader-allowed-names=${FRONT_PROXY_CLIENT_NAME}`,
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${pki(layout, 'frontProxyClientCert')}`,
    `--proxy-client-key-file=${pki(layout, 'frontProxyClientKey')}`,
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-account-key-file=${pki(layout, 'serviceAccountPub')}`,
    `--service-account-signing-key-file=${pki(layout, 'serviceAccountKey')}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    // The API server listens on loopback only, which Endpoints refuse; the real node's harness writes the
    // `kubernetes` Service's EndpointSlice itself (its relay on the node IP), so the reconciler stays off.
    '--endpoint-reconciler-type=none',
    // So `kubectl logs` and `exec` reach the real node's kubelet (which trusts this CA's client certificates).
    `--kubelet-client-certificate=${pki(layout, 'adminCert')}`,
    `--kubelet-client-key=${pki(layout, 'adminKey')}`,
    '--kubelet-preferred-address-types=InternalIP',
    // Room for the 1000-pipeline benchmark's bursts.
    '--max-requests-inflight=1000',
    '--max-mutating-requests-inflight=500',
    '--profiling=false',
  ];
}

/** The secure serving flags shared by controller-manager and scheduler (health endpoints on loopback). */
function componentServing(layout: Layout, port: number): string[] {
  return [
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--authentication-kubeconfig=${layout.kubeconfig}`,
    `--authorization-kubeconfig=${layout.kubeconfig}`,
  ];
}

export function controllerManagerArgs(layout: Layout, ports: Ports): string[] {
  return [
    `--kubeconfig=${layout.kubeconfig}`,
    ...componentServing(layout, ports.controllerManager),
    '--leader-elect=false',
    `--controllers=${CONTROLLERS.join(',')}`,
    `--service-account-private-key-file=${pki(layout, 'serviceAccountKey')}`,
    `--root-ca-file=${pki(layout, 'caCert')}`,
    // Defaults (20 qps, 5 workers) would make 1000 Deployments take minutes to turn into pods.
    '--kube-api-qps=1000',
    '--kube-api-burst=2000',
    '--concurrent-deployment-syncs=20',
    '--concurrent-replicaset-syncs=20',
  ];
}

/** KubeSchedulerConfiguration: the qps/leader-election knobs are not flags any more. */
export function schedulerConfig(layout: Layout): object {
  return {
    apiVersion: 'kubescheduler.config.k8s.io/v1',
    kind: 'KubeSchedulerConfiguration',
    clientConnection: { kubeconfig: layout.kubeconfig, qps: 1000, burst: 2000 },
    leaderElection: { leaderElect: false },
  };
}

export function schedulerArgs(layout: Layout, ports: Ports): string[] {
  return [`--config=${layout.schedulerConfig}`, ...componentServing(layout, ports.scheduler)];
}

export function kwokArgs(layout: Layout): string[] {
  return [
    `--kubeconfig=${layout.kubeconfig}`,
    `--config=${layout.kwokConfig}`,
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION.key}=${KWOK_NODE_ANNOTATION.value}`,
    `--cidr=${KWOK_POD_CIDR}`,
    `--node-ip=${KWOK_NODE_IP}`,
    // Port 0 keeps KWOK's kubelet-like server (which would bind 0.0.0.0) off.
    '--node-port=0',
  ];
}
