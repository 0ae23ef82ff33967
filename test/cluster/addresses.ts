// The address plan of the local cluster, in one place. Traffic never leaves the machine: KWOK pods get loopback
// addresses, and the real node uses the RFC 2544 benchmark range 198.18.0.0/15, which is never routed off-host
// (an iptables rule drops anything from the real pods to outside it).

/** KWOK pods: loopback, so a test that dials a pod IP never leaves the machine. */
export const KWOK_POD_CIDR = '127.1.0.0/16';
export const KWOK_NODE_IP = '127.0.0.1';

/** The only range the real node and its pods may talk to (besides loopback inside a pod). */
export const NODE_RANGE = '198.18.0.0/15';
/** The real node's InternalIP, on a veth of the host; also where pods reach the API server and test sinks. */
export const REAL_NODE_IP = '198.18.0.1';
/** The real node's pods, on a CNI bridge whose gateway is the first address. */
export const REAL_POD_CIDR = '198.19.0.0/16';
export const REAL_POD_GATEWAY = '198.19.0.1';

/**
 * Service ClusterIPs for every cluster profile: inside NODE_RANGE so kube-proxy can route them from pods and from
 * the host, and a /17 so that the 1000-pipeline benchmark (one Service each) fits.
 */
export const SERVICE_CIDR = '198.18.128.0/17';
/** The first address of SERVICE_CIDR, which the API server gives the `kubernetes` Service. */
export const KUBERNETES_SERVICE_IP = '198.18.128.1';

/** Name of the real node (its kubelet's certificate says system:node:<name>). */
export const REAL_NODE_NAME = 'tpo-node';

/** True for addresses test traffic may go to: loopback or NODE_RANGE (IPv4), ::1. */
export function isLocalTestAddress(ip: string): boolean {
  if (ip === '::1') return true;
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return false;
  return parts[0] === 127 || (parts[0] === 198 && (parts[1] === 18 || parts[1] === 19));
}
