// Pure: the configuration files and command lines of the real node's processes (containerd, CNI, kubelet,
// kube-proxy, and a controller-manager running only the EndpointSlice controllers kube-proxy needs).
import { stringify } from 'yaml';
import { NODE_RANGE, REAL_NODE_IP, REAL_NODE_NAME, REAL_POD_CIDR, REAL_POD_GATEWAY } from '../addresses.ts';
import type { NodePaths } from './paths.ts';

/** The node's interfaces: the node IP sits on one end of a veth pair (the kernel has no dummy module). */
export const NODE_VETH = 'tpo-node0';
export const NODE_VETH_PEER = 'tpo-node1';
export const POD_BRIDGE = 'tpo-cni0';
export const CNI_NETWORK = 'tpo-pods';
/** Our iptables chain (filter table) that keeps pod traffic inside NODE_RANGE. */
export const EGRESS_CHAIN = 'TPO-NODE-EGRESS';

/** Only pods that mean to run on the real node (tolerate this taint and select the label) land there. */
export const REAL_NODE_TAINT = { key: 'tpo.dev/real-node', value: 'true', effect: 'NoSchedule' } as const;
export const REAL_NODE_LABEL = { key: 'tpo.dev/real-node', value: 'true' } as const;

export const KUBELET_HEALTHZ_PORT = 10248;
export const KUBE_PROXY_HEALTHZ_PORT = 10256;

/** containerd 1.6 (config version 2): every path under the node's own directories, cgroupfs, our pause image. */
export function containerdConfig(paths: NodePaths, pauseImage: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return [
    'version = 2',
    `root = ${JSON.stringify(paths.containerdRoot)}`,
    `state = ${JSON.stringify(paths.containerdState)}`,
    // Snapshotters this host cannot use would only log errors at start.
    'disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]',
    '',
    '[grpc]',
    `  address = ${JSON.stringify(paths.containerdSocket)}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(`${paths.containerdSocket}.ttrpc`)}`,
    '[metrics]',
    '  address = ""',
    '',
    // Default /opt/containerd would be created on the host.
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${JSON.stringify(`${paths.containerdRoot}/opt`)}`,
    `[${cri}]`,
    `  sandbox_image = ${JSON.stringify(pauseImage)}`,
    // The VM lacks CAP_SYS_RESOURCE: lowering a container's oom_score_adj below containerd's own would fail.
    '  restrict_oom_score_adj = true',
    '  enable_selinux = false',
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    `[${cri}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `[${cri}.containerd.runtimes.runc.options]`,
    '  SystemdCgroup = false',
    `[${cri}.cni]`,
    '  bin_dir = "/usr/lib/cni"',
    `  conf_dir = ${JSON.stringify(paths.cniConfDir)}`,
    '  max_conf_num = 1',
    '',
  ].join('\n');
}

/** One bridge network for the pods; no masquerading (nothing is reached outside NODE_RANGE anyway). */
export function cniConfig(paths: NodePaths): object {
  return {
    cniVersion: '1.0.0',
    name: CNI_NETWORK,
    plugins: [{
      type: 'bridge',
      bridge: POD_BRIDGE,
      isGateway: true,
      ipMasq: false,
      // A pod reaching its own Service's ClusterIP may be sent back to itself.
      hairpinMode: true,
      ipam: {
        type: 'host-local',
        ranges: [[{ subnet: REAL_POD_CIDR, gateway: REAL_POD_GATEWAY }]],
        routes: [{ dst: '0.0.0.0/0' }],
        dataDir: paths.cniIpamDir,
      },
    }],
  };
}

export function kubeletConfig(paths: NodePaths, caFile: string): object {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: REAL_NODE_IP,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: KUBELET_HEALTHZ_PORT,
    // Client certificates of the cluster CA only (the API server's for logs/exec); the listener is on the node IP.
    authentication: { anonymous: { enabled: false }, webhook: { enabled: false }, x509: { clientCAFile: caFile } },
    authorization: { mode: 'AlwaysAllow' },
    cgroupDriver: 'cgroupfs',
    // This machine has cgroup v1 hierarchies only; kubelet 1.35 refuses them unless told otherwise.
    failCgroupV1: false,
    containerRuntimeEndpoint: `unix://${paths.containerdSocket}`,
    // No cluster DNS, and pods must not reach the host's resolver (outside NODE_RANGE): an empty resolv.conf.
    resolvConf: '',
    podLogsDir: paths.podLogs,
    registerWithTaints: [REAL_NODE_TAINT],
    // A node shared with the rest of the machine: evict only when it is really out of memory or disk, and never
    // delete the locally built images (they cannot be pulled again).
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    failSwapOn: false,
    maxPods: 110,
    // Pods see their ConfigMap and status updates quickly in tests.
    syncFrequency: '10s',
    nodeStatusUpdateFrequency: '5s',
    serializeImagePulls: false,
    shutdownGracePeriod: '0s',
  };
}

