// Where the real node keeps its state. Machine-wide on purpose: the kubelet's port 10250, the CNI bridge and the
// node IP exist once per machine, so one node serves whichever local cluster holds it (owner.json says which).
import { join } from 'node:path';

export type NodePaths = {
  /** Persistent state: containerd's content store (imported images survive restarts), kubelet root, CNI IPAM. */
  root: string;
  /** Runtime state: sockets, pid files; gone at reboot, like the processes it describes. */
  run: string;
  containerdConfig: string;
  containerdRoot: string;
  containerdState: string;
  containerdSocket: string;
  cniConfDir: string;
  cniIpamDir: string;
  kubeletRoot: string;
  kubeletConfig: string;
  kubeletKubeconfig: string;
  kubeletCertDir: string;
  podLogs: string;
  kubeProxyConfig: string;
  kubeProxyKubeconfig: string;
  controllersKubeconfig: string;
  pids: string;
  /** The host as it was before the node first changed it (host-state.ts). */
  snapshot: string;
  /** Which cluster holds the node (node.ts). */
  owner: string;
  /** Machine-wide lock serializing start, stop and takeover. */
  lock: string;
};

export function nodePaths(root = '/var/lib/tpo-node', run = '/run/tpo-node'): NodePaths {
  return {
    root,
    run,
    containerdConfig: join(root, 'containerd.toml'),
    containerdRoot: join(root, 'containerd'),
    containerdState: join(run, 'containerd'),
    containerdSocket: join(run, 'containerd.sock'),
    cniConfDir: join(root, 'cni', 'net.d'),
    cniIpamDir: join(root, 'cni', 'ipam'),
    kubeletRoot: join(root, 'kubelet'),
    kubeletConfig: join(root, 'kubelet.yaml'),
    kubeletKubeconfig: join(root, 'kubelet.kubeconfig'),
    kubeletCertDir: join(root, 'kubelet-pki'),
    podLogs: join(root, 'pod-logs'),
    kubeProxyConfig: join(root, 'kube-proxy.yaml'),
    kubeProxyKubeconfig: join(root, 'kube-proxy.kubeconfig'),
    controllersKubeconfig: join(root, 'controllers.kubeconfig'),
    pids: join(run, 'pids'),
    snapshot: join(root, 'host-snapshot.json'),
    owner: join(run, 'owner.json'),
    lock: '/run/lock/tpo-real-node',
  };
}

/**
 * Host paths the kubelet and containerd create whatever their configuration says (device plugin and container
 * log directories are fixed in the kubelet; the CRI plugin puts pod network namespaces in /run/netns). Removed on
 * teardown when they did not exist before.
 */
export const FIXED_HOST_PATHS = ['/var/lib/kubelet', '/var/log/containers', '/var/log/pods', '/run/netns', '/var/lib/cni', '/etc/cni', '/opt/cni', '/opt/containerd'] as const;