export function kubeletArgs(paths: NodePaths): string[] {
  return [
    `--config=${paths.kubeletConfig}`,
    `--kubeconfig=${paths.kubeletKubeconfig}`,
    `--root-dir=${paths.kubeletRoot}`,
    `--cert-dir=${paths.kubeletCertDir}`,
    `--hostname-override=${REAL_NODE_NAME}`,
    `--node-ip=${REAL_NODE_IP}`,
    `--node-labels=${REAL_NODE_LABEL.key}=${REAL_NODE_LABEL.value}`,
    '--v=1',
  ];
}

export function kubeProxyConfig(paths: NodePaths): object {
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'iptables',
    clientConnection: { kubeconfig: paths.kubeProxyKubeconfig },
    hostnameOverride: REAL_NODE_NAME,
    bindAddress: REAL_NODE_IP,
    clusterCIDR: REAL_POD_CIDR,
    healthzBindAddress: `127.0.0.1:${KUBE_PROXY_HEALTHZ_PORT}`,
    metricsBindAddress: '127.0.0.1:10249',
    // NodePorts only on the node IP, and not on localhost (that would set route_localnet on the host).
    nodePortAddresses: [`${REAL_NODE_IP}/32`],
    iptables: { localhostNodePorts: false, masqueradeAll: false, syncPeriod: '30s', minSyncPeriod: '0s' },
    // Zero leaves the host's conntrack table size and timeouts as they are.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  };
}

export function kubeProxyArgs(paths: NodePaths): string[] {
  return [`--config=${paths.kubeProxyConfig}`, '--v=1'];
}

/**
 * kube-proxy reads EndpointSlices, which the cluster's controller-manager (tuned for the 1000-pipeline benchmark
 * on KWOK, whose loopback pod IPs EndpointSlices refuse) does not make. The node brings its own instance running
 * only those controllers, with its metrics and health off the network.
 */
export function endpointControllerArgs(paths: NodePaths, port: number): string[] {
  return [
    `--kubeconfig=${paths.controllersKubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    `--authentication-kubeconfig=${paths.controllersKubeconfig}`,
    `--authorization-kubeconfig=${paths.controllersKubeconfig}`,
    '--leader-elect=false',
    '--controllers=endpointslice-controller,endpointslice-mirroring-controller',
    '--kube-api-qps=100',
    '--kube-api-burst=200',
  ];
}

/** The `kubernetes` Service's endpoint: pods reach the API server through the relay on the node IP. */
export function kubernetesEndpointSlice(port: number): object {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: 'kubernetes',
      namespace: 'default',
      labels: { 'kubernetes.io/service-name': 'kubernetes', 'endpointslice.kubernetes.io/managed-by': 'tpo-real-node' },
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: [REAL_NODE_IP], conditions: { ready: true } }],
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  };
}

/** iptables rules (filter table) keeping the pods' traffic inside NODE_RANGE, in iptables-restore syntax. */
export function egressRules(): string[] {
  return [
    `-N ${EGRESS_CHAIN}`,
    `-A ${EGRESS_CHAIN} -s ${REAL_POD_CIDR} ! -d ${NODE_RANGE} -j DROP`,
    `-I INPUT 1 -j ${EGRESS_CHAIN}`,
    `-I FORWARD 1 -j ${EGRESS_CHAIN}`,
  ];
}

export function yamlFile(doc: object): string {
  return stringify(doc);
}
